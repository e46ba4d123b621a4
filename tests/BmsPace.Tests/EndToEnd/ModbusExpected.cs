using BmsPace.Protocol.Simulation;

namespace BmsPace.Tests.EndToEnd;

/// <summary>
/// What a Modbus RTU family's registers carry for a simulated battery held still (time scale 0), worked out from the
/// battery model and the register units of MODBUS.md (not from the program's decoder): every output must show exactly
/// these values. Keys are the JSON keys of <c>once --json</c>; null means the family does not send the value.
/// </summary>
internal static class ModbusExpected
{
    private static double Round(double value, int decimals) => Math.Round(value, decimals, MidpointRounding.AwayFromZero);

    /// <summary>The pack's figures at the family's resolution.</summary>
    public static Dictionary<string, double?> Pack(string family, PackSample model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var values = new Dictionary<string, double?>(StringComparer.Ordinal)
        {
            // Every family sends the pack voltage in 10 mV; the simulator writes the sum of its millivolt cells.
            ["voltage_volts"] = Round(model.CellVoltagesVolts.Sum(v => Round(v * 1000, 0)) / 10, 0) / 100,
            ["current_amperes"] = Round(model.CurrentAmperes, 2),
            ["cycle_count"] = model.CycleCount,
        };
        switch (family)
        {
            case "eg4-ll":
                // Register 21 in whole Ah, 31-32 in mAs, 37 in 0.1 Ah, 24 in whole percent.
                values["remaining_amp_hours"] = Round(model.RemainingAmpHours, 0);
                values["full_amp_hours"] = Math.Round(model.FullAmpHours * 3_600_000) / 3_600_000;
                values["design_amp_hours"] = Round(model.DesignAmpHours, 1);
                values["state_of_charge_ratio"] = Round(model.StateOfCharge * 100, 0) / 100;
                break;
            case "seplos-v3":
                // PIA: capacities in 0.01 Ah, SOC in 0.1 %; no design capacity for a pack.
                values["remaining_amp_hours"] = Round(model.RemainingAmpHours, 2);
                values["full_amp_hours"] = Round(model.FullAmpHours, 2);
                values["design_amp_hours"] = null;
                values["state_of_charge_ratio"] = Round(model.StateOfCharge * 1000, 0) / 1000;
                break;
            default:
                values["remaining_amp_hours"] = Round(model.RemainingAmpHours, 2);
                values["full_amp_hours"] = Round(model.FullAmpHours, 2);
                values["design_amp_hours"] = Round(model.DesignAmpHours, 2);
                values["state_of_charge_ratio"] = Round(model.StateOfCharge * 100, 0) / 100;
                break;
        }

        return values;
    }

    public static double[] Cells(PackSample model) => [.. model.CellVoltagesVolts.Select(v => Round(v, 3))];

    /// <summary>The sensors in the family's order (NaN = a slot with no sensor) and how far a reading may be off.</summary>
    public static (double[] Celsius, double Tolerance) Temperatures(string family, PackSample model)
    {
        var t = model.TemperaturesCelsius;
        return family switch
        {
            // Six signed whole-degree bytes (5 and 6 unused), then the MOSFET board's register 18.
            "eg4-ll" => ([Round(t[0], 0), Round(t[1], 0), Round(t[2], 0), Round(t[3], 0), double.NaN, double.NaN, Round(t[4], 0)], 1e-9),
            // 0.1 K with 2731.5 for 0 C: cell sensors 1-4, reserved slots 5-8, ambient, power.
            "seplos-v3" => ([.. new[] { t[0], t[1], t[2], t[3], double.NaN, double.NaN, double.NaN, double.NaN, t[5], t[4] }.Select(c => Round(c, 1))], 0.0501),
            _ => ([.. t.Select(c => Round(c, 1))], 1e-9),
        };
    }

