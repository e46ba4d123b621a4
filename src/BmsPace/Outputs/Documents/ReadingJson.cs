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
        JsonParts.WriteNumber(writer, "voltage_volts", stack.VoltageVolts, omitMissing: false);
        JsonParts.WriteNumber(writer, "current_amperes", stack.CurrentAmperes, omitMissing: false);
        JsonParts.WriteNumber(writer, "power_watts", stack.PowerWatts, omitMissing: false);
        JsonParts.WriteNumber(writer, "state_of_charge_ratio", stack.StateOfChargeRatio, omitMissing: false);
        JsonParts.WriteNumber(writer, "state_of_health_ratio", stack.StateOfHealthRatio, omitMissing: false);
        JsonParts.WriteNumber(writer, "remaining_amp_hours", stack.RemainingAmpHours, omitMissing: false);
        JsonParts.WriteNumber(writer, "full_amp_hours", stack.FullAmpHours, omitMissing: false);
        JsonParts.WriteNumber(writer, "design_amp_hours", stack.DesignAmpHours, omitMissing: false);
        JsonParts.WriteNumber(writer, "cycle_count", stack.CycleCount, omitMissing: false);
        JsonParts.WriteNumber(writer, "pack_count", stack.PackCount, omitMissing: false);
        foreach (var value in stack.DialectValues)
        {
            JsonParts.WriteNumber(writer, value.Name, double.IsFinite(value.Value) ? value.Value : null, omitMissing: false);
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
        JsonParts.WriteQuantities(writer, new PackQuantities(pack.CurrentAmperes, pack.VoltageVolts, pack.RemainingAmpHours,
            pack.FullAmpHours, pack.DesignAmpHours, pack.CycleCount, pack.StateOfChargeRatio, pack.StateOfHealthRatio), omitMissing: false);
        JsonParts.WriteNumber(writer, "state_of_charge_calculated_ratio", pack.StateOfChargeCalculatedRatio, omitMissing: false);
        JsonParts.WriteNumber(writer, "state_of_health_calculated_ratio", pack.StateOfHealthCalculatedRatio, omitMissing: false);
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
            JsonParts.WriteNumber(writer, value.Name, double.IsFinite(value.Value) ? value.Value : null, omitMissing: false);
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
        JsonParts.WriteNumber(writer, "state_of_charge_ratio", tail.StateOfChargeRatio, omitMissing: false);
        JsonParts.WriteNumber(writer, "state_of_health_ratio", tail.StateOfHealthRatio, omitMissing: false);
        JsonParts.WriteText(writer, "cumulative_charge_hex", tail.CumulativeChargeHex, omitMissing: false);
        JsonParts.WriteText(writer, "cumulative_discharge_hex", tail.CumulativeDischargeHex, omitMissing: false);
        JsonParts.WriteNumber(writer, "independent_voltage_volts", tail.IndependentVoltageVolts, omitMissing: false);
        JsonParts.WriteNumber(writer, "independent_current_amperes", tail.IndependentCurrentAmperes, omitMissing: false);
        JsonParts.WriteNumber(writer, "summary_remaining_amp_hours", tail.SummaryRemainingAmpHours, omitMissing: false);
        JsonParts.WriteNumber(writer, "summary_full_amp_hours", tail.SummaryFullAmpHours, omitMissing: false);
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
}
