using System.Globalization;
using System.Text;
using BmsPace.Polling;
using BmsPace.Protocol.Readings;

namespace BmsPace.Sinks.Console;

/// <summary>The full table of <c>bmspace once</c>: one row per field, one column per pack.</summary>
public static class PackTable
{
    public static string Render(PollCycleResult result)
    {
        var snapshot = result.Snapshot;
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Battery {snapshot.Battery}: {(snapshot.Up ? "answered" : "NO ANALOG ANSWER")}, {snapshot.PacksDecoded} of {snapshot.PacksReported} packs decoded, protocol {snapshot.Protocol ?? "not detected"} (VER {snapshot.ProtocolVersion})");
        text.AppendLine(CultureInfo.InvariantCulture, $"  software version: {snapshot.Identity.SoftwareVersion ?? "(not answered)"}");
        text.AppendLine(CultureInfo.InvariantCulture, $"  BMS serial:       {snapshot.Identity.BmsSerial ?? "(not answered)"}");
        text.AppendLine(CultureInfo.InvariantCulture, $"  pack serial:      {snapshot.Identity.PackSerial ?? "(not answered)"}");
        if (!result.AlarmAnswered)
        {
            text.AppendLine("  alarm/status: NO ANSWER");
        }

        var packs = result.AnalogPacks;
        if (packs.Count == 0)
        {
            return text.ToString();
        }

        var alarms = result.AlarmPacks.ToDictionary(a => a.Pack);
        var rows = new List<(string Title, Func<AnalogPack, AlarmPack?, string> Value)>
        {
            ("state", (a, _) => a.Offline ? "OFFLINE" : "online"),
            ("voltage V", (a, _) => F(a.VoltageVolts, "0.000")),
            ("current A", (a, _) => F(a.CurrentAmperes, "0.00")),
            ("power W", (a, _) => F(a.PowerWatts, "0.0")),
            ("SOC %", (a, _) => P(a.StateOfChargeRatio)),
            ("SOH %", (a, _) => P(a.StateOfHealthRatio)),
            ("SOC calc %", (a, _) => P(a.StateOfChargeCalculatedRatio)),
            ("SOH calc %", (a, _) => P(a.StateOfHealthCalculatedRatio)),
            ("remaining Ah", (a, _) => F(a.RemainingAmpHours, "0.00")),
            ("full Ah", (a, _) => F(a.FullAmpHours, "0.00")),
            ("design Ah", (a, _) => a.DesignAmpHours is { } design ? F(design, "0.00") : "-"),
            ("cycles", (a, _) => a.CycleCount.ToString(CultureInfo.InvariantCulture)),
            ("cell min V", (a, _) => F(a.CellMinVolts, "0.000")),
            ("cell max V", (a, _) => F(a.CellMaxVolts, "0.000")),
            ("cell delta mV", (a, _) => F(a.CellDeltaVolts * 1000, "0")),
        };
        int maxCells = packs.Max(p => p.CellCount);
        for (int cell = 0; cell < maxCells; cell++)
        {
            int index = cell;
            rows.Add(($"cell {cell + 1} V", (a, alarm) => index < a.CellCount
                ? F(a.CellVoltagesVolts[index], "0.000") + (alarm?.IsCellBalancing(index + 1) == true ? "*" : "")
                : ""));
        }

        int maxTemps = packs.Max(p => p.TemperatureCount);
        for (int sensor = 0; sensor < maxTemps; sensor++)
        {
            int index = sensor;
            rows.Add(($"temp {sensor + 1} C", (a, _) => index < a.TemperatureCount
                ? (double.IsNaN(a.TemperaturesCelsius[index]) ? "absent" : F(a.TemperaturesCelsius[index], "0.0")) + " " + a.RoleOfSensor(index).ToLabel()
                : ""));
        }

        rows.Add(("P", (a, _) => a.UserDefinedP.ToString(CultureInfo.InvariantCulture)));
        rows.Add(("tail bytes", (a, _) => (a.TailHex.Length / 2).ToString(CultureInfo.InvariantCulture)));
        rows.Add(("protection", (_, alarm) => Flags(alarm, FlagFamily.Protection)));
        rows.Add(("warning", (_, alarm) => Flags(alarm, FlagFamily.Warning)));
        rows.Add(("fault", (_, alarm) => Flags(alarm, FlagFamily.Fault)));
        rows.Add(("status", (_, alarm) => Flags(alarm, FlagFamily.Status)));
        rows.Add(("control byte", (_, alarm) => alarm is null ? "" : "0x" + alarm.ControlState.ToString("X2", CultureInfo.InvariantCulture)));

        int titleWidth = rows.Max(r => r.Title.Length);
        var columns = packs.Select(p => rows.Select(r => r.Value(p, alarms.GetValueOrDefault(p.Pack))).ToList()).ToList();
        var widths = columns.Select((c, i) => Math.Max(c.Max(v => v.Length), $"pack {packs[i].Pack}".Length)).ToList();

        text.Append("  ").Append(new string(' ', titleWidth));
        for (int i = 0; i < packs.Count; i++)
        {
            text.Append("  ").Append($"pack {packs[i].Pack}".PadLeft(widths[i]));
        }

        text.AppendLine();
        for (int row = 0; row < rows.Count; row++)
        {
            text.Append("  ").Append(rows[row].Title.PadRight(titleWidth));
            for (int i = 0; i < packs.Count; i++)
            {
                text.Append("  ").Append(columns[i][row].PadLeft(widths[i]));
            }

            text.AppendLine();
        }

        text.AppendLine("  (* = balancing)");
        return text.ToString();
    }

    private static string Flags(AlarmPack? alarm, FlagFamily family) =>
        alarm is null ? "" : alarm.ActiveFlags(family) is { Length: > 0 } flags ? string.Join(',', flags) : "-";

    private static string F(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);

    private static string P(double? ratio) => ratio is { } value ? (value * 100).ToString("0.0", CultureInfo.InvariantCulture) : "n/a";
}
