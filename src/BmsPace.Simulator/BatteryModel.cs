using System.Collections.Immutable;

namespace BmsPace.Simulator;

/// <summary>
/// The evolving state of a simulated LiFePO4 stack: it charges to about 97 %, rests, discharges to about 20 %, rests,
/// and starts over. Each pack follows with its own capacity, current share, cell spread and temperatures.
/// </summary>
/// <remarks>Not thread-safe: <see cref="SimulatedBms"/> serialises access.</remarks>
internal sealed class BatteryModel
{
    private static readonly (double Soc, double Volts)[] OpenCircuitCurve =
    [
        (0.00, 2.90), (0.05, 3.15), (0.10, 3.22), (0.30, 3.270), (0.60, 3.300), (0.90, 3.330), (0.97, 3.360), (1.00, 3.450),
    ];

    /// <summary>A typical cell's internal resistance, as volts per ampere of pack current.</summary>
    private const double CellOhms = 0.0006;

    private readonly Random _random;
    private readonly SimulatedBmsOptions _options;
    private Phase _phase = Phase.Discharging;
    private double _phaseSecondsLeft;
    private double _stackCurrent = -12;
    private double _modelSeconds;

    public BatteryModel(SimulatedBmsOptions options)
    {
        _options = options;
        _random = new Random(options.Seed);
        Packs = [.. Enumerable.Range(1, options.Packs).Select(CreatePack)];
    }

    private enum Phase
    {
        Charging,
        RestingFull,
        Discharging,
        RestingEmpty,
    }

    public IReadOnlyList<PackState> Packs { get; }

    public bool IsCharging => _phase == Phase.Charging;

    public bool IsDischarging => _phase == Phase.Discharging;

    /// <summary>Every pack as the BMS measures it right now (cells read to the millivolt decide which cells balance).</summary>
    public ImmutableArray<PackSample> Sample() => [.. Packs.Select(SamplePack)];

    /// <summary>Moves the model forward by <paramref name="seconds"/> of simulated time, in steps of at most 10 s.</summary>
    public void Advance(double seconds)
    {
        while (seconds > 0)
        {
            double step = Math.Min(seconds, 10);
            Step(step);
            seconds -= step;
        }

        foreach (var pack in Packs)
        {
            UpdateCells(pack);
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
        UpdateCells(pack);
        return pack;
    }

    private void Step(double seconds)
    {
        _phaseSecondsLeft -= seconds;
        _modelSeconds += seconds;
        double averageSoc = Packs.Average(p => p.StateOfCharge);
        switch (_phase)
        {
            case Phase.Charging when averageSoc >= 0.97:
                Enter(Phase.RestingFull, 600);
                break;
            case Phase.Discharging when averageSoc <= 0.20:
                Enter(Phase.RestingEmpty, 600);
                break;
            case Phase.RestingFull when _phaseSecondsLeft <= 0:
                Enter(Phase.Discharging, 0);
                break;
            case Phase.RestingEmpty when _phaseSecondsLeft <= 0:
                Enter(Phase.Charging, 0);
                break;
        }

        // The load wanders slowly; charging tapers off near full like a CC/CV charger.
        double target = _phase switch
        {
            Phase.Charging => 30 * Math.Clamp((1 - averageSoc) * 8, 0.15, 1),
            Phase.Discharging => -(10 + (8 * Math.Sin(_modelSeconds / 900)) + (_random.NextDouble() * 6)),
            _ => 0,
        };
        _stackCurrent += (target - _stackCurrent) * Math.Min(1, seconds / 30) + ((_random.NextDouble() - 0.5) * 0.2);
        if (_phase is Phase.RestingFull or Phase.RestingEmpty && Math.Abs(_stackCurrent) < 0.3)
        {
            _stackCurrent = 0;
        }

        foreach (var pack in Packs)
        {
            pack.CurrentAmperes = _stackCurrent * pack.CurrentShare;
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
                // Sensors warm with current; the MOSFET sensor (5th of 6) runs hotter, the environment sensor not at all.
                double rise = pack.TemperaturesCelsius.Length == 6 && i == 5 ? 0 : Math.Abs(pack.CurrentAmperes) * (i == 4 ? 0.25 : 0.12);
                double target22 = 22 + rise + (pack.Number * 0.3);
                pack.TemperaturesCelsius[i] += ((target22 - pack.TemperaturesCelsius[i]) * Math.Min(1, seconds / 600)) + ((_random.NextDouble() - 0.5) * 0.04);
            }
        }
    }

    private void Enter(Phase phase, double seconds)
    {
        _phase = phase;
        _phaseSecondsLeft = seconds;
    }

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
