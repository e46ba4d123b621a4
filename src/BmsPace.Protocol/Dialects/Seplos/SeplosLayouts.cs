using static BmsPace.Protocol.Readings.FlagBits;

namespace BmsPace.Protocol.Dialects.Seplos;

/// <summary>The Seplos V2.0 0x42/0x44 layouts and bit tables (Seplos protocol V2.0 tables 8, 9 and 13; PROTOCOL.md 13.2).</summary>
internal sealed partial class SeplosDialect
{
    /// <summary>Words after P in the analog answer that this decoder reads by name: full, SOC, rated, cycles, SOH, port voltage.</summary>
    private const int NamedAnalogWords = 6;

    /// <summary>Bytes after P in the alarm answer that this decoder reads by name (alarm events 1-8 and the state bytes).</summary>
    private const int NamedAlarmBytes = 14;

    /// <summary>
    /// DATA FLAG, COMMAND GROUP, cells, temperatures (0.1 K), current (10 mA), voltage (10 mV), residual (10 mAh), custom
    /// P (10) and P words: capacity (10 mAh), SOC (per mille), rated capacity (10 mAh), cycles, SOH (per mille), port
    /// voltage (10 mV), reserved.
    /// </summary>
    internal override AnalogReading DecodeAnalogLayout(ResponseFrame frame, byte packByte, DecoderOptions options)
    {
        var reader = AfterDataFlagAndGroup(frame);
        var opening = PackBlockOpening.ReadAnalog(ref reader, options);
        double remainingAh = reader.U16("residual capacity") / 100.0;
        int customP = reader.U8("custom count P");
        if (customP < NamedAnalogWords || reader.Remaining != 2 * customP)
        {
            throw DecodeError($"custom count P {customP} announces {2 * customP} bytes, {reader.Remaining} follow; the {Name} layout needs P >= {NamedAnalogWords} and exactly P words");
        }

        double fullAh = reader.U16("capacity") / 100.0;
        double stateOfCharge = reader.U16("SOC") / 1000.0;
        double designAh = reader.U16("rated capacity") / 100.0;
        int cycles = reader.U16("cycle count");
        double stateOfHealth = reader.U16("SOH") / 1000.0;
        double portVolts = reader.U16("port voltage") / 100.0;
        var reserved = reader.Bytes(reader.Remaining, "reserved");

        var pack = AnalogPackOf(PackBlockOpening.PackNumber(packByte, 0), opening, opening.Current / 100.0, opening.Voltage / 100.0, remainingAh, fullAh, cycles, customP) with
        {
            DesignAmpHours = designAh,
            TailHex = Convert.ToHexString(reserved),
            StateOfChargeRatio = opening.Offline ? null : stateOfCharge,
            StateOfHealthRatio = opening.Offline ? null : stateOfHealth,
            StateOfHealthCalculatedRatio = opening.Offline ? null : Ratio(fullAh, designAh),
            DialectValues = [new("port_voltage_volts", portVolts)],
        };
        return new AnalogReading(1, [pack]) { Protocol = Name };
    }

