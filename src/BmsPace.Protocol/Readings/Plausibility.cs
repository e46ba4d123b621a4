using System.Collections.Immutable;
using System.Globalization;

namespace BmsPace.Protocol.Readings;

/// <summary>
/// The plausibility pass over a decoded analog pack (issue 15): a value that cannot be physical is removed, never
/// exported, and listed in <see cref="AnalogPack.Implausible"/> so the poller can count it
/// (<c>pace_bms_implausible_values_total{battery,field}</c>) and log it with the frame. Every dialect's reading
/// goes through the same pass after its own units were applied.
/// </summary>
/// <remarks>
/// A frame whose structure does not fit (counts, lengths, cell voltages) never gets here: the layouts refuse it with
/// the <c>decode</c> reason. This pass only judges single values of a frame that fits.
/// </remarks>
public static class Plausibility
{
    /// <summary>
    /// Highest cell voltage any lithium cell reads (mV); a higher value refuses the frame as <c>decode</c>. A cell below
    /// 1 V (down to 0) is kept: that is what an open sense wire or a dead cell reads (<see cref="OpenCellVolts"/>).
    /// </summary>
    public const int MaxCellMillivolts = 5000;

    /// <summary>A cell below this voltage is a sense wire open or a dead cell (the alert rule BmsCellSenseOpenOrDead).</summary>
    public const double OpenCellVolts = 1.0;

    /// <summary>
    /// Lowest temperature a pack can report and still be believed (C); -50.0 C is also what the 0x20 family's boards
    /// (Seplos, EG4, Pylontech) report for an open probe, so a probe at exactly this value is exported and alerted on.
    /// </summary>
    public const double MinCelsius = -50;

    /// <summary>Highest temperature a pack can report and still be believed (C).</summary>
    public const double MaxCelsius = 150;

    /// <summary>
    /// How far remaining may exceed full before SOC is impossible: the larger of one wire unit (10 mAh) and 0.5 %
    /// of full, so a pack that rounds to 100 % keeps its SOC.
    /// </summary>
    public const double RemainingOverFullTolerance = 0.005;

    /// <summary>A reported SOC above this ratio is impossible (100 % plus rounding).</summary>
    public const double MaxStateOfChargeRatio = 1.005;

    /// <summary>A state of health above this ratio (full capacity twice the design) is impossible.</summary>
    public const double MaxStateOfHealthRatio = 2.0;

    /// <summary>FFFF in a 16-bit capacity of 10 mAh (PACE, EG4, Seplos): a placeholder, never a capacity.</summary>
    public const double PlaceholderTenMilliampHours = 655.35;

    /// <summary>FFFF in a 16-bit capacity of 1 mAh (Pylontech): a placeholder too.</summary>
    public const double PlaceholderMilliampHours = 65.535;

    public const string TemperatureField = "temperatures_celsius";
    public const string StateOfChargeField = "state_of_charge_ratio";
    public const string StateOfHealthField = "state_of_health_ratio";
    public const string StateOfChargeCalculatedField = "state_of_charge_calculated_ratio";
    public const string StateOfHealthCalculatedField = "state_of_health_calculated_ratio";

    /// <summary>The pack with every implausible value removed (temperatures NaN, ratios null) and listed.</summary>
    public static AnalogPack Check(AnalogPack pack) => Check(pack, [PlaceholderTenMilliampHours]);

    /// <summary>As <see cref="Check(AnalogPack)"/>, with the FFFF placeholder capacities of the dialect's units.</summary>
    public static AnalogPack Check(AnalogPack pack, ImmutableArray<double> placeholderAmpHours)
    {
        ArgumentNullException.ThrowIfNull(pack);
        var dropped = ImmutableArray.CreateBuilder<ImplausibleValue>();
        var temperatures = pack.TemperaturesCelsius;
        for (int i = 0; i < temperatures.Length; i++)
        {
            double celsius = temperatures[i];
            if (!double.IsNaN(celsius) && celsius is < MinCelsius or > MaxCelsius)
            {
                dropped.Add(new(TemperatureField, Invariant($"sensor {i + 1}: {celsius} C is outside {MinCelsius}..{MaxCelsius} C")));
                temperatures = temperatures.SetItem(i, double.NaN);
            }
        }

        bool placeholderRemaining = IsPlaceholder(pack.RemainingAmpHours, placeholderAmpHours);
        bool placeholderFull = IsPlaceholder(pack.FullAmpHours, placeholderAmpHours);
        bool remainingAboveFull = pack.RemainingAmpHours - pack.FullAmpHours > Math.Max(0.01, pack.FullAmpHours * RemainingOverFullTolerance);
        string? socNumeratorProblem =
            placeholderRemaining ? Invariant($"remaining capacity {pack.RemainingAmpHours} Ah is the FFFF placeholder")
            : placeholderFull ? Invariant($"full capacity {pack.FullAmpHours} Ah is the FFFF placeholder")
            : remainingAboveFull ? Invariant($"remaining capacity {pack.RemainingAmpHours} Ah is above full capacity {pack.FullAmpHours} Ah")
            : null;
        string? sohNumeratorProblem = placeholderFull ? Invariant($"full capacity {pack.FullAmpHours} Ah is the FFFF placeholder") : null;

        double? socCalculated = Judge(pack.StateOfChargeCalculatedRatio, StateOfChargeCalculatedField, socNumeratorProblem, MaxStateOfChargeRatio, dropped);
        double? sohCalculated = Judge(pack.StateOfHealthCalculatedRatio, StateOfHealthCalculatedField, sohNumeratorProblem, MaxStateOfHealthRatio, dropped);

        // The published SOC/SOH is either the computed ratio (then it shares its numerator) or a value the BMS sent.
        bool socIsComputed = pack.StateOfChargeRatio is { } soc && pack.StateOfChargeCalculatedRatio is { } socCalc && soc.Equals(socCalc);
        bool sohIsComputed = pack.StateOfHealthRatio is { } soh && pack.StateOfHealthCalculatedRatio is { } sohCalc && soh.Equals(sohCalc);
        double? stateOfCharge = Judge(pack.StateOfChargeRatio, StateOfChargeField, socIsComputed ? socNumeratorProblem : null, MaxStateOfChargeRatio, dropped);
        double? stateOfHealth = Judge(pack.StateOfHealthRatio, StateOfHealthField, sohIsComputed ? sohNumeratorProblem : null, MaxStateOfHealthRatio, dropped);

        if (dropped.Count == 0)
        {
            return pack;
        }

        return pack with
        {
            TemperaturesCelsius = temperatures,
            StateOfChargeRatio = stateOfCharge,
            StateOfHealthRatio = stateOfHealth,
            StateOfChargeCalculatedRatio = socCalculated,
            StateOfHealthCalculatedRatio = sohCalculated,
            Implausible = pack.Implausible.AddRange(dropped),
        };
    }

    private static double? Judge(double? ratio, string field, string? numeratorProblem, double max, ImmutableArray<ImplausibleValue>.Builder dropped)
    {
        if (ratio is not { } value)
        {
            return null;
        }

        if (numeratorProblem is not null)
        {
            dropped.Add(new(field, Invariant($"{value} dropped: {numeratorProblem}")));
            return null;
        }

        if (value < 0 || value > max || !double.IsFinite(value))
        {
            dropped.Add(new(field, Invariant($"{value} is outside 0..{max}")));
            return null;
        }

        return value;
    }

    private static bool IsPlaceholder(double ampHours, ImmutableArray<double> placeholders) =>
        placeholders.Any(placeholder => Math.Abs(ampHours - placeholder) < 0.0005);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