    /// <summary>
    /// The stack's figures as its bank master sends them: an EG4 LL v2 master's bank registers (MODBUS.md section 2, its
    /// capacities unwrapped with the packs' own), or a stand-alone Seplos V3 pack's EIA block; null without a master.
    /// </summary>
    public static Dictionary<string, double?>? Stack(string family, IReadOnlyList<PackSample> bank, bool bankMaster)
    {
        ArgumentNullException.ThrowIfNull(bank);
        double remaining = bank.Sum(p => p.RemainingAmpHours);
        double full = bank.Sum(p => p.FullAmpHours);
        Dictionary<string, double?>? values = (family, bankMaster, bank.Count) switch
        {
            ("eg4-ll", true, _) => new(StringComparer.Ordinal)
            {
                // 22 the lowest pack voltage in 10 mV, 23 the summed current in 10 mA, 21 SOC in whole percent,
                // 26/27 the bank capacities in 10 mAh (wrapping at 655.36 Ah).
                ["voltage_volts"] = bank.Min(p => Round(p.CellVoltagesVolts.Sum() * 100, 0)) / 100,
                ["current_amperes"] = Round(bank.Sum(p => p.CurrentAmperes) * 100, 0) / 100,
                ["state_of_charge_ratio"] = Round(100 * remaining / full, 0) / 100,
                ["state_of_health_ratio"] = null,
                ["remaining_amp_hours"] = Round(remaining * 100, 0) / 100,
                ["full_amp_hours"] = Round(full * 100, 0) / 100,
                ["design_amp_hours"] = null,
                ["cycle_count"] = null,
                ["pack_count"] = null,
                ["max_cycle_count"] = bank.Max(p => p.CycleCount),
                ["max_cell_voltage_volts"] = bank.Max(p => Round(p.CellVoltagesVolts.Max() * 1000, 0)) / 1000,
                ["min_cell_voltage_volts"] = bank.Min(p => Round(p.CellVoltagesVolts.Min() * 1000, 0)) / 1000,
                ["max_temperature_celsius"] = Round(bank.Max(p => p.TemperaturesCelsius.Max()), 0),
            },
            ("seplos-v3", _, 1) => new(StringComparer.Ordinal)
            {
                // EIA: 32-bit values, voltage and capacities in 0.01, current in 0.1 A, SOC and SOH in 0.1 %.
                ["voltage_volts"] = Round(bank[0].CellVoltagesVolts.Sum() * 100, 0) / 100,
                ["current_amperes"] = Round(bank[0].CurrentAmperes * 10, 0) / 10,
                ["state_of_charge_ratio"] = Round(1000 * remaining / full, 0) / 1000,
                ["state_of_health_ratio"] = Math.Min(1000, Round(1000 * full / bank[0].DesignAmpHours, 0)) / 1000,
                ["remaining_amp_hours"] = Round(remaining * 100, 0) / 100,
                ["full_amp_hours"] = Round(full * 100, 0) / 100,
                ["design_amp_hours"] = Round(bank[0].DesignAmpHours * 100, 0) / 100,
                ["cycle_count"] = bank[0].CycleCount,
                ["pack_count"] = 1,
            },
            _ => null,
        };
        if (values is not null)
        {
            values["power_watts"] = Math.Round(values["voltage_volts"]!.Value * values["current_amperes"]!.Value, 5);
        }

        return values;
    }

    /// <summary>The Prometheus family of a stack key (METRICS.md <c>pace_bms_stack_*</c>), or null for a key with none.</summary>
    public static string? StackMetric(string key) => key switch
    {
        "voltage_volts" => "pace_bms_stack_voltage_volts",
        "current_amperes" => "pace_bms_stack_current_amperes",
        "power_watts" => "pace_bms_stack_power_watts",
        "state_of_charge_ratio" => "pace_bms_stack_state_of_charge_ratio",
        "state_of_health_ratio" => "pace_bms_stack_state_of_health_ratio",
        "remaining_amp_hours" => "pace_bms_stack_capacity_remaining_amp_hours",
        "full_amp_hours" => "pace_bms_stack_capacity_full_amp_hours",
        "design_amp_hours" => "pace_bms_stack_capacity_design_amp_hours",
        "cycle_count" => "pace_bms_stack_cycle_count",
        "pack_count" => "pace_bms_stack_packs",
        _ => null,
    };

    /// <summary>The Prometheus family of a pack key.</summary>
    public static string PackMetric(string key) => key switch
    {
        "voltage_volts" => "pace_bms_pack_voltage_volts",
        "current_amperes" => "pace_bms_pack_current_amperes",
        "state_of_charge_ratio" => "pace_bms_state_of_charge_ratio",
        "remaining_amp_hours" => "pace_bms_capacity_remaining_amp_hours",
        "full_amp_hours" => "pace_bms_capacity_full_amp_hours",
        "design_amp_hours" => "pace_bms_capacity_design_amp_hours",
        "cycle_count" => "pace_bms_cycle_count",
        _ => throw new ArgumentOutOfRangeException(nameof(key), key, "no pack metric"),
    };

    /// <summary>The InfluxDB field of a pack or stack key (METRICS.md: SOC and SOH are <c>soc_ratio</c> and <c>soh_ratio</c>).</summary>
    public static string InfluxField(string key) => key switch
    {
        "state_of_charge_ratio" => "soc_ratio",
        "state_of_health_ratio" => "soh_ratio",
        _ => key,
    };

    /// <summary>Equal within the double nearest to the wire's decimal.</summary>
    public static bool Same(double expected, double actual) => Math.Abs(expected - actual) <= 1e-9 * Math.Max(1, Math.Abs(expected));
}
