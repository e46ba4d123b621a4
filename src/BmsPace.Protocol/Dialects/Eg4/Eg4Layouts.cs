using static BmsPace.Protocol.Readings.FlagBits;

namespace BmsPace.Protocol.Dialects.Eg4;

/// <summary>The EG4 0x42/0x44 layouts and bit tables (EG4 LifePower4 protocol document 2.2; PROTOCOL.md 13.1).</summary>
internal sealed partial class Eg4Dialect
{
    /// <summary>Bytes of an analog answer after the temperatures: current to charge/discharge counts.</summary>
    private const int AnalogBytesAfterTemperatures = 53;

    /// <summary>Bytes of an alarm answer after the temperature alarms: current alarm to the reserved byte.</summary>
    private const int AlarmBytesAfterTemperatures = 16;

    /// <summary>The sensors EG4 sends beyond the count it announces: environment, then MOSFET.</summary>
    private const int UnannouncedSensors = 2;

    /// <summary>
    /// DATA_FLAG, PACK GROUP, cells, N (says 4, sends 6), temperatures (0.1 K), current (10 mA), voltage (10 mV),
    /// remaining and full (10 mAh), cycles, P (15), SOC and SOH (%), max/min/delta cell (mV), max/min cell temperature,
    /// cumulative charge/discharge (10 mAh), energy (Wh), time (h), counts. No design capacity.
    /// </summary>
    internal override AnalogReading DecodeAnalogLayout(ResponseFrame frame, byte packByte, DecoderOptions options)
    {
        var reader = AfterDataFlagAndGroup(frame);
        var opening = PackBlockOpening.ReadAnalog(ref reader, options, (ref InfoReader r) => SensorsSent(ref r, AnalogBytesAfterTemperatures, 2));
        double remainingAh = reader.U16("remaining capacity") / 100.0;
        double fullAh = reader.U16("full capacity") / 100.0;
        int cycles = reader.U16("cycle count");
        int userDefinedP = reader.U8("user-defined count");
        double stateOfCharge = reader.U16("SOC") / 100.0;
        double stateOfHealth = reader.U16("SOH") / 100.0;
        var values = ImmutableArray.CreateBuilder<DialectValue>();
        values.Add(new("cell_voltage_max_reported_volts", reader.U16("max cell voltage") / 1000.0));
        values.Add(new("cell_voltage_min_reported_volts", reader.U16("min cell voltage") / 1000.0));
        values.Add(new("cell_voltage_delta_reported_volts", reader.U16("max cell difference") / 1000.0));
        values.Add(new("cell_temperature_max_reported_celsius", PackBlockOpening.Celsius(reader.U16("max cell temperature"), options)));
        values.Add(new("cell_temperature_min_reported_celsius", PackBlockOpening.Celsius(reader.U16("min cell temperature"), options)));
        values.Add(new("cumulative_charge_amp_hours", reader.U32("cumulative charge") / 100.0));
        values.Add(new("cumulative_discharge_amp_hours", reader.U32("cumulative discharge") / 100.0));
        values.Add(new("cumulative_charge_watt_hours", reader.U32("cumulative charge energy")));
        values.Add(new("cumulative_discharge_watt_hours", reader.U32("cumulative discharge energy")));
        values.Add(new("cumulative_charge_hours", reader.U32("cumulative charge time")));
        values.Add(new("cumulative_discharge_hours", reader.U32("cumulative discharge time")));
        values.Add(new("charge_count", reader.U16("charge count")));
        values.Add(new("discharge_count", reader.U16("discharge count")));

        var pack = AnalogPackOf(PackBlockOpening.PackNumber(packByte, 0), opening, opening.Current / 100.0, opening.Voltage / 100.0, remainingAh, fullAh, cycles, userDefinedP) with
        {
            StateOfChargeRatio = opening.Offline ? null : stateOfCharge,
            StateOfHealthRatio = opening.Offline ? null : stateOfHealth,
            DialectValues = values.ToImmutable(),
        };
        return new AnalogReading(1, [pack]) { Protocol = Name };
    }

