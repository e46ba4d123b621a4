using System.Globalization;
using System.Text;
using System.Text.Json;
using BmsPace.Outputs.Documents;
using BmsPace.Protocol.Framing;
using BmsPace.Protocol.Modbus;

namespace BmsPace.Commands;

/// <summary>
/// <c>decode RESPONSE_HEX --request REQUEST_HEX [--protocol NAME] [--json]</c> for the Modbus RTU families (CLI.md):
/// the request's slave, function and start register say which registers the reply holds.
/// </summary>
internal static class ModbusDecode
{
    /// <summary>Whether the arguments are a Modbus reply: a Modbus family named, or a request that is a Modbus read.</summary>
    public static bool Applies(string frame, string? request, string? protocol)
    {
        if (ModbusDialects.TryFind(protocol, out _))
        {
            return true;
        }

        return request is not null && !frame.TrimStart().StartsWith('~') && TryHex(request, out var bytes) && IsRead(bytes);
    }

    public static int Run(string frameText, string? requestText, string? protocol, bool json, TextWriter output, TextWriter error)
    {
        ModbusDialects.TryFind(protocol, out var named);
        if (requestText is null || !TryHex(requestText, out var requestBytes))
        {
            error.WriteLine("a Modbus reply needs --request with the request's bytes in hex: its slave, function and start register say what the reply holds");
            return BmsPaceCli.ExitUsage;
        }

        if (!TryHex(frameText, out var frame))
        {
            error.WriteLine("the reply is not hex bytes (spaces or colons between bytes are allowed)");
            return BmsPaceCli.ExitUsage;
        }

        ModbusRead request;
        try
        {
            request = ModbusRead.Parse(requestBytes);
        }
        catch (PaceProtocolException failure)
        {
            error.WriteLine($"the --request bytes are not a Modbus read request ({failure.Message})");
            return BmsPaceCli.ExitUsage;
        }

        try
        {
            var reply = ModbusFraming.Validate(frame, request);
            var dialect = named ?? ModbusDialects.Detect(reply);
            var reading = dialect.Read([reply]);
            if (dialect.WhyNotOurs(reading.Pack) is { } why)
            {
                throw new PaceProtocolException(FrameError.Decode, $"not the {dialect.Name} register map: {why}");
            }

            if (!reading.Pack.HasAnalog && !reading.Pack.HasStatus && !reading.Pack.HasIdentity && reading.Stack is null)
            {
                throw new PaceProtocolException(FrameError.Decode, $"{request} holds none of the {dialect.Name} registers BmsPace reads");
            }

            string document = JsonOutput.Text(writer => ModbusJson.WriteReading(writer, dialect, reply, reading));
            output.WriteLine(json ? document : Text(document));
            return BmsPaceCli.ExitOk;
        }
        catch (PaceProtocolException failure)
        {
            return DecodeCommand.Refuse(failure, ModbusJson.WriteError, json, output, error);
        }
    }

    private static bool IsRead(byte[] bytes)
    {
        try
        {
            ModbusRead.Parse(bytes);
            return true;
        }
        catch (PaceProtocolException)
        {
            return false;
        }
    }

    /// <summary>Hex bytes, with spaces, colons or a 0x prefix allowed between them.</summary>
    private static bool TryHex(string text, out byte[] bytes)
    {
        string clean = text.Replace("0x", "", StringComparison.OrdinalIgnoreCase);
        clean = new string([.. clean.Where(c => !char.IsWhiteSpace(c) && c is not (':' or '-'))]);
        bytes = [];
        if (clean.Length == 0 || clean.Length % 2 != 0 || !clean.All(Uri.IsHexDigit))
        {
            return false;
        }

        bytes = Convert.FromHexString(clean);
        return true;
    }

    /// <summary>The readable form: one "key: value" line per field of the JSON document.</summary>
    private static string Text(string document)
    {
        using var parsed = JsonDocument.Parse(document);
        var text = new StringBuilder();
        void Write(JsonElement element, string indent)
        {
            foreach (var property in element.EnumerateObject())
            {
                if (property.Value.ValueKind == JsonValueKind.Object)
                {
                    text.Append(CultureInfo.InvariantCulture, $"{indent}{property.Name}:").AppendLine();
                    Write(property.Value, indent + "  ");
                }
                else if (property.Value.ValueKind == JsonValueKind.Array && property.Value.EnumerateArray().Any(e => e.ValueKind == JsonValueKind.Object))
                {
                    foreach (var item in property.Value.EnumerateArray())
                    {
                        text.Append(CultureInfo.InvariantCulture, $"{indent}{property.Name}:").AppendLine();
                        Write(item, indent + "  ");
                    }
                }
                else
                {
                    text.Append(CultureInfo.InvariantCulture, $"{indent}{property.Name}: {property.Value.GetRawText()}").AppendLine();
                }
            }
        }

        Write(parsed.RootElement, "");
        return text.ToString().TrimEnd();
    }
}
