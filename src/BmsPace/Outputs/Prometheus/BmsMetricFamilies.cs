using BmsPace.Protocol.Readings;
using Prometheus;

namespace BmsPace.Outputs.Prometheus;

/// <summary>
/// Every metric family of METRICS.md, declared once with its HELP text (source field and unit). Children are created
/// per label set by <see cref="PrometheusSink"/>; the per-pack families suppress their initial value so a series
/// exists only once a value was read.
/// </summary>
/// <remarks>prometheus-net collectors are thread-safe; this class only holds them.</remarks>
public sealed class BmsMetricFamilies
{
    /// <summary>Poll cycles run from a fraction of a second (one pack on TCP) to tens of seconds (16 packs with retries).</summary>
    private static readonly double[] PollDurationBuckets = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

    private static readonly string[] Battery = ["battery"];
    private static readonly string[] BatteryPack = ["battery", "pack"];
    private static readonly string[] BatteryPackCell = ["battery", "pack", "cell"];
    private static readonly string[] BatteryPackSensor = ["battery", "pack", "sensor"];
    private static readonly string[] BatteryPackFlag = ["battery", "pack", "flag"];

    public BmsMetricFamilies(CollectorRegistry registry)
    {
        var factory = Metrics.WithCustomRegistry(registry);
        var perPack = new GaugeConfiguration { SuppressInitialValue = true };
        var perPackCounter = new CounterConfiguration { SuppressInitialValue = true };

        Gauge PackGauge(string name, string help, string[] labels) => factory.CreateGauge(name, help, labels, perPack);

        Up = factory.CreateGauge("pace_bms_up", "1 if the last poll cycle of the battery decoded analog data (0x42) for at least one pack, else 0.", Battery);
        PacksReported = factory.CreateGauge("pace_bms_packs_reported", "Pack count the master declared in its last analog (0x42) answer.", Battery);
        PacksDecoded = factory.CreateGauge("pace_bms_packs_decoded", "Packs whose analog (0x42) block was decoded in the last poll cycle.", Battery);
        PollDuration = factory.CreateHistogram("pace_bms_poll_duration_seconds", "Wall time of whole poll cycles, in seconds.", Battery,
            new HistogramConfiguration { Buckets = PollDurationBuckets });
        Requests = factory.CreateCounter("pace_bms_requests_total", "Requests sent to the BMS, by command kind.", ["battery", "command"]);
        RequestFailures = factory.CreateCounter("pace_bms_request_failures_total",
            "Requests that produced no usable answer, by command kind and failure reason (METRICS.md reasons).", ["battery", "command", "reason"]);
        Reconnects = factory.CreateCounter("pace_bms_reconnects_total", "Transport reopenings (serial port or TCP connection).", Battery);
        ImplausibleValues = factory.CreateCounter("pace_bms_implausible_values_total",
            "Decoded values outside physical limits, dropped instead of exported, by field (docs/METRICS.md).", ["battery", "field"]);
        LastSuccess = PackGauge("pace_bms_last_success_timestamp_seconds", "Unix time in seconds of the last good analog (0x42) frame for the pack.", BatteryPack);
        BuildInfo = factory.CreateGauge("pace_bms_exporter_build_info", "Always 1; the version label is the exporter's own version.", ["version"]);

        PackUp = PackGauge("pace_bms_pack_up", "1 while the pack's analog data is fresh; 0 once it missed stale_after_cycles cycles and its other series are withdrawn.", BatteryPack);
        PackInfo = PackGauge("pace_bms_pack_info", "Always 1; identity strings from the software version (0xC1) and serial number (0xC2) commands, empty where the BMS gives none; protocol is the dialect in use (configured or detected).",
            ["battery", "pack", "software_version", "serial_number", "pack_serial_number", "protocol_version", "protocol"]);
        PackVoltage = PackGauge("pace_bms_pack_voltage_volts", "Pack voltage from the analog (0x42) answer, in volts.", BatteryPack);
        PackCurrent = PackGauge("pace_bms_pack_current_amperes", "Pack current from the analog (0x42) answer, in amperes; positive = charging, negative = discharging.", BatteryPack);
        PackPower = PackGauge("pace_bms_pack_power_watts", "Pack voltage x current from the analog (0x42) answer, in watts; positive = charging.", BatteryPack);
        StateOfCharge = PackGauge("pace_bms_state_of_charge_ratio", "State of charge 0..1: the analog tail's SOC byte when sent, else remaining / full capacity.", BatteryPack);
        StateOfHealth = PackGauge("pace_bms_state_of_health_ratio", "State of health >= 0, not clamped: the 14-byte analog tail's SOH byte when sent, else full / design capacity.", BatteryPack);
        CapacityRemaining = PackGauge("pace_bms_capacity_remaining_amp_hours", "Remaining capacity from the analog (0x42) answer, in amp-hours (the unit battery users read).", BatteryPack);
        CapacityFull = PackGauge("pace_bms_capacity_full_amp_hours", "Full-charge capacity from the analog (0x42) answer, in amp-hours (the unit battery users read).", BatteryPack);
        CapacityDesign = PackGauge("pace_bms_capacity_design_amp_hours", "Design capacity from the analog (0x42) answer, in amp-hours (the unit battery users read).", BatteryPack);
        CycleCount = PackGauge("pace_bms_cycle_count", "Charge cycle count from the analog (0x42) answer; a gauge because a replaced BMS restarts it.", BatteryPack);
        CellVoltage = PackGauge("pace_bms_cell_voltage_volts", "Cell voltage from the analog (0x42) answer, in volts.", BatteryPackCell);
        CellVoltageMin = PackGauge("pace_bms_cell_voltage_min_volts", "Lowest cell voltage of the pack, derived from the analog (0x42) cells, in volts.", BatteryPack);
        CellVoltageMax = PackGauge("pace_bms_cell_voltage_max_volts", "Highest cell voltage of the pack, derived from the analog (0x42) cells, in volts.", BatteryPack);
        CellVoltageDelta = PackGauge("pace_bms_cell_voltage_delta_volts", "Highest minus lowest cell voltage of the pack, derived from the analog (0x42) cells, in volts.", BatteryPack);
        Temperature = PackGauge("pace_bms_temperature_celsius", "Temperature sensor reading from the analog (0x42) answer, in degrees Celsius.", BatteryPackSensor);
        TemperatureInfo = PackGauge("pace_bms_temperature_info", "Always 1; what the sensor measures (cell, mosfet, environment, unknown).", ["battery", "pack", "sensor", "role"]);
        CellBalancing = PackGauge("pace_bms_cell_balancing", "1 while the cell is balancing, from the alarm (0x44) balance_state_1/2 bytes, else 0.", BatteryPackCell);
        CellWarning = PackGauge("pace_bms_cell_warning", "1 while the alarm (0x44) per-cell warning code means the flag (low 01, high 02, other F0/80-EF), else 0.", ["battery", "pack", "cell", "flag"]);
        TemperatureWarning = PackGauge("pace_bms_temperature_warning", "1 while the alarm (0x44) per-sensor warning code means the flag (low 01, high 02, other F0/80-EF), else 0.", ["battery", "pack", "sensor", "flag"]);
        Flags = new Dictionary<FlagFamily, Gauge>
        {
            [FlagFamily.Warning] = PackGauge("pace_bms_warning", "1 while the alarm (0x44) warn_state_1/2 bit of the flag is set, else 0.", BatteryPackFlag),
            [FlagFamily.Protection] = PackGauge("pace_bms_protection", "1 while the alarm (0x44) protect_state_1/2 bit of the flag is set, else 0.", BatteryPackFlag),
            [FlagFamily.Fault] = PackGauge("pace_bms_fault", "1 while the alarm (0x44) fault_state bit of the flag is set, else 0.", BatteryPackFlag),
            [FlagFamily.Status] = PackGauge("pace_bms_status", "1 while the alarm (0x44) instruction_state bit (or protect_state_2 bit 7 for fully_charged) is set, else 0.", BatteryPackFlag),
        };
        ControlState = PackGauge("pace_bms_control_state", "The raw alarm (0x44) control_state byte (0-255); exported raw because its bit polarity is disputed.", BatteryPack);
        Gauge StackGauge(string name, string help) => factory.CreateGauge(name, help + " Only while a bank master reports it.", Battery, perPack);
        _stackSeries =
        [
            (StackGauge("pace_bms_stack_voltage_volts", "The stack's voltage as its bank master reports it, in volts (an EG4 master: its lowest pack's voltage)."), s => s.VoltageVolts),
            (StackGauge("pace_bms_stack_current_amperes", "The stack's current as its bank master reports it, in amperes; positive = charging."), s => s.CurrentAmperes),
            (StackGauge("pace_bms_stack_power_watts", "The stack's voltage x current as its bank master reports them, in watts; positive = charging."), s => s.PowerWatts),
            (StackGauge("pace_bms_stack_state_of_charge_ratio", "The stack's state of charge 0..1 as its bank master reports it."), s => s.StateOfChargeRatio),
            (StackGauge("pace_bms_stack_state_of_health_ratio", "The stack's state of health as its bank master reports it, not clamped."), s => s.StateOfHealthRatio),
            (StackGauge("pace_bms_stack_capacity_remaining_amp_hours", "The stack's remaining capacity as its bank master reports it, in amp-hours."), s => s.RemainingAmpHours),
            (StackGauge("pace_bms_stack_capacity_full_amp_hours", "The stack's full-charge capacity as its bank master reports it, in amp-hours."), s => s.FullAmpHours),
            (StackGauge("pace_bms_stack_capacity_design_amp_hours", "The stack's design capacity as its bank master reports it, in amp-hours."), s => s.DesignAmpHours),
            (StackGauge("pace_bms_stack_cycle_count", "The stack's cycle count as its bank master reports it."), s => s.CycleCount),
            (StackGauge("pace_bms_stack_packs", "The packs the bank master counts in its stack."), s => s.PackCount),
        ];
        ChargedEnergy = factory.CreateCounter("pace_bms_charged_watt_hours_total",
            "Energy into the pack in watt-hours (the unit battery users read), integrated by the exporter from voltage x current between consecutive good reads.",
            BatteryPack, perPackCounter);
        DischargedEnergy = factory.CreateCounter("pace_bms_discharged_watt_hours_total",
            "Energy out of the pack in watt-hours (the unit battery users read), integrated by the exporter from voltage x current between consecutive good reads.",
            BatteryPack, perPackCounter);
    }

