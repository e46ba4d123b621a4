using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using BmsPace.Protocol.Commands;
using BmsPace.Protocol.Decoding;
using BmsPace.Protocol.Dialects;
using BmsPace.Protocol.Framing;
using BmsPace.Protocol.Tests;
using BmsPace.Protocol.Wire;
using BmsPace.Protocol.Readings;

namespace BmsPace.Benchmarks;

/// <summary>A real frame to mutate: the reply as on the wire (without CR), what it answers, and the request's pack byte.</summary>
public sealed record FuzzSeed(string Id, string Frame, byte Command, byte PackByte);

/// <summary>One finding worth a line in the report: the frame that caused it and what went wrong.</summary>
public sealed record FuzzFinding(string Kind, string Seed, string Dialect, string Frame, string Detail);

public sealed class FuzzResult
{
    public long Frames { get; set; }

    public long Accepted { get; set; }

    public long Rejected { get; set; }

    public long Unexpected { get; set; }

    public long Slow { get; set; }

    public long Implausible { get; set; }

    /// <summary>The first findings of each kind (bounded, so a systematic bug does not flood the report).</summary>
    public List<FuzzFinding> Findings { get; } = [];

    public string Summary =>
        $"fuzz: {Frames} frames, {Accepted} accepted, {Rejected} rejected, {Unexpected} unexpected exceptions, {Slow} slow, {Implausible} implausible";
}

/// <summary>
/// Mutates real frames of every dialect and decodes each through the dialect seam: bit flips, inserted and deleted
/// bytes (checksums left broken: the envelope must refuse them), changed hex digits, placeholder words, random pack and
/// cell counts, grown and shrunk INFO and huge LENIDs with LCHKSUM and CHKSUM recomputed (so the mutation reaches the
/// decoders); one frame in eight goes through the ASCII wire format (<see cref="AsciiWire"/>) instead, split, joined
/// with other frames and wrapped in noise. An accepted value outside physical limits counts as implausible.
/// </summary>
public static class DecoderFuzzer
{
    private const int MaxFindingsPerKind = 20;

    private static readonly TimeSpan SlowFrame = TimeSpan.FromMilliseconds(100);

