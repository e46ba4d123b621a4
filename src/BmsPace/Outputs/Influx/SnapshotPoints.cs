using BmsPace.Configuration;
using BmsPace.Polling;
using BmsPace.Protocol.Readings;

namespace BmsPace.Outputs.Influx;

/// <summary>
/// Turns one battery snapshot into the points of METRICS.md "InfluxDB line protocol": per fresh pack one
/// <c>pace_bms_pack</c>, one <c>pace_bms_cell</c> per cell, one <c>pace_bms_temperature</c> per sensor and one
/// <c>pace_bms_flags</c>, all stamped with the poll time; together they carry what /metrics has for the pack
/// (identity, energy counters, packs reported and decoded, warning codes, sensor roles); and where a bank master reports
/// the stack's totals, one <c>pace_bms_stack</c> per battery. Pure.
/// </summary>
/// <remarks>
/// Stale packs, packs not read in this cycle (still fresh within <c>stale_after_cycles</c>) and offline blocks (an
/// all-zero slave, PROTOCOL.md 8.4) carry no new measurement and give no point, so a silent pack shows as a gap rather
/// than as zeros or repeated values. Null ratios are left out; a pack whose alarm read failed in
/// this cycle gets no flags point and cells without the <c>balancing</c> field.
/// </remarks>
public static class SnapshotPoints
{
    public const string PackMeasurement = "pace_bms_pack";
    public const string CellMeasurement = "pace_bms_cell";
    public const string TemperatureMeasurement = "pace_bms_temperature";
    public const string FlagsMeasurement = "pace_bms_flags";
    public const string StackMeasurement = "pace_bms_stack";

    public static IEnumerable<InfluxPoint> From(BatterySnapshot snapshot, LabelFormatter labels)
    {
        // The stack's totals as its bank master reports them, only when read in this cycle (a kept one is no new reading).
        if (snapshot.Stack is { ReadThisCycle: true } stack && StackFields(stack.Values) is { Count: > 0 } stackFields)
        {
            var stackTags = snapshot.Protocol is { } stackProtocol
                ? Tags(("battery", snapshot.Battery), ("protocol", stackProtocol))
                : Tags(("battery", snapshot.Battery));
            yield return new InfluxPoint(StackMeasurement, stackTags, stackFields, snapshot.Timestamp);
        }

        foreach (var pack in snapshot.Packs)
        {
            // A pack that missed this cycle but is not stale yet still carries its previous reading (Prometheus keeps
            // serving it for the grace period); stored under this poll's time it would be a reading that never happened.
            if (!pack.Fresh || !pack.AnalogReadThisCycle || pack.Analog is not { Offline: false } analog)
            {
                continue;
            }

            // Likewise an alarm block kept from an earlier cycle: flags and balancing are left out rather than repeated.
            var readAlarm = pack.AlarmReadThisCycle ? pack.Alarm : null;
            string packLabel = labels.Pack(pack.Pack);
            var packTags = snapshot.Protocol is { } protocol
                ? Tags(("battery", snapshot.Battery), ("pack", packLabel), ("protocol", protocol))
                : Tags(("battery", snapshot.Battery), ("pack", packLabel));
            yield return new InfluxPoint(PackMeasurement, packTags, PackFields(snapshot, pack, analog), snapshot.Timestamp);

            for (int index = 0; index < analog.CellVoltagesVolts.Length; index++)
            {
                int cell = index + 1;
                var fields = new List<KeyValuePair<string, InfluxFieldValue>>(2)
                {
                    new("voltage_volts", InfluxFieldValue.Float(analog.CellVoltagesVolts[index])),
                };
                if (readAlarm is { } cellAlarm)
                {
                    fields.Add(new("balancing", InfluxFieldValue.Boolean(cellAlarm.IsCellBalancing(cell))));
                    if (index < cellAlarm.CellWarnings.Length)
                    {
                        AddWarnings(fields, cellAlarm.CellWarnings[index]);
                    }
                }

                yield return new InfluxPoint(
                    CellMeasurement,
                    Tags(("battery", snapshot.Battery), ("pack", packLabel), ("cell", labels.Cell(cell))),
                    fields,
                    snapshot.Timestamp);
            }

            for (int index = 0; index < analog.TemperaturesCelsius.Length; index++)
            {
                if (double.IsNaN(analog.TemperaturesCelsius[index]))
                {
                    continue;
                }

                var fields = new List<KeyValuePair<string, InfluxFieldValue>>(4)
                {
                    new("celsius", InfluxFieldValue.Float(analog.TemperaturesCelsius[index])),
                };
                if (readAlarm is { } sensorAlarm && index < sensorAlarm.TemperatureWarnings.Length)
                {
                    AddWarnings(fields, sensorAlarm.TemperatureWarnings[index]);
                }

                yield return new InfluxPoint(
                    TemperatureMeasurement,
                    Tags(("battery", snapshot.Battery), ("pack", packLabel), ("sensor", LabelFormatter.Sensor(index + 1)), ("role", analog.RoleOfSensor(index).ToLabel())),
                    fields,
                    snapshot.Timestamp);
            }

            if (readAlarm is { } alarm)
            {
                yield return new InfluxPoint(FlagsMeasurement, packTags, FlagFields(alarm), snapshot.Timestamp);
            }
        }
    }

    /// <summary>The field name of one flag: <c>&lt;family&gt;_&lt;flag&gt;</c>, e.g. <c>status_charge_fet</c>.</summary>
    public static string FlagFieldName(FlagDefinition flag) => $"{flag.Family.ToLabel()}_{flag.Name}";

