namespace BmsPace.Protocol.Readings;

/// <summary>
/// What a bank master says about the whole stack (an EG4 LL v2 master's bank registers, Seplos V3's bank blocks):
/// the stack's own totals, never a pack. Null where the master does not send a value.
/// </summary>
public sealed record StackReading
{
    /// <summary>The stack's voltage as the master reports it (an EG4 master: its lowest pack's voltage).</summary>
    public double? VoltageVolts { get; init; }

    /// <summary>The stack's current, positive while charging.</summary>
    public double? CurrentAmperes { get; init; }

    public double? StateOfChargeRatio { get; init; }

    public double? StateOfHealthRatio { get; init; }

    public double? RemainingAmpHours { get; init; }

    public double? FullAmpHours { get; init; }

    public double? DesignAmpHours { get; init; }

    public int? CycleCount { get; init; }

    /// <summary>The number of packs the master counts in its bank.</summary>
    public int? PackCount { get; init; }

    /// <summary>Voltage x current at the power's resolution; null when either is missing.</summary>
    public double? PowerWatts => VoltageVolts is { } voltage && CurrentAmperes is { } current ? Resolution.Power(voltage, current) : null;

    /// <summary>Values only this family's master sends (<c>max_cell_voltage_volts</c>, ...), named snake_case with their unit.</summary>
    public ImmutableArray<DialectValue> DialectValues { get; init; } = [];

    /// <summary>The master's raw status words, under the family's names (no flags: a master's bits are not its packs' bits).</summary>
    public ImmutableArray<StatusField> Status { get; init; } = [];
}
