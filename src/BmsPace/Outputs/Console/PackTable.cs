using System.Globalization;
using System.Text;
using BmsPace.Polling;
using BmsPace.Protocol.Readings;

namespace BmsPace.Outputs.Console;

/// <summary>
/// The full table of <c>bmspace once</c>: one row per field, one column per pack, packs side by side in as many groups
/// as it takes to stay under 100 columns (<see cref="ConsoleLines"/>); then one block per pack for its flags, which do
/// not fit a column.
/// </summary>
public static class PackTable
{
    /// <summary>Continuation lines of a pack's block start under its first value, clear of the next <c>pack N:</c>.</summary>
    private const string BlockIndent = "    ";

    public static string Render(PollCycleResult result)
    {
        var snapshot = result.Snapshot;
        var text = new StringBuilder();
        AppendLines(text, ConsoleLines.Fill(
            string.Create(CultureInfo.InvariantCulture, $"Battery {snapshot.Battery}: "),
            [string.Create(CultureInfo.InvariantCulture, $"{(snapshot.Up ? "answered" : "NO ANALOG ANSWER")}, {snapshot.PacksDecoded} of {snapshot.PacksReported} packs decoded, protocol {snapshot.Protocol ?? "not detected"} (VER {snapshot.ProtocolVersion})")]));
        AppendLines(text, ConsoleLines.Fill("  software version: ", [snapshot.Identity.SoftwareVersion ?? "(not answered)"]));
        AppendLines(text, ConsoleLines.Fill("  BMS serial:       ", [snapshot.Identity.BmsSerial ?? "(not answered)"]));
        AppendLines(text, ConsoleLines.Fill("  pack serial:      ", [snapshot.Identity.PackSerial ?? "(not answered)"]));
        if (!result.AlarmAnswered)
        {
            text.AppendLine("  alarm/status: NO ANSWER");
        }

        if (snapshot.Stack is { } stack)
        {
            AppendLines(text, ConsoleLines.Fill(PackSummary.StackHead, PackSummary.StackSegments(stack.Values)));
        }

        var packs = result.AnalogPacks;
        if (packs.Count == 0)
        {
            return text.ToString();
        }

        var alarms = result.AlarmPacks.ToDictionary(a => a.Pack);
        var rows = Rows(packs);
        int titleWidth = rows.Max(r => r.Title.Length);
        var columns = packs.Select(p => rows.Select(r => r.Value(p, alarms.GetValueOrDefault(p.Pack))).ToList()).ToList();
        var widths = columns.Select((c, i) => Math.Max(c.Max(v => v.Length), Header(packs[i]).Length)).ToList();

        foreach (var group in Groups(widths, titleWidth))
        {
            text.AppendLine();
            text.Append("  ").Append(new string(' ', titleWidth));
            foreach (int i in group)
            {
                text.Append("  ").Append(Header(packs[i]).PadLeft(widths[i]));
            }

            text.AppendLine();
            for (int row = 0; row < rows.Count; row++)
            {
                text.Append("  ").Append(rows[row].Title.PadRight(titleWidth));
                foreach (int i in group)
                {
                    text.Append("  ").Append(columns[i][row].PadLeft(widths[i]));
                }

                text.AppendLine();
            }
        }

        text.AppendLine("  (* = balancing)");
        text.AppendLine();
        var identities = snapshot.Packs.ToDictionary(p => p.Pack, p => p.Identity);
        foreach (var pack in packs)
        {
            string head = string.Create(CultureInfo.InvariantCulture, $"  pack {pack.Pack}: ");
            var identity = PackSummary.IdentitySegments(identities.GetValueOrDefault(pack.Pack) ?? BatteryIdentity.Unknown);
            if (alarms.GetValueOrDefault(pack.Pack) is not { } alarm)
            {
                AppendLines(text, ConsoleLines.Fill(head, [.. identity, "no alarm answer"], BlockIndent));
                continue;
            }

            AppendLines(text, ConsoleLines.Fill(head,
            [
                .. identity,
                "protection " + Flags(alarm, FlagFamily.Protection),
                "warning " + Flags(alarm, FlagFamily.Warning),
                "fault " + Flags(alarm, FlagFamily.Fault),
                alarm.StatusValue("control_state") is { } control ? "control byte 0x" + control.ToString("X2", CultureInfo.InvariantCulture) : "",
                "status " + Flags(alarm, FlagFamily.Status),
            ], BlockIndent));
        }

        return text.ToString();
    }

    private static string Header(AnalogPack pack) => string.Create(CultureInfo.InvariantCulture, $"pack {pack.Pack}");

    private static List<(string Title, Func<AnalogPack, AlarmPack?, string> Value)> Rows(IReadOnlyList<AnalogPack> packs)
    {
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

            // The sensor's role goes in the title when every pack gives it the same one, which keeps the columns narrow.
            var roles = packs.Where(p => index < p.TemperatureCount).Select(p => p.RoleOfSensor(index)).Distinct().ToList();
            bool shared = roles.Count == 1;
            string title = string.Create(CultureInfo.InvariantCulture, $"temp {sensor + 1} C") + (shared ? " " + roles[0].ToLabel() : "");
            rows.Add((title, (a, _) => index < a.TemperatureCount
                ? (double.IsNaN(a.TemperaturesCelsius[index]) ? "absent" : F(a.TemperaturesCelsius[index], "0.0")) + (shared ? "" : " " + a.RoleOfSensor(index).ToLabel())
                : ""));
        }

        rows.Add(("P", (a, _) => a.UserDefinedP.ToString(CultureInfo.InvariantCulture)));
        rows.Add(("tail bytes", (a, _) => (a.TailHex.Length / 2).ToString(CultureInfo.InvariantCulture)));
        return rows;
    }

    /// <summary>Consecutive packs, as many per group as fit in <see cref="ConsoleLines.Width"/> next to the titles (at least one).</summary>
    private static List<List<int>> Groups(List<int> widths, int titleWidth)
    {
        var groups = new List<List<int>>();
        var group = new List<int>();
        int used = 2 + titleWidth;
        for (int i = 0; i < widths.Count; i++)
        {
            if (group.Count > 0 && used + 2 + widths[i] > ConsoleLines.Width)
            {
                groups.Add(group);
                group = [];
                used = 2 + titleWidth;
            }

            group.Add(i);
            used += 2 + widths[i];
        }

        groups.Add(group);
        return groups;
    }

    private static void AppendLines(StringBuilder text, IEnumerable<string> lines)
    {
        foreach (string line in lines)
        {
            text.AppendLine(line);
        }
    }

    private static string Flags(AlarmPack alarm, FlagFamily family) =>
        alarm.ActiveFlags(family) is { Length: > 0 } flags ? string.Join(',', flags) : "-";

    private static string F(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);

    private static string P(double? ratio) => ratio is { } value ? (value * 100).ToString("0.0", CultureInfo.InvariantCulture) : "n/a";
}
