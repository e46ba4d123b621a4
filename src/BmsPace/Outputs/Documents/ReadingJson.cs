using System.Text.Encodings.Web;
using System.Text.Json;
using BmsPace.Protocol.Framing;
using BmsPace.Protocol.Readings;

namespace BmsPace.Outputs.Documents;

/// <summary>
/// The pack objects of CLI.md's JSON (<c>decode --json</c>, <c>once --json</c>). Numbers are SI values at the wire's
/// resolution (the decoders divide raw integers, so 3271 mV is written 3.271); ratios carry at most six decimals
/// (<see cref="Resolution"/>); a ratio that cannot be computed is <c>null</c>; placeholder fields are raw hex strings.
/// </summary>
public static class ReadingJson
{
    /// <summary>Compact output; serials and versions are written as they are (this is not HTML).</summary>
    public static JsonWriterOptions WriterOptions { get; } = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>One analog pack object: <c>{"pack": 1, "offline": false, "cell_count": 16, ...}</c>.</summary>
    public static void WriteAnalogPack(Utf8JsonWriter writer, AnalogPack pack)
    {
        writer.WriteStartObject();
        WriteAnalogFields(writer, pack);
        writer.WriteEndObject();
    }

    /// <summary>One alarm pack object: <c>{"pack": 1, "cell_warnings": [...], ..., "flags": {...}}</c>.</summary>
    public static void WriteAlarmPack(Utf8JsonWriter writer, AlarmPack pack)
    {
        writer.WriteStartObject();
        writer.WriteNumber("pack", pack.Pack);
        WriteAlarmFields(writer, pack, "tail_hex");
        writer.WriteEndObject();
    }

    /// <summary>
    /// The members of one pack of <c>once --json</c> inside an object the caller opened (so an output can add keys of its
    /// own: MQTT adds the timestamp): the analog fields, then the alarm fields. Both carry extra tail bytes, so the
    /// alarm's are <c>alarm_tail_hex</c> here. Either side may be missing when only one of the two reads succeeded.
    /// </summary>
    public static void WriteMergedPackFields(Utf8JsonWriter writer, AnalogPack? analog, AlarmPack? alarm)
    {
        if (analog is null && alarm is null)
        {
            throw new ArgumentException("a merged pack needs an analog or an alarm reading");
        }

        if (analog is not null)
        {
            WriteAnalogFields(writer, analog);
        }
        else
        {
            writer.WriteNumber("pack", alarm!.Pack);
        }

        if (alarm is not null)
        {
            WriteAlarmFields(writer, alarm, "alarm_tail_hex");
        }
    }

    /// <summary>
    /// <c>"stack"</c>: a bank master's totals under the pack object's names (<c>null</c> where the master sends no such
    /// value), its own values and raw status words; <c>"stack": null</c> where the battery has no bank master.
    /// </summary>
    public static void WriteStack(Utf8JsonWriter writer, StackReading? stack)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (stack is null)
        {
            writer.WriteNull("stack");
            return;
        }

        writer.WriteStartObject("stack");
        WriteOptional(writer, "voltage_volts", stack.VoltageVolts);
        WriteOptional(writer, "current_amperes", stack.CurrentAmperes);
        WriteOptional(writer, "power_watts", stack.PowerWatts);
        WriteOptional(writer, "state_of_charge_ratio", stack.StateOfChargeRatio);
        WriteOptional(writer, "state_of_health_ratio", stack.StateOfHealthRatio);
        WriteOptional(writer, "remaining_amp_hours", stack.RemainingAmpHours);
        WriteOptional(writer, "full_amp_hours", stack.FullAmpHours);
        WriteOptional(writer, "design_amp_hours", stack.DesignAmpHours);
        WriteOptional(writer, "cycle_count", stack.CycleCount);
        WriteOptional(writer, "pack_count", stack.PackCount);
        foreach (var value in stack.DialectValues)
        {
            WriteOptional(writer, value.Name, double.IsFinite(value.Value) ? value.Value : null);
        }

