using System.Globalization;
using System.Text;
using BmsPace.Polling;
using BmsPace.Protocol.Readings;

namespace BmsPace.Sinks.Console;

/// <summary>Compact one-line summaries of packs, plain text (no colour codes) so they read well in <c>docker logs</c> and journald.</summary>
public static class PackSummary
{
    public static string Line(string battery, PackState pack)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{battery} pack {pack.Pack}: ");
        if (!pack.Fresh || pack.Analog is not { } analog)
        {
            text.Append("stale (no good answer for several cycles)");
            if (pack.LastSuccess is { } last)
            {
                text.Append(CultureInfo.InvariantCulture, $", last seen {last:u}");
            }

            return text.ToString();
        }

        text.Append(CultureInfo.InvariantCulture, $"{analog.VoltageVolts:0.00} V {analog.CurrentAmperes:+0.00;-0.00;0.00} A {analog.PowerWatts:+0;-0;0} W");
        text.Append(CultureInfo.InvariantCulture, $" | SOC {Percent(analog.StateOfChargeRatio)} SOH {Percent(analog.StateOfHealthRatio)}");
        if (analog.CellCount > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $" | cells {analog.CellMinVolts:0.000}-{analog.CellMaxVolts:0.000} V (delta {analog.CellDeltaVolts * 1000:0} mV)");
        }

        if (analog.TemperatureCount > 0)
        {
            text.Append(" | temps ");
            text.AppendJoin(' ', analog.TemperaturesCelsius.Select(t => double.IsNaN(t) ? "n/a" : t.ToString("0.0", CultureInfo.InvariantCulture)));
            text.Append(" C");
        }

        if (pack.Alarm is { } alarm)
        {
            AppendList(text, "PROTECTION", alarm.ActiveFlags(FlagFamily.Protection));
            AppendList(text, "FAULT", alarm.ActiveFlags(FlagFamily.Fault));
            AppendList(text, "warning", alarm.ActiveFlags(FlagFamily.Warning).Concat(CellWarnings(alarm)));
            AppendList(text, "balancing", alarm.BalancingCells.Select(c => c.ToString(CultureInfo.InvariantCulture)));
        }

        return text.ToString();
    }

    /// <summary>The battery-level line: link state and what the cycle cost.</summary>
    public static string BatteryLine(BatterySnapshot snapshot)
    {
        string state = snapshot.Up ? "up" : "DOWN (no analog data this cycle)";
        return string.Create(
            CultureInfo.InvariantCulture,
            $"{snapshot.Battery}: {state}, packs {snapshot.PacksDecoded} decoded / {snapshot.PacksReported} reported, cycle {snapshot.Duration.TotalMilliseconds:0} ms");
    }

    private static IEnumerable<string> CellWarnings(AlarmPack alarm)
    {
        for (int i = 0; i < alarm.CellWarnings.Length; i++)
        {
            foreach (var flag in WarningCodes.FlagNames.Where(f => WarningCodes.IsSet(alarm.CellWarnings[i], f)))
            {
                yield return string.Create(CultureInfo.InvariantCulture, $"cell{i + 1}_{flag}");
            }
        }

        for (int i = 0; i < alarm.TemperatureWarnings.Length; i++)
        {
            foreach (var flag in WarningCodes.FlagNames.Where(f => WarningCodes.IsSet(alarm.TemperatureWarnings[i], f)))
            {
                yield return string.Create(CultureInfo.InvariantCulture, $"sensor{i + 1}_{flag}");
            }
        }
    }

    private static void AppendList(StringBuilder text, string title, IEnumerable<string> items)
    {
        var list = items.ToList();
        if (list.Count > 0)
        {
            text.Append(" | ").Append(title).Append(": ").AppendJoin(',', list);
        }
    }

    private static string Percent(double? ratio) =>
        ratio is { } value ? (value * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%" : "n/a";
}
