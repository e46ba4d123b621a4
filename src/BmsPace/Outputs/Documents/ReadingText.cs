using System.Globalization;
using BmsPace.Protocol.Dialects;
using BmsPace.Protocol.Readings;

namespace BmsPace.Outputs.Documents;

/// <summary>Readable renderings of decoded packs (for <c>decode</c> and <c>once</c> without <c>--json</c>).</summary>
public static class ReadingText
{
    public static void WriteAnalogPack(TextWriter output, AnalogPack pack)
    {
        output.WriteLine(Invariant($"pack {pack.Pack}{(pack.Offline ? " (offline: all-zero block)" : "")}"));
        output.WriteLine(Invariant($"  cells ({pack.CellCount}): {Join(pack.CellVoltagesVolts, "0.000")} V"));
        if (pack.CellCount > 0)
        {
            output.WriteLine(Invariant($"  cell min {pack.CellMinVolts:0.000} V, max {pack.CellMaxVolts:0.000} V, delta {pack.CellDeltaVolts * 1000:0} mV"));
        }

        output.WriteLine(Invariant($"  temperatures ({pack.TemperatureCount}): {Join(pack.TemperaturesCelsius, "0.0")} °C"));
        output.WriteLine(Invariant($"  current {pack.CurrentAmperes:0.00} A, voltage {pack.VoltageVolts:0.000} V, power {pack.PowerWatts:0.0} W"));
        output.WriteLine(Invariant($"  capacity remaining {pack.RemainingAmpHours:0.00} Ah, full {pack.FullAmpHours:0.00} Ah, design {(pack.DesignAmpHours is { } design ? Invariant($"{design:0.00} Ah") : "not sent")}, cycles {pack.CycleCount}"));
        output.WriteLine(Invariant($"  SOC {Percent(pack.StateOfChargeRatio)} (calculated {Percent(pack.StateOfChargeCalculatedRatio)}), SOH {Percent(pack.StateOfHealthRatio)} (calculated {Percent(pack.StateOfHealthCalculatedRatio)})"));
        foreach (var value in pack.DialectValues)
        {
            output.WriteLine(Invariant($"  {value.Name.Replace('_', ' ')} {value.Value}"));
        }

        foreach (var dropped in pack.Implausible)
        {
            output.WriteLine($"  implausible, not exported: {dropped.Field}: {dropped.Detail}");
        }

        output.WriteLine(Invariant($"  user-defined P {pack.UserDefinedP}, tail {(pack.TailHex.Length == 0 ? "none" : $"{pack.TailHex.Length / 2} bytes {pack.TailHex}")}"));
    }

    /// <summary>One alarm pack, its status bytes as <paramref name="dialect"/> groups them.</summary>
    public static void WriteAlarmPack(TextWriter output, AlarmPack pack, IBmsDialect dialect)
    {
        output.WriteLine(Invariant($"pack {pack.Pack}"));
        output.WriteLine(Invariant($"  cell warnings ({pack.CellCount}): {string.Join(' ', pack.CellWarnings.Select(b => b.ToString("X2", CultureInfo.InvariantCulture)))}"));
        output.WriteLine(Invariant($"  temperature warnings ({pack.TemperatureCount}): {string.Join(' ', pack.TemperatureWarnings.Select(b => b.ToString("X2", CultureInfo.InvariantCulture)))}"));
        foreach (var line in dialect.DescribeStatus(pack))
        {
            output.WriteLine("  " + line);
        }

        output.WriteLine(Invariant($"  balancing cells: {(pack.BalancingCells.IsEmpty ? "none" : string.Join(", ", pack.BalancingCells))}"));
        foreach (var family in new[] { FlagFamily.Protection, FlagFamily.Warning, FlagFamily.Fault, FlagFamily.Status })
        {
            var active = pack.ActiveFlags(family);
            output.WriteLine(Invariant($"  {family.ToLabel()}: {(active.IsEmpty ? "none" : string.Join(", ", active))}"));
        }

        output.WriteLine(Invariant($"  tail {(pack.TailHex.Length == 0 ? "none" : pack.TailHex)}"));
    }

    private static string Join(IEnumerable<double> values, string format) =>
        string.Join(' ', values.Select(v => double.IsNaN(v) ? "absent" : v.ToString(format, CultureInfo.InvariantCulture)));

    private static string Percent(double? ratio) =>
        ratio is { } value ? (value * 100).ToString("0.##", CultureInfo.InvariantCulture) + " %" : "n/a";

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
