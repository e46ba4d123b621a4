namespace BmsPace.Protocol.Readings;

/// <summary>A decoded 0x42 answer: the pack count the BMS declared and one block per pack.</summary>
/// <param name="PackCount">The count the master declared (COMMAND FF; 0 is read as 1), or 1 for a single-pack answer.</param>
/// <param name="Packs">The decoded blocks in wire order.</param>
public sealed record AnalogReading(int PackCount, ImmutableArray<AnalogPack> Packs)
{
    /// <summary>
    /// No tail length fitted every block, so the last one kept a different tail (PROTOCOL.md 8.3): worth a warning,
    /// the values are still read.
    /// </summary>
    public bool LastTailDiffers { get; init; }

    /// <summary>The dialect whose layout decoded the answer (<see cref="Dialects.IBmsDialect.Name"/>).</summary>
    public required string Protocol { get; init; }

    /// <summary>
    /// The stack's summary when the answer came from a bank master (an EG4 LL v2 master's bank registers): its values are
    /// the stack's, so <see cref="Packs"/> is empty then and the master is never a pack of 0 V.
    /// </summary>
    public StackReading? Stack { get; init; }
}

/// <summary>A value only one dialect sends (EG4's cumulative energy, Seplos' port voltage), named snake_case with its unit.</summary>
public readonly record struct DialectValue(string Name, double Value);

/// <summary>
/// A value the plausibility pass removed from a reading (<see cref="Plausibility"/>): <see cref="Field"/> is the
/// JSON key it would have had (the <c>field</c> label of <c>pace_bms_implausible_values_total</c>), <see cref="Detail"/>
/// says which value and why, for a debug log line.
/// </summary>
public readonly record struct ImplausibleValue(string Field, string Detail);

/// <summary>The optional bytes after design capacity (PROTOCOL.md 10.4), interpreted by their length.</summary>
/// <param name="LengthBytes">0, 1, 14, 22 or another length (then only <see cref="AnalogPack.TailHex"/> is set).</param>
/// <param name="CumulativeChargeHex">
/// The 4 bytes documented as cumulative charge, as uppercase hex: every capture repeats the design capacity there, so
/// they are a placeholder and never a physical value.
/// </param>
/// <param name="CumulativeDischargeHex">The same for cumulative discharge.</param>
public sealed record AnalogTail(
    int LengthBytes,
    double? StateOfChargeRatio,
    string? CumulativeChargeHex,
    string? CumulativeDischargeHex,
    double? StateOfHealthRatio,
    double? IndependentVoltageVolts,
    double? IndependentCurrentAmperes,
    double? SummaryRemainingAmpHours,
    double? SummaryFullAmpHours);

/// <summary>One pack of a 0x42 answer, in SI units.</summary>
public sealed record AnalogPack
{
    /// <summary>1-based: the position in an all-packs answer, or the pack number that was asked for (an echo of 0 is 1).</summary>
    public required int Pack { get; init; }

    /// <summary>An all-zero block: a slave that did not report (PROTOCOL.md 8.4). Its ratios are null.</summary>
    public required bool Offline { get; init; }

    public required ImmutableArray<double> CellVoltagesVolts { get; init; }

    public required ImmutableArray<double> TemperaturesCelsius { get; init; }

    /// <summary>Positive while charging.</summary>
    public required double CurrentAmperes { get; init; }

    public required double VoltageVolts { get; init; }

    public required double RemainingAmpHours { get; init; }

    public required double FullAmpHours { get; init; }

    /// <summary>Null when the dialect sends no design capacity (EG4, Pylontech).</summary>
    public required double? DesignAmpHours { get; init; }

    public required int CycleCount { get; init; }

    /// <summary>The "user-defined count" P as sent; it does not describe the layout.</summary>
    public required int UserDefinedP { get; init; }

    /// <summary>The extra bytes after design capacity as uppercase hex ("" when none).</summary>
    public required string TailHex { get; init; }

    /// <summary>The tail interpreted by its length; null when the block has no extra bytes.</summary>
    public required AnalogTail? Tail { get; init; }

    /// <summary>The tail's SOC byte when sent, else remaining / full; null for an offline pack or a zero full capacity.</summary>
    public required double? StateOfChargeRatio { get; init; }

    /// <summary>The 14/22-byte tail's SOH byte when sent, else full / design, not clamped; null when not computable.</summary>
    public required double? StateOfHealthRatio { get; init; }

    public required double? StateOfChargeCalculatedRatio { get; init; }

    public required double? StateOfHealthCalculatedRatio { get; init; }

    /// <summary>Values only this dialect sends, in wire order (empty for PACE, whose extras are in <see cref="Tail"/>).</summary>
    public ImmutableArray<DialectValue> DialectValues { get; init; } = [];

    /// <summary>Values the plausibility pass removed (now NaN or null above); empty when every value was plausible.</summary>
    public ImmutableArray<ImplausibleValue> Implausible { get; init; } = [];

    /// <summary>Sensor roles per index when the dialect orders its sensors differently from PACE; default = PACE's rule.</summary>
    public ImmutableArray<TemperatureRole> TemperatureRoles { get; init; }

    public int CellCount => CellVoltagesVolts.Length;

    public int TemperatureCount => TemperaturesCelsius.Length;

    public double PowerWatts => Resolution.Power(VoltageVolts, CurrentAmperes);

    public double CellMinVolts => CellVoltagesVolts.IsDefaultOrEmpty ? 0 : CellVoltagesVolts.Min();

    public double CellMaxVolts => CellVoltagesVolts.IsDefaultOrEmpty ? 0 : CellVoltagesVolts.Max();

    /// <summary>Rounded to the wire resolution (1 mV) so the difference of two readings carries no binary noise.</summary>
    public double CellDeltaVolts => Math.Round(CellMaxVolts - CellMinVolts, 3);

    /// <summary>What sensor <paramref name="index"/> (0-based) measures: with 6 sensors PACE puts cells on 1-4, MOSFET on 5, environment on 6.</summary>
    public TemperatureRole RoleOfSensor(int index) =>
        TemperatureRoles.IsDefault ? Readings.TemperatureRoles.Of(index, TemperatureCount)
        : index >= 0 && index < TemperatureRoles.Length ? TemperatureRoles[index] : TemperatureRole.Unknown;
}

public enum TemperatureRole
{
    Unknown,
    Cell,
    Mosfet,
    Environment,
}

public static class TemperatureRoles
{
    public static TemperatureRole Of(int index, int count) => count != 6 ? TemperatureRole.Unknown : index switch
    {
        < 4 => TemperatureRole.Cell,
        4 => TemperatureRole.Mosfet,
        _ => TemperatureRole.Environment,
    };

    public static string ToLabel(this TemperatureRole role) => role switch
    {
        TemperatureRole.Cell => "cell",
        TemperatureRole.Mosfet => "mosfet",
        TemperatureRole.Environment => "environment",
        _ => "unknown",
    };
}