        JsonParts.WriteStatusAndBalancing(writer, stack.Status, null);
        writer.WriteEndObject();
    }

    /// <summary><c>{"error": REASON, "detail": ...}</c>, with <c>rtn</c> and <c>rtn_meaning</c> for an RTN failure.</summary>
    public static void WriteError(Utf8JsonWriter writer, PaceProtocolException failure) =>
        JsonParts.WriteError(writer, failure, failure.ReturnCode, ReturnCodes.Describe);

    private static void WriteAnalogFields(Utf8JsonWriter writer, AnalogPack pack)
    {
        writer.WriteNumber("pack", pack.Pack);
        writer.WriteBoolean("offline", pack.Offline);
        writer.WriteNumber("cell_count", pack.CellCount);
        JsonParts.WriteNumbers(writer, "cell_voltages_volts", pack.CellVoltagesVolts);
        writer.WriteNumber("temperature_count", pack.TemperatureCount);
        JsonParts.WriteNumbers(writer, "temperatures_celsius", pack.TemperaturesCelsius);
        writer.WriteNumber("current_amperes", pack.CurrentAmperes);
        writer.WriteNumber("voltage_volts", pack.VoltageVolts);
        writer.WriteNumber("remaining_amp_hours", pack.RemainingAmpHours);
        writer.WriteNumber("full_amp_hours", pack.FullAmpHours);
        WriteOptional(writer, "design_amp_hours", pack.DesignAmpHours);
        writer.WriteNumber("cycle_count", pack.CycleCount);
        WriteOptional(writer, "state_of_charge_ratio", pack.StateOfChargeRatio);
        WriteOptional(writer, "state_of_health_ratio", pack.StateOfHealthRatio);
        WriteOptional(writer, "state_of_charge_calculated_ratio", pack.StateOfChargeCalculatedRatio);
        WriteOptional(writer, "state_of_health_calculated_ratio", pack.StateOfHealthCalculatedRatio);
        writer.WriteNumber("user_defined_p", pack.UserDefinedP);
        writer.WriteString("tail_hex", pack.TailHex);
        if (pack.CellCount > 0)
        {
            writer.WriteNumber("cell_voltage_min_volts", pack.CellMinVolts);
            writer.WriteNumber("cell_voltage_max_volts", pack.CellMaxVolts);
            writer.WriteNumber("cell_voltage_delta_volts", pack.CellDeltaVolts);
        }

        WriteTail(writer, pack.Tail);
        foreach (var value in pack.DialectValues)
        {
            WriteOptional(writer, value.Name, double.IsFinite(value.Value) ? value.Value : null);
        }

        // Values the plausibility pass removed (METRICS.md pace_bms_implausible_values_total), only when there are any.
        if (!pack.Implausible.IsEmpty)
        {
            writer.WriteStartArray("implausible");
            foreach (var dropped in pack.Implausible)
            {
                writer.WriteStartObject();
                writer.WriteString("field", dropped.Field);
                writer.WriteString("detail", dropped.Detail);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }
    }

    private static void WriteTail(Utf8JsonWriter writer, AnalogTail? tail)
    {
        if (tail is null)
        {
            writer.WriteNull("tail");
            return;
        }

        writer.WriteStartObject("tail");
        writer.WriteNumber("length_bytes", tail.LengthBytes);
        WriteOptional(writer, "state_of_charge_ratio", tail.StateOfChargeRatio);
        WriteOptional(writer, "state_of_health_ratio", tail.StateOfHealthRatio);
        WriteOptionalText(writer, "cumulative_charge_hex", tail.CumulativeChargeHex);
        WriteOptionalText(writer, "cumulative_discharge_hex", tail.CumulativeDischargeHex);
        WriteOptional(writer, "independent_voltage_volts", tail.IndependentVoltageVolts);
        WriteOptional(writer, "independent_current_amperes", tail.IndependentCurrentAmperes);
        WriteOptional(writer, "summary_remaining_amp_hours", tail.SummaryRemainingAmpHours);
        WriteOptional(writer, "summary_full_amp_hours", tail.SummaryFullAmpHours);
        writer.WriteEndObject();
    }

    private static void WriteAlarmFields(Utf8JsonWriter writer, AlarmPack pack, string tailKey)
    {
        JsonParts.WriteBytes(writer, "cell_warnings", pack.CellWarnings);
        JsonParts.WriteBytes(writer, "temperature_warnings", pack.TemperatureWarnings);

        // The dialect's raw status bytes under its own names (for PACE: the warnings, protect, instruction, control,
        // fault, balance and warn bytes, in wire order).
        JsonParts.WriteStatusAndBalancing(writer, pack.Status, pack.BalancingCells);
        writer.WriteString(tailKey, pack.TailHex);
        JsonParts.WriteFlags(writer, family => pack.ActiveFlags(family));
    }

    private static void WriteOptionalText(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is null)
        {
            writer.WriteNull(name);
        }
        else
        {
            writer.WriteString(name, value);
        }
    }

    private static void WriteOptional(Utf8JsonWriter writer, string name, double? value)
    {
        if (value is { } number)
        {
            writer.WriteNumber(name, number);
        }
        else
        {
            writer.WriteNull(name);
        }
    }
}
