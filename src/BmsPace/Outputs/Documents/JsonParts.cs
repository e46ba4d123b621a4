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

    /// <summary>
    /// The quantities both wires report, under CLI.md's names and in its order. An ASCII pack always carries every key,
    /// so one the frame lacks (a ratio that cannot be computed) is <c>null</c>; a Modbus reply prints exactly the
    /// registers it held, so one it did not hold is left out (<paramref name="omitMissing"/>).
    /// </summary>
    public static void WriteQuantities(Utf8JsonWriter writer, PackQuantities quantities, bool omitMissing)
    {
        WriteNumber(writer, "current_amperes", quantities.CurrentAmperes, omitMissing);
        WriteNumber(writer, "voltage_volts", quantities.VoltageVolts, omitMissing);
        WriteNumber(writer, "remaining_amp_hours", quantities.RemainingAmpHours, omitMissing);
        WriteNumber(writer, "full_amp_hours", quantities.FullAmpHours, omitMissing);
        WriteNumber(writer, "design_amp_hours", quantities.DesignAmpHours, omitMissing);
        WriteNumber(writer, "cycle_count", quantities.CycleCount, omitMissing);
        WriteNumber(writer, "state_of_charge_ratio", quantities.StateOfChargeRatio, omitMissing);
        WriteNumber(writer, "state_of_health_ratio", quantities.StateOfHealthRatio, omitMissing);
    }

    /// <summary>A number, or for a missing one <c>null</c> or nothing.</summary>
    public static void WriteNumber(Utf8JsonWriter writer, string name, double? value, bool omitMissing)
    {
        if (value is { } number)
        {
            writer.WriteNumber(name, number);
        }
        else if (!omitMissing)
        {
            writer.WriteNull(name);
        }
    }

    /// <summary>A string, or for a missing one <c>null</c> or nothing.</summary>
    public static void WriteText(Utf8JsonWriter writer, string name, string? value, bool omitMissing)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
        else if (!omitMissing)
        {
            writer.WriteNull(name);
        }
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

/// <summary>The quantities of <see cref="JsonParts.WriteQuantities"/>; null where the reading holds none.</summary>
internal readonly record struct PackQuantities(
    double? CurrentAmperes,
    double? VoltageVolts,
    double? RemainingAmpHours,
    double? FullAmpHours,
    double? DesignAmpHours,
    double? CycleCount,
    double? StateOfChargeRatio,
    double? StateOfHealthRatio);