    private readonly (Gauge Family, Func<StackReading, double?> Value)[] _stackSeries;

    /// <summary>The stack families (<c>pace_bms_stack_*</c>) with the values a bank master's summary holds for them (null: not sent).</summary>
    public IEnumerable<(Gauge Family, double? Value)> StackSeries(StackReading stack) => _stackSeries.Select(s => (s.Family, s.Value(stack)));

    public Gauge Up { get; }

    public Gauge PacksReported { get; }

    public Gauge PacksDecoded { get; }

    public Histogram PollDuration { get; }

    public Counter Requests { get; }

    public Counter RequestFailures { get; }

    public Counter Reconnects { get; }

    public Counter ImplausibleValues { get; }

    public Gauge LastSuccess { get; }

    public Gauge BuildInfo { get; }

    public Gauge PackUp { get; }

    public Gauge PackInfo { get; }

    public Gauge PackVoltage { get; }

    public Gauge PackCurrent { get; }

    public Gauge PackPower { get; }

    public Gauge StateOfCharge { get; }

    public Gauge StateOfHealth { get; }

    public Gauge CapacityRemaining { get; }

    public Gauge CapacityFull { get; }

    public Gauge CapacityDesign { get; }

    public Gauge CycleCount { get; }

    public Gauge CellVoltage { get; }

    public Gauge CellVoltageMin { get; }

    public Gauge CellVoltageMax { get; }

    public Gauge CellVoltageDelta { get; }

    public Gauge Temperature { get; }

    public Gauge TemperatureInfo { get; }

    public Gauge CellBalancing { get; }

    public Gauge CellWarning { get; }

    public Gauge TemperatureWarning { get; }

    /// <summary><c>pace_bms_warning</c>, <c>pace_bms_protection</c>, <c>pace_bms_fault</c>, <c>pace_bms_status</c> by family.</summary>
    public IReadOnlyDictionary<FlagFamily, Gauge> Flags { get; }

    public Gauge ControlState { get; }

    public Counter ChargedEnergy { get; }

    public Counter DischargedEnergy { get; }
}
