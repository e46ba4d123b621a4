using System.Text.Json;
using BmsPace.Protocol.Readings;
using BmsPace.Simulator;
using BmsPace.Tests.Simulation;

namespace BmsPace.Tests.EndToEnd;

/// <summary>Compares what came out of BmsPace with what the simulator put on the wire, field by field.</summary>
internal static class SimulatorAssertions
{
    private const double Tolerance = 1e-9;

    public static void Equal(SentAnalogPack sent, AnalogPack decoded)
    {
        Assert.Equal(sent.Pack, decoded.Pack);
        Assert.False(decoded.Offline);
        Assert.Equal(sent.CellVoltagesVolts.ToArray(), decoded.CellVoltagesVolts.ToArray());
        Assert.Equal(sent.TemperaturesCelsius.Length, decoded.TemperaturesCelsius.Length);
        for (int i = 0; i < sent.TemperaturesCelsius.Length; i++)
        {
            Assert.Equal(sent.TemperaturesCelsius[i], decoded.TemperaturesCelsius[i], Tolerance);
        }

        Assert.Equal(sent.CurrentAmperes, decoded.CurrentAmperes, Tolerance);
        Assert.Equal(sent.VoltageVolts, decoded.VoltageVolts, Tolerance);
        Assert.Equal(sent.RemainingAmpHours, decoded.RemainingAmpHours, Tolerance);
        Assert.Equal(sent.FullAmpHours, decoded.FullAmpHours, Tolerance);
        Assert.Equal(sent.DesignAmpHours, Assert.NotNull(decoded.DesignAmpHours), Tolerance);
        Assert.Equal(sent.CycleCount, decoded.CycleCount);
        Assert.Equal(sent.UserDefinedP, decoded.UserDefinedP);
        Assert.Equal(sent.TailHex, decoded.TailHex);
        Assert.Equal(sent.TailStateOfChargeRatio ?? sent.StateOfChargeCalculatedRatio, decoded.StateOfChargeRatio!.Value, Tolerance);
        Assert.Equal(sent.TailStateOfHealthRatio ?? sent.StateOfHealthCalculatedRatio, decoded.StateOfHealthRatio!.Value, Tolerance);
    }

    public static void Equal(SentAlarmPack sent, AlarmPack decoded)
    {
        Assert.Equal(sent.Pack, decoded.Pack);
        Assert.Equal(sent.CellWarnings.ToArray(), decoded.CellWarnings.ToArray());
        Assert.Equal(sent.TemperatureWarnings.ToArray(), decoded.TemperatureWarnings.ToArray());
        Assert.Equal(sent.ChargeCurrentWarning, decoded.ChargeCurrentWarning);
        Assert.Equal(sent.PackVoltageWarning, decoded.PackVoltageWarning);
        Assert.Equal(sent.DischargeCurrentWarning, decoded.DischargeCurrentWarning);
        Assert.Equal(sent.ProtectState1, decoded.ProtectState1);
        Assert.Equal(sent.ProtectState2, decoded.ProtectState2);
        Assert.Equal(sent.InstructionState, decoded.InstructionState);
        Assert.Equal(sent.ControlState, decoded.ControlState);
        Assert.Equal(sent.FaultState, decoded.FaultState);
        Assert.Equal(sent.BalanceState1, decoded.BalanceState1);
        Assert.Equal(sent.BalanceState2, decoded.BalanceState2);
        Assert.Equal(sent.WarnState1, decoded.WarnState1);
        Assert.Equal(sent.WarnState2, decoded.WarnState2);
    }

