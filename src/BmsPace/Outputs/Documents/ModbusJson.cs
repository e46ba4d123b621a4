using System.Text.Json;
using BmsPace.Protocol.Framing;
using BmsPace.Protocol.Modbus;
using BmsPace.Protocol.Readings;

namespace BmsPace.Outputs.Documents;

/// <summary>
/// <c>decode --json</c> for a Modbus reply (CLI.md "Modbus RTU families"): the pack object keys for exactly the
/// registers the reply holds, in <c>"packs"</c>, and the stack's values (an EG4 master's bank registers, Seplos V3's
/// bank blocks) in <c>"stack"</c> under the same names.
/// </summary>
public static class ModbusJson
{
    public static void WriteReading(Utf8JsonWriter writer, ModbusDialect dialect, ModbusReply reply, ModbusReading reading)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(dialect);
        ArgumentNullException.ThrowIfNull(reply);
        ArgumentNullException.ThrowIfNull(reading);
        writer.WriteStartObject();
        writer.WriteString("protocol", dialect.Name);
        writer.WriteNumber("address", reply.Slave);
        writer.WriteNumber("function", (byte)reply.Function);
        writer.WriteNumber("start_register", reply.Request.Start);
        writer.WriteNumber("count", reply.Request.Count);
        writer.WriteStartArray("packs");
        if (reading.Pack.HasAnalog || reading.Pack.HasStatus || reading.Pack.HasIdentity)
        {
            writer.WriteStartObject();
            writer.WriteNumber("pack", Math.Max(1, (int)reply.Slave));
            WriteValues(writer, reading.Pack, dialect, withFlags: true);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        if (reading.Stack is { } stack)
        {
            writer.WriteStartObject("stack");
            // The stack's status words are raw only: an EG4 master's bits are not its packs' bits.
            WriteValues(writer, stack, dialect, withFlags: false);
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    /// <summary><c>{"error": REASON, "detail": ...}</c>; an exception reply adds <c>"rtn"</c> (its code) and its Modbus meaning.</summary>
    public static void WriteError(Utf8JsonWriter writer, PaceProtocolException failure)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(failure);
        writer.WriteStartObject();
        writer.WriteString("error", failure.Error.ToReason());
        writer.WriteString("detail", failure.Detail);
        if (failure.Error == FrameError.Rtn && failure.ReturnCode is { } code)
        {
            writer.WriteNumber("rtn", code);
            writer.WriteString("rtn_meaning", ModbusFraming.ExceptionMeaning(code));
        }

        writer.WriteEndObject();
    }

    private static void WriteValues(Utf8JsonWriter writer, ModbusValues values, ModbusDialect dialect, bool withFlags)
    {
        if (values.CellVoltagesVolts is { } cells)
        {
            writer.WriteNumber("cell_count", cells.Length);
            Numbers(writer, "cell_voltages_volts", cells);
        }

        if (values.TemperaturesCelsius is { } temperatures)
        {
            writer.WriteNumber("temperature_count", temperatures.Length);
            Numbers(writer, "temperatures_celsius", temperatures);
            writer.WriteStartArray("temperature_roles");
            foreach (var role in values.TemperatureRoles)
            {
                writer.WriteStringValue(role.ToLabel());
            }

            writer.WriteEndArray();
        }

        Optional(writer, "current_amperes", values.CurrentAmperes);
        Optional(writer, "voltage_volts", values.VoltageVolts);
        Optional(writer, "remaining_amp_hours", values.RemainingAmpHours);
        Optional(writer, "full_amp_hours", values.FullAmpHours);
        Optional(writer, "design_amp_hours", values.DesignAmpHours);
        Optional(writer, "cycle_count", values.CycleCount);
        Optional(writer, "state_of_charge_ratio", values.StateOfChargeRatio);
        Optional(writer, "state_of_health_ratio", values.StateOfHealthRatio);
        Optional(writer, "pack_count", values.PackCount);
        foreach (var value in values.DialectValues)
        {
            writer.WriteNumber(value.Name, value.Value);
        }

        Text(writer, "software_version", values.SoftwareVersion);
        Text(writer, "bms_serial", values.BmsSerial);
        Text(writer, "pack_serial", values.PackSerial);
        Text(writer, "device_name", values.DeviceName);
        Text(writer, "manufacturer", values.Manufacturer);
        if (values.CellWarnings is { } cellWarnings)
        {
            Bytes(writer, "cell_warnings", cellWarnings);
        }

        if (values.TemperatureWarnings is { } temperatureWarnings)
        {
            Bytes(writer, "temperature_warnings", temperatureWarnings);
        }

        foreach (var status in values.Status)
        {
            writer.WriteNumber(status.Name, status.Value);
        }

        if (values.BalancingCells is { } balancing)
        {
            writer.WriteStartArray("balancing_cells");
            foreach (int cell in balancing)
            {
                writer.WriteNumberValue(cell);
            }

            writer.WriteEndArray();
        }

        if (withFlags && values.HasStatus)
        {
            writer.WriteStartObject("flags");
            foreach (var family in new[] { FlagFamily.Protection, FlagFamily.Warning, FlagFamily.Fault, FlagFamily.Status })
            {
                writer.WriteStartArray(family.ToLabel());
                foreach (var flag in dialect.Flags.Where(f => f.Family == family))
                {
                    if (values.Status.FirstOrDefault(s => s.Name == flag.Field) is { Name: not null } field && ((field.Value >> flag.Bit) & 1) != 0)
                    {
                        writer.WriteStringValue(flag.Name);
                    }
                }

                writer.WriteEndArray();
            }

            writer.WriteEndObject();
        }
    }

    private static void Numbers(Utf8JsonWriter writer, string name, IEnumerable<double> values)
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

    private static void Bytes(Utf8JsonWriter writer, string name, IEnumerable<byte> values)
    {
        writer.WriteStartArray(name);
        foreach (byte value in values)
        {
            writer.WriteNumberValue(value);
        }

        writer.WriteEndArray();
    }

    private static void Optional(Utf8JsonWriter writer, string name, double? value)
    {
        if (value is { } number)
        {
            writer.WriteNumber(name, number);
        }
    }

    private static void Text(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }
}