    /// <summary>
    /// DATA_FLAG, PACK GROUP, cell alarms, N (says 4, sends 6), temperature alarms, current alarm, voltage alarm, P (9),
    /// balance event, voltage event, temperature event (u16), current event, remaining-capacity alarm, FET status,
    /// system status, balance status (u32, bit n = cell n+1), reserved.
    /// </summary>
    internal override AlarmReading DecodeAlarmLayout(ResponseFrame frame, byte packByte, DecoderOptions options)
    {
        var reader = AfterDataFlagAndGroup(frame);
        var warnings = PackBlockOpening.ReadWarnings(ref reader, (ref InfoReader r) => SensorsSent(ref r, AlarmBytesAfterTemperatures, 1));
        ImmutableArray<StatusField> status =
        [
            new("current_alarm", reader.U8("current alarm")),
            new("voltage_alarm", reader.U8("voltage alarm")),
            new("alarm_user_defined_p", reader.U8("user-defined count")),
            new("balance_event", reader.U8("balance event")),
            new("voltage_event", reader.U8("voltage event")),
            new("temperature_event", reader.U16("temperature event")),
            new("current_event", reader.U8("current event")),
            new("remaining_capacity_alarm", reader.U8("remaining capacity alarm")),
            new("fet_status", reader.U8("FET status")),
            new("system_status", reader.U8("system status")),
            new("balance_status", reader.U32("balance status")),
            new("reserved", reader.U8("reserved")),
        ];
        var pack = AlarmPackOf(PackBlockOpening.PackNumber(packByte, 0), warnings, status, [], AlarmPack.CellsOfBits(status[10].Value, warnings.Cells.Length));
        return new AlarmReading(1, [pack]) { Protocol = Name };
    }

    /// <summary>
    /// Reads the temperature count and returns how many sensors follow: EG4 announces 4 and sends 6; a firmware that sends what it announces is read too. The
    /// rest of INFO must be exactly the fixed fields after them, or the frame is not this layout.
    /// </summary>
    private int SensorsSent(ref InfoReader reader, int bytesAfter, int bytesPerSensor)
    {
        int announced = reader.U8("temperature count");
        int remaining = reader.Remaining;
        foreach (int candidate in new[] { announced + UnannouncedSensors, announced })
        {
            if (candidate <= PackBlockOpening.MaxTemperatures && remaining == (candidate * bytesPerSensor) + bytesAfter)
            {
                return candidate;
            }
        }

        throw DecodeError($"{remaining} bytes after the temperature count {announced} fit neither {announced + UnannouncedSensors} nor {announced} sensors and the {bytesAfter} fixed bytes of the {Name} layout");
    }

    /// <summary>The named bits of the event and status bytes (EG4 LifePower4 protocol document 2.2, table of the 0x44 answer).</summary>
    public override ImmutableArray<FlagDefinition> Flags { get; } =
    [
        .. WarningThenProtection("voltage_event", "cell_overvoltage", "cell_undervoltage", "pack_overvoltage", "pack_undervoltage"),
        .. WarningThenProtection("temperature_event",
            "charge_overtemperature", "charge_undertemperature", "discharge_overtemperature", "discharge_undertemperature",
            "environment_overtemperature", "environment_undertemperature"),
        .. Numbered(FlagFamily.Protection, "temperature_event", (12, "mosfet_overtemperature")),
        .. Numbered(FlagFamily.Fault, "temperature_event", (13, "fire")),
        .. ByPosition("current_event",
            Warning("charge_overcurrent"), Protection("charge_overcurrent"), Warning("discharge_overcurrent"), Protection("discharge_overcurrent"),
            Protection("discharge_overcurrent_level_2"), Protection("short_circuit"), Fault("discharge_overcurrent_lockout"), Fault("short_circuit_lockout")),
        .. ByPosition("balance_event",
            Status("balancing"), null, null, null, Warning("cell_voltage_difference"), Fault("charge_mosfet"), Fault("discharge_mosfet")),
        .. ByPosition("remaining_capacity_alarm", Warning("low_capacity")),
        .. ByPosition("fet_status", Status("discharge_fet"), Status("charge_fet"), Status("current_limit"), Status("heater")),
        .. ByPosition("system_status", Status("discharging"), Status("charging"), null, Status("standby")),
    ];
}
