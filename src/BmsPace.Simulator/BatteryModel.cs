using System.Collections.Immutable;

namespace BmsPace.Simulator;

/// <summary>
/// The evolving state of a simulated LiFePO4 stack on a home system with solar panels, through a day of model time: a
/// small load around the clock and a larger one in the evening, solar charging from 08:00 to 17:00. Like an inverter
/// with a reserve, the packs charge to about 95 % (the current tapers from 89 %, as under constant voltage) and
/// discharge to about 35 % (the load is cut back from 40 %), so the state of charge stays in that band and no low-charge
/// alarm fires. Each pack follows with its own capacity, current share, cell spread and temperatures.
/// </summary>
/// <remarks>
/// The model moves in fixed steps of <see cref="StepSeconds"/> and draws the same random numbers in every step, so
/// its state depends only on the seed and on how much model time has passed, not on when it was looked at.
/// Not thread-safe: <see cref="SimulatedBms"/> serialises access.
/// </remarks>
internal sealed class BatteryModel
{
    /// <summary>The model's clock reads 07:00 at the start: the night's load, then the sun.</summary>
    private const double StartHourOfDay = 7;

    /// <summary>Charging tapers to nothing here.</summary>
    public const double HighestStateOfCharge = 0.95;

    /// <summary>Discharging is cut back to nothing here.</summary>
    public const double LowestStateOfCharge = 0.35;

    private const double StepSeconds = 10;

    private static readonly (double Soc, double Volts)[] OpenCircuitCurve =
    [
        (0.00, 2.90), (0.05, 3.15), (0.10, 3.22), (0.30, 3.270), (0.60, 3.300), (0.90, 3.330), (0.97, 3.360), (1.00, 3.450),
    ];

    /// <summary>A typical cell's internal resistance, as volts per ampere of pack current.</summary>
    private const double CellOhms = 0.0006;

    /// <summary>Solar current per pack at noon on a clear day, amperes.</summary>
    private const double PeakSolarAmperes = 28;

    /// <summary>The load around the clock, amperes per pack.</summary>
    private const double BaseLoadAmperes = 3;

    private readonly Random _random;
    private readonly SimulatedBmsOptions _options;
    private double _loadWander;
    private double _modelSeconds;
    private double _pendingSeconds;

    public BatteryModel(SimulatedBmsOptions options)
    {
        _options = options;
        _random = new Random(options.Seed);
        Packs = [.. Enumerable.Range(1, options.Packs).Select(CreatePack)];
        SetCurrents();
        foreach (var pack in Packs)
        {
            UpdateCells(pack);
        }
    }

    public IReadOnlyList<PackState> Packs { get; }

    /// <summary>Hour of the model's day, 0 to 24.</summary>
    private double HourOfDay => (StartHourOfDay + (_modelSeconds / 3600)) % 24;

    public bool IsCharging => Packs.Average(p => p.CurrentAmperes) > 0.3;

    public bool IsDischarging => Packs.Average(p => p.CurrentAmperes) < -0.3;

    /// <summary>Every pack as the BMS measures it right now (cells read to the millivolt decide which cells balance).</summary>
    public ImmutableArray<PackSample> Sample() => [.. Packs.Select(SamplePack)];

    /// <summary>
    /// Moves the model forward by <paramref name="seconds"/> of model time in whole steps; what is left of a step waits
    /// for the next call.
    /// </summary>
    public void Advance(double seconds)
    {
        _pendingSeconds += Math.Max(0, seconds);
        while (_pendingSeconds >= StepSeconds)
        {
            _pendingSeconds -= StepSeconds;
            Step(StepSeconds);
            foreach (var pack in Packs)
            {
                UpdateCells(pack);
            }
        }
    }

    private PackSample SamplePack(PackState pack)
    {
        // The highest cells bleed while the stack charges near full (balance start 3.34 V, delta 3 mV).
        int[] cellsMv = [.. pack.CellVoltagesVolts.Select(v => (int)Math.Round(v * 1000, MidpointRounding.AwayFromZero))];
        var balancing = ImmutableArray.CreateBuilder<int>();
        if (IsCharging && cellsMv.Length > 0 && cellsMv.Max() >= 3340)
        {
            int max = cellsMv.Max();
            for (int cell = 0; cell < Math.Min(16, cellsMv.Length); cell++)
            {
                if (cellsMv[cell] >= max - 3)
                {
                    balancing.Add(cell + 1);
                }
            }
        }

        return new PackSample
        {
            Number = pack.Number,
            CellVoltagesVolts = [.. pack.CellVoltagesVolts],
            TemperaturesCelsius = [.. pack.TemperaturesCelsius],
            CurrentAmperes = pack.CurrentAmperes,
            RemainingAmpHours = pack.RemainingAmpHours,
            FullAmpHours = pack.FullAmpHours,
            DesignAmpHours = pack.DesignAmpHours,
            CycleCount = pack.CycleCount,
            Charging = IsCharging,
            Discharging = IsDischarging,
            BalancingCells = balancing.ToImmutable(),
            EveryFlagRaised = _options.EveryFlagRaised,
        };
    }

