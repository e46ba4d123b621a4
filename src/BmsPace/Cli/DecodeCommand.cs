using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using BmsPace.Output;
using BmsPace.Protocol.Commands;
using BmsPace.Protocol.Decoding;
using BmsPace.Protocol.Framing;

namespace BmsPace.Cli;

/// <summary><c>bmspace decode FRAME (--request FRAME | --command KIND [--pack-byte HH]) [--json]</c> (CLI.md).</summary>
internal static class DecodeCommand
{
    public static Command Create()
    {
        var frame = new Argument<string>("frame") { HelpName = "FRAME", Description = "the captured response frame, e.g. ~25014600F07A...E1E4 (the trailing CR optional)" };
        var request = new Option<string?>("--request") { HelpName = "FRAME", Description = "the request that was sent; the kind, protocol version, CID1 and pack byte are taken from it, and an echo of it is recognised" };
        var kind = new Option<string?>("--command") { HelpName = "KIND", Description = "what the frame answers: " + string.Join(", ", CommandKinds.All.Select(k => k.ToLabel())) };
        kind.AcceptOnlyFromAmong([.. CommandKinds.All.Select(k => k.ToLabel())]);
        var packByte = new Option<string?>("--pack-byte") { HelpName = "HH", Description = "the COMMAND byte of the 0x42/0x44 request in hex: FF (all packs, the default) makes the second INFO byte a pack count, anything else an echo" };
        var version = new Option<string>("--protocol-version") { HelpName = "HH", Description = "the protocol version (VER) the reply must carry, in hex", DefaultValueFactory = _ => "25" };
        var cid1 = new Option<string>("--cid1") { HelpName = "HH", Description = "the device type (CID1) the reply must carry, in hex", DefaultValueFactory = _ => "46" };
        var forceOffset = new Option<int>("--force-pack-offset") { HelpName = "CHARS", Description = "extra characters after each pack block; 0 = automatic tail search" };
        var json = new Option<bool>("--json") { Description = "print JSON (CLI.md) instead of text" };

        var command = new Command("decode", "Decode one captured response frame and print its fields; exit 1 with the reason if the frame is bad.")
        {
            frame, request, kind, packByte, version, cid1, forceOffset, json,
        };
        command.SetAction((parseResult, _) =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            var settings = ResolveSettings(
                parseResult.GetValue(request), parseResult.GetValue(kind), parseResult.GetValue(packByte),
                parseResult.GetValue(version)!, parseResult.GetValue(cid1)!, parseResult.GetValue(forceOffset), out var problems);
            if (settings is null)
            {
                foreach (var problem in problems)
                {
                    error.WriteLine(problem);
                }

                return Task.FromResult(BmsPaceCli.ExitUsage);
            }

            return Task.FromResult(Run(CleanFrame(parseResult.GetValue(frame)!), settings, parseResult.GetValue(json), output, error));
        });
        return command;
    }

    private sealed record Settings(CommandKind Kind, byte Version, byte Cid1, byte PackByte, string? Request, DecoderOptions Options);

    private static Settings? ResolveSettings(string? request, string? kindLabel, string? packByteText, string versionText, string cid1Text, int forceOffset, out List<string> problems)
    {
        problems = [];
        if (request is null && kindLabel is null)
        {
            problems.Add("decode needs --request FRAME or --command KIND to know what the frame answers");
        }

        if (request is not null && kindLabel is not null)
        {
            problems.Add("give either --request or --command, not both");
        }

        if (request is not null && packByteText is not null)
        {
            problems.Add("--pack-byte is taken from --request; give one or the other");
        }

        if (forceOffset is < 0 or > 4095 || forceOffset % 2 != 0)
        {
            problems.Add("--force-pack-offset must be an even number of characters between 0 and 4094");
        }

        byte version = ParseHexByte(versionText, "--protocol-version", problems);
        byte cid1 = ParseHexByte(cid1Text, "--cid1", problems);
        byte packByte = packByteText is null ? RequestBuilder.AllPacks : ParseHexByte(packByteText, "--pack-byte", problems);
        var kind = CommandKind.Analog;
        string? cleanRequest = null;
        if (request is not null)
        {
            cleanRequest = CleanFrame(request);
            try
            {
                var parsed = FrameDecoder.ParseRequest(cleanRequest);
                if (!CommandKinds.TryFromCid2(parsed.Cid2, out kind))
                {
                    problems.Add(string.Create(CultureInfo.InvariantCulture, $"the --request asks CID2 0x{parsed.Cid2:X2}, which decode does not know (known: {string.Join(", ", CommandKinds.All.Select(k => $"{k.ToLabel()} 0x{k.ToCid2():X2}"))})"));
                }

                version = parsed.Version;
                cid1 = parsed.Cid1;

                // A request without INFO (EG4) names its pack by address: one pack, as for an echoed pack byte.
                packByte = parsed.Info.Length > 0 ? parsed.Info[0] : parsed.Address == RequestBuilder.AllPacks ? (byte)0 : parsed.Address;
            }
            catch (PaceProtocolException failure)
            {
                problems.Add($"the --request frame is not a valid request ({failure.Message})");
            }
        }
        else if (kindLabel is not null && !CommandKinds.TryParse(kindLabel, out kind))
        {
            problems.Add($"unknown --command {kindLabel}");
        }

        if (problems.Count > 0)
        {
            return null;
        }

        var options = new DecoderOptions
        {
            TemperatureOffsetDeciKelvin = version == 0x25 ? 2730 : 2731,
            ForcePackOffsetCharacters = forceOffset,
        };
        return new Settings(kind, version, cid1, packByte, cleanRequest, options);
    }

    private static int Run(string frameText, Settings settings, bool json, TextWriter output, TextWriter error)
    {
        ResponseFrame frame;
        object decoded;
        try
        {
            frame = FrameDecoder.Parse(frameText, settings.Version, settings.Cid1, settings.Request);
            var info = frame.Info.AsSpan();
            decoded = settings.Kind switch
            {
                CommandKind.Analog => PaceDecoders.DecodeAnalog(info, settings.PackByte, settings.Options),
                CommandKind.Alarm => PaceDecoders.DecodeAlarm(info, settings.PackByte, settings.Options),
                CommandKind.SoftwareVersion => PaceDecoders.DecodeSoftwareVersion(info),
                CommandKind.SerialNumber => PaceDecoders.DecodeSerialNumbers(info),
                CommandKind.PackCount => new PackCountAnswer(PaceDecoders.DecodePackCount(info)),
                CommandKind.Capacity => PaceDecoders.DecodeCapacity(info),
                CommandKind.DateTime => PaceDecoders.DecodeDateTime(info),
                _ => throw new InvalidOperationException($"no decoder for {settings.Kind}"),
            };
        }
        catch (PaceProtocolException failure)
        {
            if (json)
            {
                output.WriteLine(Json(writer => ReadingJson.WriteError(writer, failure)));
            }
            else
            {
                error.WriteLine($"bad frame: {failure.Error.ToReason()}: {failure.Detail}");
            }

            return BmsPaceCli.ExitDeviceFailed;
        }

        if (json)
        {
            output.WriteLine(Json(writer => WriteJson(writer, settings.Kind, frame, decoded)));
        }
        else
        {
            WriteText(output, settings.Kind, frame, decoded);
        }

        return BmsPaceCli.ExitOk;
    }

    private sealed record PackCountAnswer(int? Count);

    private static void WriteJson(Utf8JsonWriter writer, CommandKind kind, ResponseFrame frame, object decoded)
    {
        writer.WriteStartObject();
        writer.WriteString("kind", kind.ToLabel());
        writer.WriteString("version", frame.Version.ToString("X2", CultureInfo.InvariantCulture));
        writer.WriteNumber("address", frame.Address);
        writer.WriteNumber("rtn", frame.ReturnCode);
        switch (decoded)
        {
            case Protocol.Readings.AnalogReading analog:
                writer.WriteNumber("pack_count", analog.PackCount);
                writer.WriteStartArray("packs");
                foreach (var pack in analog.Packs)
                {
                    ReadingJson.WriteAnalogPack(writer, pack);
                }

                writer.WriteEndArray();
                break;
            case Protocol.Readings.AlarmReading alarm:
                writer.WriteNumber("pack_count", alarm.PackCount);
                writer.WriteStartArray("packs");
                foreach (var pack in alarm.Packs)
                {
                    ReadingJson.WriteAlarmPack(writer, pack);
                }

                writer.WriteEndArray();
                break;
            case string softwareVersion:
                writer.WriteString("software_version", softwareVersion);
                break;
            case Protocol.Readings.SerialNumbers serials:
                writer.WriteString("bms_serial", serials.BmsSerial);
                writer.WriteString("pack_serial", serials.PackSerial);
                break;
            case PackCountAnswer { Count: { } count }:
                writer.WriteNumber("pack_count", count);
                break;
            case PackCountAnswer:
                writer.WriteNull("pack_count");
                break;
            case Protocol.Readings.CapacityReading capacity:
                writer.WriteNumber("remaining_amp_hours", capacity.RemainingAmpHours);
                writer.WriteNumber("full_amp_hours", capacity.FullAmpHours);
                writer.WriteNumber("design_amp_hours", capacity.DesignAmpHours);
                break;
            case DateTime time:
                writer.WriteString("datetime", time.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture));
                break;
            default:
                throw new InvalidOperationException($"no JSON for {decoded.GetType().Name}");
        }

        writer.WriteEndObject();
    }

    private static void WriteText(TextWriter output, CommandKind kind, ResponseFrame frame, object decoded)
    {
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{kind.ToLabel()} answer: version {frame.Version:X2}, address {frame.Address}, RTN {frame.ReturnCode:X2} ({ReturnCodes.Describe(frame.ReturnCode)})"));
        switch (decoded)
        {
            case Protocol.Readings.AnalogReading analog:
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"pack count {analog.PackCount}"));
                foreach (var pack in analog.Packs)
                {
                    ReadingText.WriteAnalogPack(output, pack);
                }

                break;
            case Protocol.Readings.AlarmReading alarm:
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"pack count {alarm.PackCount}"));
                foreach (var pack in alarm.Packs)
                {
                    ReadingText.WriteAlarmPack(output, pack);
                }

                break;
            case string softwareVersion:
                output.WriteLine($"software version: {softwareVersion}");
                break;
            case Protocol.Readings.SerialNumbers serials:
                output.WriteLine($"BMS serial: {serials.BmsSerial}");
                output.WriteLine($"pack serial: {(serials.PackSerial.Length == 0 ? "(none)" : serials.PackSerial)}");
                break;
            case PackCountAnswer answer:
                output.WriteLine(answer.Count is { } count ? string.Create(CultureInfo.InvariantCulture, $"pack count: {count}") : "pack count: (no INFO in the answer)");
                break;
            case Protocol.Readings.CapacityReading capacity:
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"remaining {capacity.RemainingAmpHours:0.00} Ah, full {capacity.FullAmpHours:0.00} Ah, design {capacity.DesignAmpHours:0.00} Ah"));
                break;
            case DateTime time:
                output.WriteLine($"BMS clock: {time.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)}");
                break;
            default:
                throw new InvalidOperationException($"no text for {decoded.GetType().Name}");
        }
    }

    private static string Json(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, ReadingJson.WriterOptions))
        {
            write(writer);
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Frames are pasted from logs: surrounding blanks and a written-out <c>\r</c> are not part of them.</summary>
    private static string CleanFrame(string text)
    {
        string frame = text.Trim(' ', '\t', '\n');
        return frame.EndsWith("\\r", StringComparison.Ordinal) ? frame[..^2] : frame;
    }

    private static byte ParseHexByte(string text, string option, List<string> problems)
    {
        string digits = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? text[2..] : text;
        if (digits.Length is >= 1 and <= 2 && byte.TryParse(digits, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out byte value))
        {
            return value;
        }

        problems.Add($"{option} must be one hex byte such as 25 or 0x46, not '{text}'");
        return 0;
    }
}
