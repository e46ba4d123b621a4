using System.Text.Json;
using BmsPace.Protocol.Framing;
using BmsPace.Protocol.Readings;

namespace BmsPace.Outputs.Documents;

/// <summary>
/// The pieces CLI.md's JSON shares between the ASCII families' packs (<see cref="ReadingJson"/>) and Modbus replies
/// (<see cref="ModbusJson"/>), so that an array, a flag object or an error reads the same whichever wire it came from.
/// </summary>
internal static class JsonParts
{
    /// <summary>The flag families in the order CLI.md's <c>"flags"</c> object lists them.</summary>
    private static readonly FlagFamily[] FlagFamilies = [FlagFamily.Protection, FlagFamily.Warning, FlagFamily.Fault, FlagFamily.Status];

    /// <summary><c>{"error": REASON, "detail": ...}</c>, with <c>rtn</c> and its meaning when the failure carries a code.</summary>
    public static void WriteError(Utf8JsonWriter writer, PaceProtocolException failure, byte? returnCode, Func<byte, string> meaning)
    {
        writer.WriteStartObject();
        writer.WriteString("error", failure.Error.ToReason());
        writer.WriteString("detail", failure.Detail);
        if (returnCode is { } code)
        {
            writer.WriteNumber("rtn", code);
            writer.WriteString("rtn_meaning", meaning(code));
        }

        writer.WriteEndObject();
    }

    /// <summary>A number array; an absent sensor (NaN) has no JSON number, so it is <c>null</c>.</summary>
    public static void WriteNumbers(Utf8JsonWriter writer, string name, IEnumerable<double> values)
    {
        writer.WriteStartArray(name);
        foreach (double value in values)
        {
            if (double.IsFinite(value))
            {
                writer.WriteNumberValue(value);
            }
            else
            {
                writer.WriteNullValue();
            }
        }

        writer.WriteEndArray();
    }

    public static void WriteBytes(Utf8JsonWriter writer, string name, IEnumerable<byte> values)
    {
        writer.WriteStartArray(name);
        foreach (byte value in values)
        {
            writer.WriteNumberValue(value);
        }

        writer.WriteEndArray();
    }

    /// <summary>The dialect's raw status words under its own names, then the cells being balanced.</summary>
    public static void WriteStatusAndBalancing(Utf8JsonWriter writer, IEnumerable<StatusField> status, IEnumerable<int>? balancingCells)
    {
        foreach (var field in status)
        {
            writer.WriteNumber(field.Name, field.Value);
        }

        if (balancingCells is null)
        {
            return;
        }

        writer.WriteStartArray("balancing_cells");
        foreach (int cell in balancingCells)
        {
            writer.WriteNumberValue(cell);
        }

        writer.WriteEndArray();
    }

    /// <summary><c>"flags": {"protection": [...], "warning": [...], "fault": [...], "status": [...]}</c>.</summary>
    public static void WriteFlags(Utf8JsonWriter writer, Func<FlagFamily, IEnumerable<string>> activeIn)
    {
        writer.WriteStartObject("flags");
        foreach (var family in FlagFamilies)
        {
            writer.WriteStartArray(family.ToLabel());
            foreach (string name in activeIn(family))
            {
                writer.WriteStringValue(name);
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
    }
}