    private PackState CreatePack(int number)
    {
        double design = _options.DesignAmpHours;
        var pack = new PackState
        {
            Number = number,
            DesignAmpHours = design,
            FullAmpHours = design * (0.97 + (_random.NextDouble() * 0.08)),
            CycleCount = 20 + _random.Next(400),
            CurrentShare = 0.95 + (_random.NextDouble() * 0.1),
            CellOffsetsVolts = [.. Enumerable.Range(0, _options.Cells).Select(_ => (_random.NextDouble() - 0.5) * 0.012)],
            TemperaturesCelsius = [.. Enumerable.Range(0, _options.Temperatures).Select(_ => 21 + (_random.NextDouble() * 3))],
            CellVoltagesVolts = new double[_options.Cells],
        };
        pack.RemainingAmpHours = pack.FullAmpHours * (0.55 + (_random.NextDouble() * 0.1));
        return pack;
    }

    private void Step(double seconds)
    {
        _modelSeconds += seconds;
        _loadWander = Math.Clamp(_loadWander + ((_random.NextDouble() - 0.5) * 0.2), -1, 1);
        SetCurrents();
        double hour = HourOfDay;
        double ambient = 21 + (3 * Math.Sin(2 * Math.PI * (hour - 9) / 24));
        foreach (var pack in Packs)
        {
            double before = pack.RemainingAmpHours;
            pack.RemainingAmpHours = Math.Clamp(before + (pack.CurrentAmperes * seconds / 3600), 0, pack.FullAmpHours);
            if (pack.CurrentAmperes < 0)
            {
                pack.DischargedSinceCycleAmpHours += before - pack.RemainingAmpHours;
                if (pack.DischargedSinceCycleAmpHours >= pack.FullAmpHours)
                {
                    pack.DischargedSinceCycleAmpHours -= pack.FullAmpHours;
                    pack.CycleCount++;
                }
            }

            for (int i = 0; i < pack.TemperaturesCelsius.Length; i++)
            {
                // Sensors follow the room and warm with current; the MOSFET sensor (5th of 6) runs hotter, the
                // environment sensor (6th of 6) reads the room only.
                bool environment = pack.TemperaturesCelsius.Length == 6 && i == 5;
                double rise = environment ? 0 : Math.Abs(pack.CurrentAmperes) * (i == 4 ? 0.25 : 0.12);
                double target = ambient + rise + (pack.Number * 0.3);
                pack.TemperaturesCelsius[i] += ((target - pack.TemperaturesCelsius[i]) * Math.Min(1, seconds / 600)) + ((_random.NextDouble() - 0.5) * 0.04);
            }
        }
    }

    /// <summary>
    /// What the inverter asks of the stack at this hour (solar minus load), shared by the packs and limited by each
    /// pack's own state of charge: the charge tapers towards <see cref="HighestStateOfCharge"/>, the discharge towards
    /// <see cref="LowestStateOfCharge"/>.
    /// </summary>
    private void SetCurrents()
    {
        double hour = HourOfDay;
        double solar = hour is > 8 and < 17 ? PeakSolarAmperes * Math.Sin(Math.PI * (hour - 8) / 9) : 0;
        double load = BaseLoadAmperes + Bump(hour, 6, 8, 2) + Bump(hour, 18, 22, 4) + _loadWander;
        double net = solar - load;
        foreach (var pack in Packs)
        {
            double limit = net > 0
                ? Math.Clamp((HighestStateOfCharge - pack.StateOfCharge) / 0.06, 0, 1)
                : Math.Clamp((pack.StateOfCharge - LowestStateOfCharge) / 0.05, 0, 1);
            pack.CurrentAmperes = net * pack.CurrentShare * limit;
        }
    }

    /// <summary>A half sine of <paramref name="height"/> between two hours of the day, 0 outside them.</summary>
    private static double Bump(double hour, double from, double to, double height) =>
        hour > from && hour < to ? height * Math.Sin(Math.PI * (hour - from) / (to - from)) : 0;

    private void UpdateCells(PackState pack)
    {
        double ocv = OpenCircuit(pack.StateOfCharge);
        for (int i = 0; i < pack.CellVoltagesVolts.Length; i++)
        {
            // Spread grows at the ends of the curve, as it does on real LFP cells.
            double spreadGain = pack.StateOfCharge > 0.9 ? 2.5 : pack.StateOfCharge < 0.15 ? 2 : 1;
            pack.CellVoltagesVolts[i] = ocv + (pack.CurrentAmperes * CellOhms) + (pack.CellOffsetsVolts[i] * spreadGain) + ((_random.NextDouble() - 0.5) * 0.002);
        }
    }

    private static double OpenCircuit(double soc)
    {
        soc = Math.Clamp(soc, 0, 1);
        for (int i = 1; i < OpenCircuitCurve.Length; i++)
        {
            var (s1, v1) = OpenCircuitCurve[i];
            if (soc <= s1)
            {
                var (s0, v0) = OpenCircuitCurve[i - 1];
                return v0 + ((v1 - v0) * (soc - s0) / (s1 - s0));
            }
        }

        return OpenCircuitCurve[^1].Volts;
    }
}

/// <summary>One simulated pack, in SI units (before quantisation to the wire).</summary>
internal sealed class PackState
{
    public required int Number { get; init; }

    public required double DesignAmpHours { get; init; }

    public required double FullAmpHours { get; init; }

    public double RemainingAmpHours { get; set; }

    public required int CycleCount { get; set; }

    public double DischargedSinceCycleAmpHours { get; set; }

    public required double CurrentShare { get; init; }

    public double CurrentAmperes { get; set; }

    public required double[] CellOffsetsVolts { get; init; }

    public required double[] CellVoltagesVolts { get; init; }

    public required double[] TemperaturesCelsius { get; init; }

    public double StateOfCharge => FullAmpHours <= 0 ? 0 : RemainingAmpHours / FullAmpHours;
}