    /// <summary>One merged pack object of <c>once --json</c> against what was sent.</summary>
    public static void Equal(SentAnalogPack analog, SentAlarmPack alarm, JsonElement pack)
    {
        Assert.Equal(analog.Pack, pack.GetProperty("pack").GetInt32());
        Assert.False(pack.GetProperty("offline").GetBoolean());
        Assert.Equal(analog.CellVoltagesVolts.Length, pack.GetProperty("cell_count").GetInt32());
        Assert.Equal(analog.CellVoltagesVolts.ToArray(), pack.GetProperty("cell_voltages_volts").EnumerateArray().Select(e => e.GetDouble()).ToArray());
        Assert.Equal(analog.TemperaturesCelsius.Length, pack.GetProperty("temperature_count").GetInt32());
        var temperatures = pack.GetProperty("temperatures_celsius").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        for (int i = 0; i < temperatures.Length; i++)
        {
            Assert.Equal(analog.TemperaturesCelsius[i], temperatures[i], Tolerance);
        }

        Assert.Equal(analog.CurrentAmperes, pack.GetProperty("current_amperes").GetDouble(), Tolerance);
        Assert.Equal(analog.VoltageVolts, pack.GetProperty("voltage_volts").GetDouble(), Tolerance);
        Assert.Equal(analog.RemainingAmpHours, pack.GetProperty("remaining_amp_hours").GetDouble(), Tolerance);
        Assert.Equal(analog.FullAmpHours, pack.GetProperty("full_amp_hours").GetDouble(), Tolerance);
        Assert.Equal(analog.DesignAmpHours, pack.GetProperty("design_amp_hours").GetDouble(), Tolerance);
        Assert.Equal(analog.CycleCount, pack.GetProperty("cycle_count").GetInt32());
        Assert.Equal(analog.UserDefinedP, pack.GetProperty("user_defined_p").GetInt32());
        Assert.Equal(analog.TailStateOfChargeRatio ?? analog.StateOfChargeCalculatedRatio, pack.GetProperty("state_of_charge_ratio").GetDouble(), Tolerance);
        Assert.Equal(analog.TailStateOfHealthRatio ?? analog.StateOfHealthCalculatedRatio, pack.GetProperty("state_of_health_ratio").GetDouble(), Tolerance);
        Assert.Equal(analog.StateOfChargeCalculatedRatio, pack.GetProperty("state_of_charge_calculated_ratio").GetDouble(), Tolerance);
        Assert.Equal(analog.StateOfHealthCalculatedRatio, pack.GetProperty("state_of_health_calculated_ratio").GetDouble(), Tolerance);

        Assert.Equal(alarm.CellWarnings.Select(b => (int)b).ToArray(), pack.GetProperty("cell_warnings").EnumerateArray().Select(e => e.GetInt32()).ToArray());
        Assert.Equal(alarm.TemperatureWarnings.Select(b => (int)b).ToArray(), pack.GetProperty("temperature_warnings").EnumerateArray().Select(e => e.GetInt32()).ToArray());
        Assert.Equal(alarm.ChargeCurrentWarning, pack.GetProperty("charge_current_warning").GetInt32());
        Assert.Equal(alarm.PackVoltageWarning, pack.GetProperty("pack_voltage_warning").GetInt32());
        Assert.Equal(alarm.DischargeCurrentWarning, pack.GetProperty("discharge_current_warning").GetInt32());
        Assert.Equal(alarm.ProtectState1, pack.GetProperty("protect_state_1").GetInt32());
        Assert.Equal(alarm.ProtectState2, pack.GetProperty("protect_state_2").GetInt32());
        Assert.Equal(alarm.InstructionState, pack.GetProperty("instruction_state").GetInt32());
        Assert.Equal(alarm.ControlState, pack.GetProperty("control_state").GetInt32());
        Assert.Equal(alarm.FaultState, pack.GetProperty("fault_state").GetInt32());
        Assert.Equal(alarm.BalanceState1, pack.GetProperty("balance_state_1").GetInt32());
        Assert.Equal(alarm.BalanceState2, pack.GetProperty("balance_state_2").GetInt32());
        Assert.Equal(alarm.WarnState1, pack.GetProperty("warn_state_1").GetInt32());
        Assert.Equal(alarm.WarnState2, pack.GetProperty("warn_state_2").GetInt32());
        int balancingWord = alarm.BalanceState1 | (alarm.BalanceState2 << 8);
        var expectedBalancing = Enumerable.Range(1, Math.Min(16, analog.CellVoltagesVolts.Length)).Where(c => (balancingWord & (1 << (c - 1))) != 0).ToArray();
        Assert.Equal(expectedBalancing, pack.GetProperty("balancing_cells").EnumerateArray().Select(e => e.GetInt32()).ToArray());
    }
}