    /// <summary>The reply frames of vectors.json that pass their checksums, with the command they answer.</summary>
    public static IReadOnlyList<FuzzSeed> SeedsFrom(string vectorsJson)
    {
        using var document = JsonDocument.Parse(vectorsJson);
        var seeds = new List<FuzzSeed>();
        foreach (var vector in document.RootElement.GetProperty("vectors").EnumerateArray())
        {
            string? frame = vector.TryGetProperty("frame", out var f) && f.ValueKind == JsonValueKind.String ? f.GetString() : null;
            string? command = vector.TryGetProperty("command", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
            if (frame is null || command is null || !frame.StartsWith('~'))
            {
                continue;
            }

            byte packByte = vector.TryGetProperty("request_info_byte", out var p) && p.ValueKind == JsonValueKind.String
                && byte.TryParse(p.GetString()!.Replace("0x", "", StringComparison.Ordinal), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out byte parsed)
                ? parsed
                : RequestBuilder.AllPacks;
            seeds.Add(new FuzzSeed(vector.GetProperty("id").GetString()!, frame.TrimEnd('\r'), Convert.ToByte(command, 16), packByte));
        }

        return seeds;
    }

    public static FuzzResult Run(IReadOnlyList<FuzzSeed> seeds, long frames, int randomSeed)
    {
        var random = new Random(randomSeed);
        var result = new FuzzResult();
        var assembler = new WireBuffer(AsciiWire.Instance);
        var stopwatch = new Stopwatch();
        for (long i = 0; i < frames; i++)
        {
            var seed = seeds[random.Next(seeds.Count)];
            if (i % 8 == 7)
            {
                CutAndDecode(seeds, seed, random, assembler, result, stopwatch);
            }
            else
            {
                Decode(seed, Mutate(seed.Frame, random), result, stopwatch);
            }

            result.Frames++;
        }

        return result;
    }

    /// <summary>Several frames (some mutated) joined with noise, fed to the assembler in random pieces; every frame it cuts is decoded.</summary>
    private static void CutAndDecode(IReadOnlyList<FuzzSeed> seeds, FuzzSeed first, Random random, WireBuffer assembler, FuzzResult result, Stopwatch stopwatch)
    {
        assembler.Clear();
        var stream = new StringBuilder();
        var sent = new List<FuzzSeed> { first };
        int count = random.Next(1, 5);
        for (int k = 1; k < count; k++)
        {
            sent.Add(seeds[random.Next(seeds.Count)]);
        }

        foreach (var seed in sent)
        {
            if (random.Next(3) == 0)
            {
                for (int n = random.Next(1, 20); n > 0; n--)
                {
                    stream.Append((char)random.Next(0, 128));
                }
            }

            stream.Append(random.Next(2) == 0 ? seed.Frame : Mutate(seed.Frame, random)).Append('\r');
        }

        byte[] bytes = Encoding.Latin1.GetBytes(stream.ToString());
        int offset = 0;
        bool anyAccepted = false;
        bool anyUnexpected = false;
        while (offset < bytes.Length)
        {
            int piece = Math.Min(bytes.Length - offset, random.Next(1, 64));
            try
            {
                foreach (string frame in assembler.Feed(bytes.AsSpan(offset, piece)))
                {
                    // Decode against the seed whose command the frame most likely answers: the first one sent.
                    var scratch = new FuzzResult();
                    Decode(sent[0], frame, scratch, stopwatch);
                    anyAccepted |= scratch.Accepted > 0;
                    anyUnexpected |= scratch.Unexpected > 0;
                    result.Slow += scratch.Slow;
                    result.Implausible += scratch.Implausible;
                    AddFindings(result, scratch.Findings);
                }
            }
            catch (Exception e) when (e is not PaceProtocolException)
            {
                anyUnexpected = true;
                AddFinding(result, new FuzzFinding("unexpected", first.Id, "assembler", stream.ToString(), e.ToString()));
            }

            offset += piece;
        }

        if (anyUnexpected)
        {
            result.Unexpected++;
        }
        else if (anyAccepted)
        {
            result.Accepted++;
        }
        else
        {
            result.Rejected++;
        }
    }

    /// <summary>Decodes <paramref name="frame"/> through every dialect as an answer to the seed's command.</summary>
    private static void Decode(FuzzSeed seed, string frame, FuzzResult result, Stopwatch stopwatch)
    {
        bool accepted = false;
        bool unexpected = false;
        foreach (var dialect in BmsDialects.All)
        {
            if (KindOf(dialect, seed.Command) is not { } kind)
            {
                continue;
            }

            stopwatch.Restart();
            try
            {
                if (DecodeWith(dialect, kind, seed, frame) is { } analog)
                {
                    CheckPlausible(seed, dialect, frame, analog, result);
                }

                accepted = true;
            }
            catch (PaceProtocolException)
            {
            }
            catch (Exception e)
            {
                unexpected = true;
                AddFinding(result, new FuzzFinding("unexpected", seed.Id, dialect.Name, frame, $"{e.GetType().Name}: {e.Message} at {e.StackTrace?.Split('\n').FirstOrDefault()?.Trim()}"));
            }

            if (stopwatch.Elapsed > SlowFrame)
            {
                // A busy machine preempts any frame now and then; a frame is slow only when a second decode is slow too.
                var first = stopwatch.Elapsed;
                stopwatch.Restart();
                try
                {
                    DecodeWith(dialect, kind, seed, frame);
                }
                catch (Exception)
                {
                }

                if (stopwatch.Elapsed > SlowFrame)
                {
                    result.Slow++;
                    AddFinding(result, new FuzzFinding("slow", seed.Id, dialect.Name, frame, $"{first.TotalMilliseconds:F0} ms, then {stopwatch.Elapsed.TotalMilliseconds:F0} ms"));
                }
            }
        }

        if (unexpected)
        {
            result.Unexpected++;
        }
        else if (accepted)
        {
            result.Accepted++;
        }
        else
        {
            result.Rejected++;
        }
    }

    /// <summary>Validates and decodes <paramref name="frame"/> as <paramref name="kind"/>; the analog reading when it is one.</summary>
    private static AnalogReading? DecodeWith(IBmsDialect dialect, CommandKind kind, FuzzSeed seed, string frame)
    {
        var response = dialect.Validate(frame);
        var options = new DecoderOptions { TemperatureOffsetDeciKelvin = dialect.TemperatureOffsetDeciKelvin };
        AnalogReading? analog = null;
        switch (kind)
        {
            case CommandKind.Analog:
                analog = dialect.DecodeAnalog(response, seed.PackByte, options);
                break;
            case CommandKind.Alarm:
                dialect.DecodeAlarm(response, seed.PackByte, options);
                break;
            case CommandKind.PackCount:
                dialect.DecodePackCount(response);
                break;
            case CommandKind.Capacity:
                dialect.DecodeCapacity(response);
                break;
            case CommandKind.DateTime:
                dialect.DecodeDateTime(response);
                break;
            default:
                dialect.DecodeIdentity(kind, response);
                break;
        }

        dialect.Explains(response, kind, seed.PackByte);
        return analog;
    }

        private static void CheckPlausible(FuzzSeed seed, IBmsDialect dialect, string frame, AnalogReading reading, FuzzResult result)
    {
        foreach (var pack in reading.Packs)
        {
            void Implausible(string field, double value)
            {
                result.Implausible++;
                AddFinding(result, new FuzzFinding("implausible", seed.Id, dialect.Name, frame, $"pack {pack.Pack} {field} = {value.ToString(CultureInfo.InvariantCulture)}"));
            }

            for (int c = 0; c < pack.CellVoltagesVolts.Length; c++)
            {
                if (pack.CellVoltagesVolts[c] is < 0 or > 5)
                {
                    Implausible($"cell {c + 1} volts", pack.CellVoltagesVolts[c]);
                }
            }

            for (int t = 0; t < pack.TemperaturesCelsius.Length; t++)
            {
                double celsius = pack.TemperaturesCelsius[t];
                if (!double.IsNaN(celsius) && celsius is < Plausibility.MinCelsius or > Plausibility.MaxCelsius)
                {
                    Implausible($"temperature {t + 1} celsius", celsius);
                }
            }

            if (pack.StateOfChargeRatio is { } soc && soc is < 0 or > 1.5)
            {
                Implausible("state_of_charge_ratio", soc);
            }

            if (pack.StateOfChargeCalculatedRatio is { } socCalculated && socCalculated is < 0 or > 1.5)
            {
                Implausible("state_of_charge_calculated_ratio", socCalculated);
            }

            if (pack.StateOfHealthRatio is { } soh && soh is < 0 or > 2)
            {
                Implausible("state_of_health_ratio", soh);
            }

            if (pack.StateOfHealthCalculatedRatio is { } sohCalculated && sohCalculated is < 0 or > 2)
            {
                Implausible("state_of_health_calculated_ratio", sohCalculated);
            }
        }
    }

    private static CommandKind? KindOf(IBmsDialect dialect, byte command)
    {
        foreach (var kind in Enum.GetValues<CommandKind>())
        {
            if (dialect.Cid2Of(kind) == command)
            {
                return kind;
            }
        }

        return null;
    }

    /// <summary>One to three mutations; most keep the checksums right so the decoders see them.</summary>
    internal static string Mutate(string frame, Random random)
    {
        string result = frame;
        for (int n = random.Next(1, 4); n > 0; n--)
        {
            result = random.Next(12) switch
            {
                0 => FlipBit(result, random),
                1 => result.Insert(random.Next(result.Length + 1), ((char)random.Next(0, 256)).ToString()),
                2 => result.Length > 1 ? result.Remove(random.Next(result.Length), 1) : result,
                3 or 4 => Resealed(result, info => ChangeHexDigit(info, random)),
                5 => Resealed(result, info => SetWord(info, random)),
                6 => Resealed(result, info => SetByteAt(info, 2, random)),
                7 => Resealed(result, info => SetByteAt(info, random.Next(2) == 0 ? 4 : 6, random)),
                8 => Resealed(result, info => ResizeInfo(info, random)),
                9 => HugeLength(result, random),
                10 => Resealed(result, info => info.Length > 0 ? info[..random.Next(info.Length)] : info),
                _ => Resealed(result, info => SetByteAt(info, random.Next(Math.Max(1, info.Length / 2)) * 2, random)),
            };
        }

        return result;
    }

    private static string FlipBit(string frame, Random random)
    {
        if (frame.Length == 0)
        {
            return frame;
        }

        var chars = frame.ToCharArray();
        int at = random.Next(chars.Length);
        chars[at] = (char)((chars[at] ^ (1 << random.Next(8))) & 0xFF);
        return new string(chars);
    }

    /// <summary>Applies <paramref name="change"/> to INFO, then writes a matching LENGTH and CHKSUM.</summary>
    private static string Resealed(string frame, Func<string, string> change)
    {
        if (frame.Length < 17 || frame[0] != '~')
        {
            return frame;
        }

        string header = frame[1..9];
        string info = change(frame[13..^4]);
        if (info.Length > 0xFFF)
        {
            info = info[..0xFFF];
        }

        return Seal(header, info.Length, info);
    }

    private static string Seal(string header, int lenId, string info)
    {
        string body = header + Checksums.LengthField(lenId).ToString("X4", CultureInfo.InvariantCulture) + info;
        return "~" + body + Checksums.FrameChecksum(body).ToString("X4", CultureInfo.InvariantCulture);
    }

    /// <summary>A LENID that claims far more (or other) INFO than the frame holds, with a valid LCHKSUM and CHKSUM.</summary>
    private static string HugeLength(string frame, Random random)
    {
        if (frame.Length < 17 || frame[0] != '~')
        {
            return frame;
        }

        int lenId = random.Next(2) == 0 ? 0xFFF : random.Next(0x1000);
        return Seal(frame[1..9], lenId, frame[13..^4]);
    }

    private const string HexDigits = "0123456789ABCDEF";

    private static string ChangeHexDigit(string info, Random random)
    {
        if (info.Length == 0)
        {
            return info;
        }

        var chars = info.ToCharArray();
        chars[random.Next(chars.Length)] = HexDigits[random.Next(16)];
        return new string(chars);
    }

    private static readonly string[] Placeholders = ["FFFF", "0000", "8000", "7FFF", "FFFE", "0001"];

    private static string SetWord(string info, Random random)
    {
        if (info.Length < 4)
        {
            return info;
        }

        int at = random.Next((info.Length - 4) / 2 + 1) * 2;
        string word = random.Next(3) == 0 ? random.Next(0x10000).ToString("X4", CultureInfo.InvariantCulture) : Placeholders[random.Next(Placeholders.Length)];
        return info[..at] + word + info[(at + 4)..];
    }

    /// <summary>A random byte at a hex position: pack count (2), cell count (4 or 6 in the PACE layout), or anywhere.</summary>
    private static string SetByteAt(string info, int at, Random random)
    {
        if (info.Length < at + 2)
        {
            return info;
        }

        int value = random.Next(4) switch
        {
            0 => 0,
            1 => 0xFF,
            2 => random.Next(1, 33),
            _ => random.Next(256),
        };
        return info[..at] + value.ToString("X2", CultureInfo.InvariantCulture) + info[(at + 2)..];
    }

    private static string ResizeInfo(string info, Random random)
    {
        int at = info.Length == 0 ? 0 : random.Next(info.Length / 2 + 1) * 2;
        if (random.Next(2) == 0 && info.Length >= at + 2)
        {
            int remove = Math.Min(info.Length - at, random.Next(1, 9) * 2);
            return info.Remove(at, remove);
        }

        var inserted = new StringBuilder();
        for (int n = random.Next(1, 9) * 2; n > 0; n--)
        {
            inserted.Append(HexDigits[random.Next(16)]);
        }

        return info.Insert(at, inserted.ToString());
    }

    private static void AddFindings(FuzzResult result, IEnumerable<FuzzFinding> findings)
    {
        foreach (var finding in findings)
        {
            AddFinding(result, finding);
        }
    }

    private static void AddFinding(FuzzResult result, FuzzFinding finding)
    {
        if (result.Findings.Count(f => f.Kind == finding.Kind) < MaxFindingsPerKind)
        {
            result.Findings.Add(finding);
        }
    }
}
