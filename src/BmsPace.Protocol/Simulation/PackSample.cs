namespace BmsPace.Protocol.Simulation;

/// <summary>
/// One simulated pack as its BMS measures it at one moment, in SI units and dialect-neutral terms. Each dialect's
/// encoder puts it on the wire in its own units and bit tables.
/// </summary>
public sealed record PackSample
{
    /// <summary>1-based pack number.</summary>
    public required int Number { get; init; }

    public required ImmutableArray<double> CellVoltagesVolts { get; init; }

    public required ImmutableArray<double> TemperaturesCelsius { get; init; }

    /// <summary>Positive while charging.</summary>
    public required double CurrentAmperes { get; init; }

    public required double RemainingAmpHours { get; init; }

    public required double FullAmpHours { get; init; }

    public required double DesignAmpHours { get; init; }

    public required int CycleCount { get; init; }

    /// <summary>The stack is in its charging phase.</summary>
    public bool Charging { get; init; }

    /// <summary>The stack is in its discharging phase.</summary>
    public bool Discharging { get; init; }

    /// <summary>1-based numbers of the cells the BMS is bleeding right now.</summary>
    public ImmutableArray<int> BalancingCells { get; init; } = [];

    /// <summary>Every alarm and status bit is to be sent set (<c>simulate --every-flag</c>).</summary>
    public bool EveryFlagRaised { get; init; }

    /// <summary>An alarm or status byte (or word of <paramref name="bits"/> bits): <paramref name="modelled"/>, or every bit set when <see cref="EveryFlagRaised"/>.</summary>
    public int Flags(int modelled, int bits = 8) => EveryFlagRaised ? (1 << bits) - 1 : modelled;

    /// <summary>Remaining / full, 0 when full is 0.</summary>
    public double StateOfCharge => FullAmpHours <= 0 ? 0 : RemainingAmpHours / FullAmpHours;

    /// <summary>Full / design in units of 1/<paramref name="fullScale"/> (100 for %, 1000 for per mille), at most full scale.</summary>
    public int StateOfHealthIn(int fullScale) =>
        Math.Min(fullScale, (int)Math.Round(fullScale * FullAmpHours / DesignAmpHours, MidpointRounding.AwayFromZero));

    /// <summary>Each cell's voltage as the BMS measures it, in whole mV.</summary>
    public ImmutableArray<int> CellMillivolts => [.. CellVoltagesVolts.Select(volts => (int)Math.Round(volts * 1000, MidpointRounding.AwayFromZero))];

    /// <summary>The pack voltage in mV as the BMS adds its cells up.</summary>
    public int PackMillivolts => CellMillivolts.Sum();

    /// <summary>The balancing cells as a bit field, bit 0 = cell 1.</summary>
    public int BalancingBits => BalancingCells.Aggregate(0, (bits, cell) => bits | (1 << (cell - 1)));
}
