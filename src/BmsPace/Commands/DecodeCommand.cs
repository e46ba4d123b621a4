using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using BmsPace.Outputs.Documents;
using BmsPace.Protocol.Commands;
using BmsPace.Protocol.Decoding;
using BmsPace.Protocol.Dialects;
using BmsPace.Protocol.Framing;
using BmsPace.Protocol.Modbus;
using BmsPace.Protocol.Readings;

namespace BmsPace.Commands;

/// <summary><c>bmspace decode FRAME (--request FRAME | --command KIND [--pack-byte HH]) [--json]</c> (CLI.md).</summary>
internal static class DecodeCommand
{
    public static Command Create()
    {
        var frame = new Argument<string>("frame") { HelpName = "FRAME", Description = "the captured response frame, e.g. ~25014600F07A...E1E4 (the trailing CR optional)" };
        var request = new Option<string?>("--request") { HelpName = "FRAME", Description = "the request that was sent; the kind, protocol version, CID1 and pack byte are taken from it, and an echo of it is recognised" };
        var kind = new Option<string?>("--command") { HelpName = "KIND", Description = "what the frame answers: " + string.Join(", ", CommandKinds.Every.Select(k => k.ToLabel())) };
        kind.AcceptOnlyFromAmong([.. CommandKinds.Every.Select(k => k.ToLabel())]);
        var protocol = new Option<string?>("--protocol") { HelpName = "NAME", Description = $"the dialect: {string.Join(", ", BmsDialects.Names)} or {BmsDialects.Auto} (the default: told from VER, CID1 and the INFO layout; with --protocol-version alone, {BmsDialects.Default.Name})" };
        protocol.AcceptOnlyFromAmong([.. BmsDialects.Names, BmsDialects.Auto]);
        var packByte = new Option<string?>("--pack-byte") { HelpName = "HH", Description = "the COMMAND byte of the 0x42/0x44 request in hex: FF (all packs, the default) makes the second INFO byte a pack count, anything else an echo" };
        var version = new Option<string?>("--protocol-version") { HelpName = "HH", Description = "the protocol version (VER) the reply must carry, in hex, for firmware that reports another VER than its dialect's; it never changes the layout" };
        var cid1 = new Option<string?>("--cid1") { HelpName = "HH", Description = "the device type (CID1) the reply must carry, in hex (the dialect's own by default)" };
        var forceOffset = new Option<int>("--force-pack-offset") { HelpName = "CHARS", Description = "extra characters after each pack block; 0 = automatic tail search" };
        var json = new Option<bool>("--json") { Description = "print JSON (CLI.md) instead of text" };

        var command = new Command("decode", "Decode one captured response frame and print its fields; exit 1 with the reason if the frame is bad.")
        {
            frame, request, kind, packByte, protocol, version, cid1, forceOffset, json,
        };
        command.SetAction((parseResult, _) =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            if (ModbusDecode.Applies(parseResult.GetValue(frame)!, parseResult.GetValue(request), parseResult.GetValue(protocol)))
            {
                return Task.FromResult(ModbusDecode.Run(
                    parseResult.GetValue(frame)!, parseResult.GetValue(request), parseResult.GetValue(protocol), parseResult.GetValue(json), output, error));
            }

            var settings = ResolveSettings(
                parseResult.GetValue(request), parseResult.GetValue(kind), parseResult.GetValue(packByte), parseResult.GetValue(protocol),
                parseResult.GetValue(version), parseResult.GetValue(cid1), parseResult.GetValue(forceOffset), out var problems);
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

    /// <param name="Dialect">Null for detection (<c>--protocol auto</c>).</param>
    /// <param name="VersionOverride">The VER the reply must carry instead of the dialect's own.</param>
    /// <param name="Cid1">The CID1 the reply must carry, when given.</param>
    private sealed record Settings(CommandKind Kind, IBmsDialect? Dialect, byte? VersionOverride, byte? Cid1, byte PackByte, string? Request, int ForcePackOffset);

    private static Settings? ResolveSettings(string? request, string? kindLabel, string? packByteText, string? protocolName, string? versionText, string? cid1Text, int forceOffset, out List<string> problems)
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

        byte? version = versionText is null ? null : ParseHexByte(versionText, "--protocol-version", problems);
        byte? cid1 = cid1Text is null ? null : ParseHexByte(cid1Text, "--cid1", problems);
        byte packByte = packByteText is null ? RequestBuilder.AllPacks : ParseHexByte(packByteText, "--pack-byte", problems);

        // A VER override belongs to a dialect; before dialects existed it was the first dialect's option, and it still means that one.
        IBmsDialect? dialect = null;
        if (protocolName is not null && protocolName != BmsDialects.Auto)
        {
            BmsDialects.TryFind(protocolName, out dialect);
        }
        else if (protocolName is null && versionText is not null)
        {
            dialect = BmsDialects.Default;
        }

        var kind = CommandKind.Analog;
        string? cleanRequest = null;
        if (request is not null)
        {
            cleanRequest = CleanFrame(request);
            try
            {
                var parsed = FrameDecoder.ParseRequest(cleanRequest);
                var asking = dialect is null ? BmsDialects.All : [dialect];
                var known = asking.SelectMany(d => CommandKinds.Every.Where(k => d.Cid2Of(k) == parsed.Cid2)).Distinct().ToArray();
                if (known.Length == 0)
                {
                    problems.Add(string.Create(CultureInfo.InvariantCulture, $"the --request asks CID2 0x{parsed.Cid2:X2}, which decode does not know (known: {string.Join(", ", asking.SelectMany(d => CommandKinds.Every.Where(k => d.Cid2Of(k) is not null).Select(k => $"{d.Name} {k.ToLabel()} 0x{d.Cid2Of(k):X2}")))})"));
                }
                else
                {
                    kind = known[0];
                }

                // A request whose VER is not its dialect's own asks the reply to carry that VER too.
                if (dialect is not null && parsed.Version != dialect.DefaultVersion)
                {
                    version ??= parsed.Version;
                }

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

        return new Settings(kind, dialect, version, cid1, packByte, cleanRequest, forceOffset);
    }

    private static int Run(string frameText, Settings settings, bool json, TextWriter output, TextWriter error)
    {
        RequestFrame frame;
        IBmsDialect dialect;
        object decoded;
        try
        {
            (dialect, var reply) = Validate(frameText, settings);

            // The header fields decode prints are the ASCII envelope's, read again from the frame that passed.
            frame = FrameDecoder.ParseRequest(frameText);
            IReadOnlyList<DialectReply> replies = [reply];
            var options = new DecoderOptions
            {
                TemperatureOffsetDeciKelvin = dialect.TemperatureOffsetDeciKelvin,
                ForcePackOffsetCharacters = settings.ForcePackOffset,
            };
            decoded = settings.Kind switch
            {
                CommandKind.Analog => dialect.DecodeAnalog(replies, settings.PackByte, options),
                CommandKind.Alarm => dialect.DecodeAlarm(replies, settings.PackByte, options),
                // A dialect without these reads refuses them in DecodeIdentity, as any read it lacks.
                CommandKind.SoftwareVersion => dialect.DecodeIdentity(settings.Kind, replies).SoftwareVersion!,
                CommandKind.SerialNumber => ToSerials(dialect.DecodeIdentity(settings.Kind, replies)),
                CommandKind.PackCount => new PackCountAnswer(dialect.DecodePackCount(replies)),
                CommandKind.Capacity => dialect.DecodeCapacity(replies),
                CommandKind.DateTime => dialect.DecodeDateTime(replies),
                _ => dialect.DecodeIdentity(settings.Kind, replies),
            };
        }
        catch (PaceProtocolException failure)
        {
            return Refuse(failure, ReadingJson.WriteError, json, output, error);
        }

        if (json)
        {
            output.WriteLine(JsonOutput.Text(writer => WriteJson(writer, settings.Kind, dialect, frame, decoded)));
        }
        else
        {
            WriteText(output, settings.Kind, dialect, frame, decoded);
        }

        return BmsPaceCli.ExitOk;
    }

    /// <summary>A frame that does not decode: its reason as CLI.md's JSON error on standard output, or a line on standard error.</summary>
    internal static int Refuse(PaceProtocolException failure, Action<Utf8JsonWriter, PaceProtocolException> writeError, bool json, TextWriter output, TextWriter error)
    {
        if (json)
        {
            output.WriteLine(JsonOutput.Text(writer => writeError(writer, failure)));
        }
        else
        {
            error.WriteLine($"bad frame: {failure.Error.ToReason()}: {failure.Detail}");
        }

        return BmsPaceCli.ExitDeviceFailed;
    }

    /// <summary>
    /// The named dialect validates the frame itself (a VER override changes only the VER it expects); with
    /// <c>auto</c> the frame's VER, CID1 and layout choose it. Explicit <c>--protocol-version</c> and <c>--cid1</c>
    /// are expectations either way.
    /// </summary>
    private static (IBmsDialect Dialect, DialectReply Reply) Validate(string frameText, Settings settings)
    {
        byte[] reply = Encoding.Latin1.GetBytes(frameText);
        byte[] request = settings.Request is null ? [] : Encoding.Latin1.GetBytes(settings.Request);
        if (settings.Dialect is { } named)
        {
            var validated = named.Validate(reply, request, settings.VersionOverride);
            if (settings.Cid1 is { } cid1 && FrameDecoder.ParseRequest(frameText).Cid1 is var actual && actual != cid1)
            {
                throw new PaceProtocolException(FrameError.Cid1, string.Create(CultureInfo.InvariantCulture, $"CID1 is {actual:X2}, expected {cid1:X2}"));
            }

            return (named, validated);
        }

        var envelope = FrameDecoder.ParseRequest(frameText);
        if (settings.VersionOverride is { } version && envelope.Version != version && (settings.Request is null || !SameFrame(frameText, settings.Request)))
        {
            throw new PaceProtocolException(FrameError.Version, string.Create(CultureInfo.InvariantCulture, $"VER is {envelope.Version:X2}, expected {version:X2}"));
        }

        if (settings.Cid1 is { } expectedCid1 && envelope.Cid1 != expectedCid1 && (settings.Request is null || !SameFrame(frameText, settings.Request)))
        {
            throw new PaceProtocolException(FrameError.Cid1, string.Create(CultureInfo.InvariantCulture, $"CID1 is {envelope.Cid1:X2}, expected {expectedCid1:X2}"));
        }

        return BmsDialects.ValidateAndDetect(reply, settings.Kind, settings.PackByte, request);
    }

    private static bool SameFrame(string frame, string request) =>
        string.Equals(frame.TrimEnd('\r'), request.TrimEnd('\r'), StringComparison.Ordinal);

    private static Protocol.Readings.SerialNumbers ToSerials(IdentityReading identity) => new(identity.BmsSerial ?? "", identity.PackSerial ?? "");

    private sealed record PackCountAnswer(int? Count);

    private static void WriteJson(Utf8JsonWriter writer, CommandKind kind, IBmsDialect dialect, RequestFrame frame, object decoded)
    {
        writer.WriteStartObject();
        writer.WriteString("kind", kind.ToLabel());
        writer.WriteString("protocol", dialect.Name);
        writer.WriteString("version", frame.Version.ToString("X2", CultureInfo.InvariantCulture));
        writer.WriteNumber("address", frame.Address);
        writer.WriteNumber("rtn", frame.Cid2);
        switch (decoded)
        {
            case AnalogReading analog:
                WritePacks(writer, analog.PackCount, analog.Packs, ReadingJson.WriteAnalogPack);
                break;
            case AlarmReading alarm:
                WritePacks(writer, alarm.PackCount, alarm.Packs, ReadingJson.WriteAlarmPack);
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
            case IdentityReading identity:
                WriteIdentity(writer, identity);
                break;
            default:
                throw new InvalidOperationException($"no JSON for {decoded.GetType().Name}");
        }

        writer.WriteEndObject();
    }

    /// <summary>The identity fields a 0x20-family answer carries; absent ones are null.</summary>
    private static void WriteIdentity(Utf8JsonWriter writer, IdentityReading identity)
    {
        foreach (var (key, value) in new[]
        {
            ("device_name", identity.DeviceName), ("software_version", identity.SoftwareVersion), ("manufacturer", identity.Manufacturer),
            ("protocol_version", identity.ProtocolVersion), ("serial_number", identity.BmsSerial), ("text", identity.Text),
        })
        {
            if (value is null)
            {
                writer.WriteNull(key);
            }
            else
            {
                writer.WriteString(key, value);
            }
        }
    }

    private static void WriteText(TextWriter output, CommandKind kind, IBmsDialect dialect, RequestFrame frame, object decoded)
    {
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{kind.ToLabel()} answer ({dialect.Name}): version {frame.Version:X2}, address {frame.Address}, RTN {frame.Cid2:X2} ({ReturnCodes.Describe(frame.Cid2)})"));
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
                    ReadingText.WriteAlarmPack(output, pack, dialect);
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
            case IdentityReading identity:
                foreach (var (label, value) in new[]
                {
                    ("device name", identity.DeviceName), ("software version", identity.SoftwareVersion), ("manufacturer", identity.Manufacturer),
                    ("protocol version", identity.ProtocolVersion), ("serial number", identity.BmsSerial), ("text", identity.Text),
                })
                {
                    if (value is not null)
                    {
                        output.WriteLine($"{label}: {value}");
                    }
                }

                break;
            default:
                throw new InvalidOperationException($"no text for {decoded.GetType().Name}");
        }
    }

    private static void WritePacks<TPack>(Utf8JsonWriter writer, int packCount, IEnumerable<TPack> packs, Action<Utf8JsonWriter, TPack> writePack)
    {
        writer.WriteNumber("pack_count", packCount);
        writer.WriteStartArray("packs");
        foreach (var pack in packs)
        {
            writePack(writer, pack);
        }

        writer.WriteEndArray();
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
