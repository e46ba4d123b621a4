using System.Collections.Immutable;

namespace BmsPace.Tests.Simulation;

/// <summary>
/// Exactly what the simulator put into one 0x42 pack block, read by the tests from the reply bytes by the documented
/// layout and converted to SI units the way PROTOCOL.md 10.2 scales the wire values (mV / 1000, (0.1 K - 2730) / 10,
/// 10 mA / 100, 10 mAh / 100). Tests compare decoded output against it (with a tolerance of about 1e-9 for
/// floating-point scaling differences).
/// </summary>
public sealed record SentAnalogPack
{
    /// <summary>1-based pack number.</summary>
    public required int Pack { get; init; }

    public required ImmutableArray<double> CellVoltagesVolts { get; init; }

    public required ImmutableArray<double> TemperaturesCelsius { get; init; }

    public required double CurrentAmperes { get; init; }

    public required double VoltageVolts { get; init; }

    public required double RemainingAmpHours { get; init; }

    public required double FullAmpHours { get; init; }

    public required double DesignAmpHours { get; init; }

    public required int CycleCount { get; init; }

    public required int UserDefinedP { get; init; }

    /// <summary>The bytes after design capacity as uppercase hex ("" when none).</summary>
    public required string TailHex { get; init; }

    /// <summary>The tail's SOC byte / 100 (1-, 14- and 22-byte tails), else null.</summary>
    public double? TailStateOfChargeRatio { get; init; }

    /// <summary>The tail's SOH byte / 100 (14- and 22-byte tails), else null.</summary>
    public double? TailStateOfHealthRatio { get; init; }

    /// <summary>Remaining / full as sent, at the six decimals every output carries (CLI.md).</summary>
    public double StateOfChargeCalculatedRatio => FullAmpHours == 0 ? 0 : Math.Round(RemainingAmpHours / FullAmpHours, 6);

    /// <summary>Full / design as sent, at six decimals.</summary>
    public double StateOfHealthCalculatedRatio => DesignAmpHours == 0 ? 0 : Math.Round(FullAmpHours / DesignAmpHours, 6);
}

/// <summary>Exactly what the simulator put into one 0x44 pack block (raw bytes, as on the wire).</summary>
public sealed record SentAlarmPack
{
    public required int Pack { get; init; }

    public required ImmutableArray<byte> CellWarnings { get; init; }

    public required ImmutableArray<byte> TemperatureWarnings { get; init; }

    public required byte ChargeCurrentWarning { get; init; }

    public required byte PackVoltageWarning { get; init; }

    public required byte DischargeCurrentWarning { get; init; }

    public required byte ProtectState1 { get; init; }

    public required byte ProtectState2 { get; init; }

    public required byte InstructionState { get; init; }

    public required byte ControlState { get; init; }

    public required byte FaultState { get; init; }

    /// <summary>Cells 1-8, bit 0 = cell 1 (PACE documents).</summary>
    public required byte BalanceState1 { get; init; }

    /// <summary>Cells 9-16, bit 0 = cell 9.</summary>
    public required byte BalanceState2 { get; init; }

    public required byte WarnState1 { get; init; }

    public required byte WarnState2 { get; init; }

    public required string TailHex { get; init; }

    /// <summary>1-based numbers of the balancing cells.</summary>
    public ImmutableArray<int> BalancingCells
    {
        get
        {
            int word = BalanceState1 | (BalanceState2 << 8);
            return [.. Enumerable.Range(1, Math.Min(16, CellWarnings.Length)).Where(cell => (word & (1 << (cell - 1))) != 0)];
        }
    }
}