    /// <summary>
    /// DATA FLAG, COMMAND GROUP, cell alarms, temperature alarms, current alarm, voltage alarm, custom P (20), then
    /// alarm events 1-6, on/off state, equilibrium states 1 and 2, system state, disconnection states 1 and 2, alarm
    /// events 7 and 8, reserved up to P bytes.
    /// </summary>
    internal override AlarmReading DecodeAlarmLayout(ResponseFrame frame, byte packByte, DecoderOptions options)
    {
        var reader = AfterDataFlagAndGroup(frame);
        var warnings = PackBlockOpening.ReadWarnings(ref reader);
        int currentAlarm = reader.U8("current alarm");
        int voltageAlarm = reader.U8("voltage alarm");
        int customP = reader.U8("custom count P");
        if (customP < NamedAlarmBytes || reader.Remaining != customP)
        {
            throw DecodeError($"custom count P {customP} announces {customP} bytes, {reader.Remaining} follow; the {Name} layout needs P >= {NamedAlarmBytes} and exactly P bytes");
        }

        var builder = ImmutableArray.CreateBuilder<StatusField>();
        builder.Add(new("current_alarm", currentAlarm));
        builder.Add(new("voltage_alarm", voltageAlarm));
        builder.Add(new("alarm_user_defined_p", customP));
        for (int i = 1; i <= 6; i++)
        {
            builder.Add(new(Invariant($"alarm_event_{i}"), reader.U8("alarm event")));
        }

        builder.Add(new("on_off_state", reader.U8("on/off state")));
        int equilibrium1 = reader.U8("equilibrium state 1");
        int equilibrium2 = reader.U8("equilibrium state 2");
        builder.Add(new("equilibrium_state_1", equilibrium1));
        builder.Add(new("equilibrium_state_2", equilibrium2));
        builder.Add(new("system_state", reader.U8("system state")));
        builder.Add(new("disconnection_state_1", reader.U8("disconnection state 1")));
        builder.Add(new("disconnection_state_2", reader.U8("disconnection state 2")));
        builder.Add(new("alarm_event_7", reader.U8("alarm event 7")));
        builder.Add(new("alarm_event_8", reader.U8("alarm event 8")));
        var reserved = reader.Bytes(reader.Remaining, "reserved");

        // As the PACE documents order their balance bytes: state 1 = cells 1-8, state 2 = cells 9-16.
        var pack = AlarmPackOf(PackBlockOpening.PackNumber(packByte, 0), warnings, builder.ToImmutable(), reserved, AlarmPack.CellsOfBits(equilibrium1 | (equilibrium2 << 8), warnings.Cells.Length));
        return new AlarmReading(1, [pack]) { Protocol = Name };
    }

    /// <summary>The named bits of the alarm events and state bytes (Seplos protocol V2.0 table 13).</summary>
    public override ImmutableArray<FlagDefinition> Flags { get; } =
    [
        .. ByPosition("alarm_event_1",
            Fault("voltage_sensing"), Fault("temperature_sensor"), Fault("current_sensing"), Fault("power_switch"),
            Fault("cell_voltage_difference_sensing"), Fault("charge_mosfet"), Fault("discharge_mosfet"), Fault("current_limiting")),
        .. WarningThenProtection("alarm_event_2", "cell_overvoltage", "cell_undervoltage", "pack_overvoltage", "pack_undervoltage"),
        .. WarningThenProtection("alarm_event_3", "charge_overtemperature", "charge_undertemperature", "discharge_overtemperature", "discharge_undertemperature"),
        .. WarningThenProtection("alarm_event_4", "environment_overtemperature", "environment_undertemperature", "mosfet_overtemperature"),
        .. Numbered(FlagFamily.Status, "alarm_event_4", (6, "heating")),
        .. ByPosition("alarm_event_5",
            Warning("charge_overcurrent"), Protection("charge_overcurrent"), Warning("discharge_overcurrent"), Protection("discharge_overcurrent"),
            Protection("transient_overcurrent"), Protection("short_circuit"), Fault("transient_overcurrent_lock"), Fault("short_circuit_lock")),
        .. ByPosition("alarm_event_6",
            Protection("charger_overvoltage"), Warning("intermittent_recharge_waiting"), Warning("low_capacity"), Protection("low_capacity"),
            Fault("low_voltage_charging_forbidden"), Protection("reverse_connection"), Fault("output_connection")),
        .. ByPosition("on_off_state", Status("discharge_fet"), Status("charge_fet"), Status("current_limit"), Status("heater")),
        .. ByPosition("system_state", Status("discharging"), Status("charging"), Status("float_charging"), null, Status("standby"), Status("shutdown")),
        .. Numbered(FlagFamily.Warning, "alarm_event_7", (4, "auto_charging_wait"), (5, "manual_charging_wait")),
        .. ByPosition("alarm_event_8",
            Fault("eeprom"), Fault("rtc"), Fault("voltage_calibration_missing"), Fault("current_calibration_missing"), Fault("zero_point_calibration_missing")),
    ];
}