    private static List<KeyValuePair<string, InfluxFieldValue>> PackFields(BatterySnapshot snapshot, PackState pack, AnalogPack analog)
    {
        var identity = pack.Identity;
        var fields = new List<KeyValuePair<string, InfluxFieldValue>>(22)
        {
            new("voltage_volts", InfluxFieldValue.Float(analog.VoltageVolts)),
            new("current_amperes", InfluxFieldValue.Float(analog.CurrentAmperes)),
            new("power_watts", InfluxFieldValue.Float(analog.PowerWatts)),
        };
        if (analog.StateOfChargeRatio is { } soc)
        {
            fields.Add(new("soc_ratio", InfluxFieldValue.Float(soc)));
        }

        if (analog.StateOfHealthRatio is { } soh)
        {
            fields.Add(new("soh_ratio", InfluxFieldValue.Float(soh)));
        }

        fields.Add(new("remaining_amp_hours", InfluxFieldValue.Float(analog.RemainingAmpHours)));
        fields.Add(new("full_amp_hours", InfluxFieldValue.Float(analog.FullAmpHours)));
        if (analog.DesignAmpHours is { } design)
        {
            fields.Add(new("design_amp_hours", InfluxFieldValue.Float(design)));
        }
        fields.Add(new("cycle_count", InfluxFieldValue.Integer(analog.CycleCount)));
        if (analog.CellCount > 0)
        {
            fields.Add(new("cell_min_volts", InfluxFieldValue.Float(analog.CellMinVolts)));
            fields.Add(new("cell_max_volts", InfluxFieldValue.Float(analog.CellMaxVolts)));
            fields.Add(new("cell_delta_volts", InfluxFieldValue.Float(analog.CellDeltaVolts)));
        }

        fields.Add(new("charged_watt_hours", InfluxFieldValue.Float(pack.ChargedWattHours)));
        fields.Add(new("discharged_watt_hours", InfluxFieldValue.Float(pack.DischargedWattHours)));
        // Battery-wide values, repeated on each pack's point: a mismatch of the two is the classic multi-pack failure.
        fields.Add(new("packs_reported", InfluxFieldValue.Integer(snapshot.PacksReported)));
        fields.Add(new("packs_decoded", InfluxFieldValue.Integer(snapshot.PacksDecoded)));
        fields.Add(new("software_version", InfluxFieldValue.String(identity.SoftwareVersion ?? "")));
        fields.Add(new("serial_number", InfluxFieldValue.String(identity.BmsSerial ?? "")));
        fields.Add(new("pack_serial_number", InfluxFieldValue.String(identity.PackSerial ?? "")));
        fields.Add(new("protocol_version", InfluxFieldValue.String(snapshot.ProtocolVersion)));
        return fields;
    }

    /// <summary>The stack's fields under the pack point's names, only those the bank master sends.</summary>
    private static List<KeyValuePair<string, InfluxFieldValue>> StackFields(StackReading stack)
    {
        var fields = new List<KeyValuePair<string, InfluxFieldValue>>(10);
        void Float(string name, double? value)
        {
            if (value is { } number)
            {
                fields.Add(new(name, InfluxFieldValue.Float(number)));
            }
        }

        Float("voltage_volts", stack.VoltageVolts);
        Float("current_amperes", stack.CurrentAmperes);
        Float("power_watts", stack.PowerWatts);
        Float("soc_ratio", stack.StateOfChargeRatio);
        Float("soh_ratio", stack.StateOfHealthRatio);
        Float("remaining_amp_hours", stack.RemainingAmpHours);
        Float("full_amp_hours", stack.FullAmpHours);
        Float("design_amp_hours", stack.DesignAmpHours);
        if (stack.CycleCount is { } cycles)
        {
            fields.Add(new("cycle_count", InfluxFieldValue.Integer(cycles)));
        }

        if (stack.PackCount is { } packCount)
        {
            fields.Add(new("pack_count", InfluxFieldValue.Integer(packCount)));
        }

        return fields;
    }

    /// <summary>The per-cell or per-sensor warning code as the three booleans of METRICS.md: <c>warning_low</c>, <c>warning_high</c>, <c>warning_other</c>.</summary>
    private static void AddWarnings(List<KeyValuePair<string, InfluxFieldValue>> fields, byte code)
    {
        foreach (string flag in WarningCodes.FlagNames)
        {
            fields.Add(new("warning_" + flag, InfluxFieldValue.Boolean(WarningCodes.IsSet(code, flag))));
        }
    }

    private static List<KeyValuePair<string, InfluxFieldValue>> FlagFields(AlarmPack alarm)
    {
        // The pack's own dialect table; control_state only where the dialect has that byte.
        List<KeyValuePair<string, InfluxFieldValue>> fields =
            [.. alarm.FlagDefinitions.Select(flag => new KeyValuePair<string, InfluxFieldValue>(FlagFieldName(flag), InfluxFieldValue.Boolean(alarm.IsSet(flag))))];
        if (alarm.StatusValue("control_state") is { } controlState)
        {
            fields.Add(new("control_state", InfluxFieldValue.Integer(controlState)));
        }

        return fields;
    }

    private static KeyValuePair<string, string>[] Tags(params (string Key, string Value)[] tags) =>
        [.. tags.Select(t => new KeyValuePair<string, string>(t.Key, t.Value))];
}
