using System.Globalization;
using BmsPace.Polling;
using BmsPace.Protocol.Readings;

namespace BmsPace.Outputs.Console;

/// <summary>
/// Compact summaries of packs, plain text (no colour codes) so they read well in <c>docker logs</c> and journald, and
/// under 100 columns (<see cref="ConsoleLines"/>): measurements first, then capacities and cycles, cells and
/// temperatures, then the flags that are set.
/// </summary>
public static class PackSummary
{
    public static IEnumerable<string> Lines(string battery, PackState pack)
    {
        string head = string.Create(CultureInfo.InvariantCulture, $"{battery} pack {pack.Pack}: ");
        if (!pack.Fresh || pack.Analog is not { } analog)
        {
            string stale = "stale (no good answer for several cycles)";
            if (pack.LastSuccess is { } last)
            {
                stale += string.Create(CultureInfo.InvariantCulture, $", last seen {last:u}");
            }

            return ConsoleLines.Fill(head, [stale]);
        }

        var segments = new List<string>
        {
            string.Create(CultureInfo.InvariantCulture, $"{analog.VoltageVolts:0.00} V {analog.CurrentAmperes:+0.00;-0.00;0.00} A {analog.PowerWatts:+0;-0;0} W"),
            $"SOC {Percent(analog.StateOfChargeRatio)} SOH {Percent(analog.StateOfHealthRatio)}",
            Capacities(analog),
        };
        if (analog.CellCount > 0)
        {
            segments.Add(string.Create(CultureInfo.InvariantCulture, $"cells {analog.CellMinVolts:0.000}-{analog.CellMaxVolts:0.000} V (delta {analog.CellDeltaVolts * 1000:0} mV)"));
        }

        if (analog.TemperatureCount > 0)
        {
            segments.Add("temps " + string.Join(' ', analog.TemperaturesCelsius.Select(t => double.IsNaN(t) ? "n/a" : t.ToString("0.0", CultureInfo.InvariantCulture))) + " C");
        }

        if (pack.Alarm is { } alarm)
        {
            segments.Add(List("PROTECTION", alarm.ActiveFlags(FlagFamily.Protection)));
            segments.Add(List("FAULT", alarm.ActiveFlags(FlagFamily.Fault)));
            segments.Add(List("warning", alarm.ActiveFlags(FlagFamily.Warning).Concat(CellWarnings(alarm))));
            segments.Add(List("balancing", alarm.BalancingCells.Select(c => c.ToString(CultureInfo.InvariantCulture))));
        }

        return ConsoleLines.Fill(head, segments);
    }

    /// <summary>Remaining, full and design capacity (design only where the dialect sends it) and the cycle count.</summary>
    public static string Capacities(AnalogPack analog)
    {
        string design = analog.DesignAmpHours is { } value ? string.Create(CultureInfo.InvariantCulture, $" (design {value:0.00})") : "";
        return string.Create(CultureInfo.InvariantCulture, $"{analog.RemainingAmpHours:0.00} of {analog.FullAmpHours:0.00} Ah{design}, {analog.CycleCount} cycles");
    }

    /// <summary>
    /// The identity lines of a battery or pack: what its BMS answered to the version and serial number commands.
    /// Nothing when it answered none of them.
    /// </summary>
    public static IEnumerable<string> IdentityLines(string who, BatteryIdentity identity)
    {
        var segments = IdentitySegments(identity);
        return segments.Count == 0 ? [] : ConsoleLines.Fill(who + ": ", segments);
    }

    /// <summary>The version and serials that are known, each a segment for <see cref="ConsoleLines.Fill"/>.</summary>
    public static List<string> IdentitySegments(BatteryIdentity identity)
    {
        var segments = new List<string>();
        if (identity.SoftwareVersion is { } version)
        {
            segments.Add("version " + version);
        }

        if (identity.BmsSerial is { } bmsSerial)
        {
            segments.Add("BMS serial " + bmsSerial);
        }

        if (identity.PackSerial is { } packSerial)
        {
            segments.Add("pack serial " + packSerial);
        }

        return segments;
    }

    /// <summary>The head of the stack line: the totals are the bank master's own, not the packs summed.</summary>
    public const string StackHead = "  stack (bank master): ";

    /// <summary>A bank master's totals, what it sends of them: voltage, current, power, SOC, SOH, capacities, pack count.</summary>
    public static List<string> StackSegments(StackReading stack)
    {
        ArgumentNullException.ThrowIfNull(stack);
        var segments = new List<string>();
        void Add(FormattableString text, bool sent)
        {
            if (sent)
            {
                segments.Add(FormattableString.Invariant(text));
            }
        }

        Add($"{stack.VoltageVolts:0.00} V", stack.VoltageVolts is not null);
        Add($"{stack.CurrentAmperes:0.00} A", stack.CurrentAmperes is not null);
        Add($"{stack.PowerWatts:0.0} W", stack.PowerWatts is not null);
        Add($"SOC {Percent(stack.StateOfChargeRatio)}", stack.StateOfChargeRatio is not null);
        Add($"SOH {Percent(stack.StateOfHealthRatio)}", stack.StateOfHealthRatio is not null);
        Add($"remaining {stack.RemainingAmpHours:0.00} Ah", stack.RemainingAmpHours is not null);
        Add($"full {stack.FullAmpHours:0.00} Ah", stack.FullAmpHours is not null);
        Add($"{stack.PackCount} packs", stack.PackCount is not null);
        return segments;
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

    private static string List(string title, IEnumerable<string> items)
    {
        var list = items.ToList();
        return list.Count > 0 ? title + ": " + string.Join(',', list) : "";
    }

    private static string Percent(double? ratio) =>
        ratio is { } value ? (value * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%" : "n/a";
}
