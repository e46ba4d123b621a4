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
        JsonParts.WriteError(writer, failure, failure.Error == FrameError.Rtn ? failure.ReturnCode : null, ModbusFraming.ExceptionMeaning);
    }

    private static void WriteValues(Utf8JsonWriter writer, ModbusValues values, ModbusDialect dialect, bool withFlags)
    {
        if (values.CellVoltagesVolts is { } cells)
        {
            writer.WriteNumber("cell_count", cells.Length);
            JsonParts.WriteNumbers(writer, "cell_voltages_volts", cells);
        }

        if (values.TemperaturesCelsius is { } temperatures)
        {
            writer.WriteNumber("temperature_count", temperatures.Length);
            JsonParts.WriteNumbers(writer, "temperatures_celsius", temperatures);
            writer.WriteStartArray("temperature_roles");
            foreach (var role in values.TemperatureRoles)
            {
                writer.WriteStringValue(role.ToLabel());
            }

            writer.WriteEndArray();
        }

        JsonParts.WriteQuantities(writer, new PackQuantities(values.CurrentAmperes, values.VoltageVolts, values.RemainingAmpHours,
            values.FullAmpHours, values.DesignAmpHours, values.CycleCount, values.StateOfChargeRatio, values.StateOfHealthRatio), omitMissing: true);
        JsonParts.WriteNumber(writer, "pack_count", values.PackCount, omitMissing: true);
        foreach (var value in values.DialectValues)
        {
            writer.WriteNumber(value.Name, value.Value);
        }

        JsonParts.WriteText(writer, "software_version", values.SoftwareVersion, omitMissing: true);
        JsonParts.WriteText(writer, "bms_serial", values.BmsSerial, omitMissing: true);
        JsonParts.WriteText(writer, "pack_serial", values.PackSerial, omitMissing: true);
        JsonParts.WriteText(writer, "device_name", values.DeviceName, omitMissing: true);
        JsonParts.WriteText(writer, "manufacturer", values.Manufacturer, omitMissing: true);
        if (values.CellWarnings is { } cellWarnings)
        {
            JsonParts.WriteBytes(writer, "cell_warnings", cellWarnings);
        }

        if (values.TemperatureWarnings is { } temperatureWarnings)
        {
            JsonParts.WriteBytes(writer, "temperature_warnings", temperatureWarnings);
        }

        JsonParts.WriteStatusAndBalancing(writer, values.Status, values.BalancingCells);
        if (withFlags && values.HasStatus)
        {
            JsonParts.WriteFlags(writer, family => dialect.Flags
                .Where(flag => flag.Family == family && values.Status.FirstOrDefault(s => s.Name == flag.Field) is { Name: not null } field && ((field.Value >> flag.Bit) & 1) != 0)
                .Select(flag => flag.Name));
        }
    }
}
