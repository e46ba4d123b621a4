using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using BmsPace.Configuration;
using BmsPace.Polling;
using BmsPace.Protocol.Readings;
using BmsPace.Simulator;
using BmsPace.Outputs.Console;
using BmsPace.Tests.Polling;
using BmsPace.Tests.Prometheus;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using BmsPace.Protocol.Dialects.Pace;

namespace BmsPace.Tests.Output;

/// <summary>
/// What a user reads on the console: the echo of every cycle of <c>run</c> and the table of <c>once</c>, both made from
/// real poll cycles of the simulator. Every line stays under 100 columns, whatever the pack count.
/// </summary>
public sealed class ConsoleOutputTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 29, 8, 0, 0, TimeSpan.Zero);

    /// <summary>One real poll cycle of the simulator (identity, analog, alarm) through the program's poller.</summary>
    private static async Task<PollCycleResult> PollSimulatorAsync(int packs, int cells = 16, int temps = 6, FakeTimeProvider? time = null, int seed = 3)
    {
        time ??= new FakeTimeProvider(Start);
        var bms = new SimulatedBms(new SimulatedBmsOptions { Packs = packs, Cells = cells, Temperatures = temps, Seed = seed }, time);
        var transport = new ScriptedTransport(request => Encoding.Latin1.GetString(bms.Respond(request).Bytes) is { Length: > 0 } reply ? reply : null);
        var options = new BmsPaceOptions { RequestGap = TimeSpan.Zero };
        var poller = new BatteryPoller(new BatteryOptions { Name = "garage", Protocol = "pace" }, options, transport, time, NullLogger.Instance);
        var result = await poller.PollOnceAsync(CancellationToken.None);
        Assert.True(result.AnalogAnswered && result.AlarmAnswered);
        Assert.Equal(packs, result.AnalogPacks.Count);
        return result;
    }

    private static string[] LinesOf(string text) => text.Split('\n').Select(l => l.TrimEnd('\r')).ToArray();

    private static void AssertNarrow(string text)
    {
        var wide = LinesOf(text).Where(l => l.Length >= 100).ToList();
        Assert.True(wide.Count == 0, $"{wide.Count} lines of 100 columns or more, the widest {wide.DefaultIfEmpty("").Max(l => l.Length)}:\n{string.Join('\n', wide)}");
    }

    private static string Amps(double value) => value.ToString("0.00", CultureInfo.InvariantCulture);

    [Theory]
    [InlineData(1, 16)]
    [InlineData(3, 16)]
    [InlineData(16, 16)]
    [InlineData(3, 32)]
    public async Task The_once_table_stays_under_100_columns_and_shows_every_packs_values_in_its_own_column(int packs, int cells)
    {
        var result = await PollSimulatorAsync(packs, cells);
        string table = PackTable.Render(result);

        AssertNarrow(table);
        var read = ReadTable(table);
        Assert.Equal(Enumerable.Range(1, packs), read.Keys.Order());
        foreach (var pack in result.AnalogPacks)
        {
            var column = read[pack.Pack];
            Assert.Equal(pack.VoltageVolts.ToString("0.000", CultureInfo.InvariantCulture), column["voltage V"]);
            Assert.Equal(Amps(pack.CurrentAmperes), column["current A"]);
            Assert.Equal(Amps(pack.RemainingAmpHours), column["remaining Ah"]);
            Assert.Equal(Amps(pack.FullAmpHours), column["full Ah"]);
            Assert.Equal(Amps(pack.DesignAmpHours!.Value), column["design Ah"]);
            Assert.Equal(pack.CycleCount.ToString(CultureInfo.InvariantCulture), column["cycles"]);
            Assert.Equal(pack.CellVoltagesVolts[cells - 1].ToString("0.000", CultureInfo.InvariantCulture), column[$"cell {cells} V"].TrimEnd('*'));
            Assert.Equal(pack.TemperaturesCelsius[4].ToString("0.0", CultureInfo.InvariantCulture), column["temp 5 C mosfet"]);
        }

        // The flags, too wide for a column, follow as one block per pack.
        var lines = LinesOf(table);
        foreach (var alarm in result.AlarmPacks)
        {
            int first = Array.FindIndex(lines, l => l.StartsWith($"  pack {alarm.Pack}: ", StringComparison.Ordinal));
            Assert.True(first >= 0, $"no flags block for pack {alarm.Pack}");
            string block = string.Join(' ', lines.Skip(first).TakeWhile((l, i) => i == 0 || l.StartsWith("    ", StringComparison.Ordinal)));
            Assert.Contains("status " + string.Join(',', alarm.ActiveFlags(FlagFamily.Status)), block, StringComparison.Ordinal);
            Assert.Contains("protection " + (alarm.ActiveFlags(FlagFamily.Protection) is { Length: > 0 } set ? string.Join(',', set) : "-"), block, StringComparison.Ordinal);
            Assert.Contains("pack serial " + new SimulatedBmsOptions().SerialsOf(alarm.Pack).PackSerial, block, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_once_table_of_a_stack_with_every_flag_set_and_a_long_name_stays_under_100_columns()
    {
        var packs = Enumerable.Range(1, 3).Select(p => TestSnapshots.FreshPack(p)).ToList();
        var alarms = Enumerable.Range(1, 3).Select(p => PaceStatusBytes.WithNamedViews(TestSnapshots.Alarm(p, protect1: 0xFF, fault: 0xFF, warn1: 0xFF) with { ProtectState2 = 0x7F, WarnState2 = 0xFF, InstructionState = 0xFF })).ToList();
        var snapshot = TestSnapshots.Battery("the-battery-bank-in-the-garage-behind-the-house-next-to-the-inverter-and-the-charge-controller", packs);
        var result = new PollCycleResult(snapshot, true, true, [.. packs.Select(p => p.Analog!)], alarms);

        string table = PackTable.Render(result);

        AssertNarrow(table);
        foreach (var flag in PaceFlagTable.All.Where(f => f.Family == FlagFamily.Protection && f.Field == "protect_state_1"))
        {
            Assert.Contains(flag.Name, table, StringComparison.Ordinal);
        }

        Assert.Contains("heater", table, StringComparison.Ordinal);
        Assert.Contains("heating_film", table, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bank_masters_stack_totals_are_echoed_on_their_own_line_and_a_battery_without_one_has_none()
    {
        var time = new FakeTimeProvider(Start);
        using var output = new StringWriter();
        using var sink = new ConsoleEchoSink(output, time);

        await sink.PublishAsync(TestSnapshots.Bank("rack", 2) with { Stack = TestSnapshots.Stack() }, CancellationToken.None);
        string withStack = output.ToString();
        output.GetStringBuilder().Clear();
        await sink.PublishAsync(TestSnapshots.Bank("rack", 2), CancellationToken.None);

        AssertNarrow(withStack);
        Assert.True(withStack.Replace("\n  ", " | ", StringComparison.Ordinal).Contains("stack (bank master): 53.25 V | -1.30 A | -69.2 W | SOC 45.6% | SOH 99.0% | remaining 135.12 Ah | full 297.00 Ah | 3 packs", StringComparison.Ordinal), withStack);
        Assert.DoesNotContain("stack (bank master)", output.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(16)]
    public async Task Every_cycle_echoes_each_packs_capacities_and_cycles_under_100_columns(int packs)
    {
        var time = new FakeTimeProvider(Start);
        var result = await PollSimulatorAsync(packs, time: time);
        using var output = new StringWriter();
        using var sink = new ConsoleEchoSink(output, time);

        await sink.PublishAsync(result.Snapshot, CancellationToken.None);
        string first = output.ToString();
        output.GetStringBuilder().Clear();
        time.Advance(TimeSpan.FromMinutes(10));
        await sink.PublishAsync(result.Snapshot, CancellationToken.None);
        string second = output.ToString();

        foreach (string echo in new[] { first, second })
        {
            AssertNarrow(echo);
            foreach (var pack in result.AnalogPacks)
            {
                string capacities = $"{Amps(pack.RemainingAmpHours)} of {Amps(pack.FullAmpHours)} Ah (design {Amps(pack.DesignAmpHours!.Value)}), {pack.CycleCount} cycles";
                Assert.Contains(capacities, echo, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public async Task Each_packs_version_and_serials_are_echoed_at_start_and_then_once_an_hour()
    {
        var time = new FakeTimeProvider(Start);
        var result = await PollSimulatorAsync(3, time: time);
        var options = new SimulatedBmsOptions();
        using var output = new StringWriter();
        using var sink = new ConsoleEchoSink(output, time);

        async Task<string[]> PublishAfterAsync(TimeSpan wait)
        {
            time.Advance(wait);
            output.GetStringBuilder().Clear();
            await sink.PublishAsync(result.Snapshot, CancellationToken.None);
            return LinesOf(output.ToString());
        }

        // Each pack answers for itself with its own serials (the simulator numbers them per pack).
        string[] Identities(int pack) => [$"garage pack {pack}: version {options.SoftwareVersion} | BMS serial {options.SerialsOf(pack).BmsSerial}", $"pack serial {options.SerialsOf(pack).PackSerial}"];
        void AssertShown(string[] lines, bool shown)
        {
            foreach (int pack in new[] { 1, 2, 3 })
            {
                foreach (string part in Identities(pack))
                {
                    Assert.True(lines.Any(l => l.Contains(part, StringComparison.Ordinal)) == shown, $"'{part}' {(shown ? "missing" : "repeated")}:\n{string.Join('\n', lines)}");
                }
            }
        }

        var atStart = await PublishAfterAsync(TimeSpan.Zero);
        AssertShown(atStart, shown: true);
        AssertNarrow(string.Join('\n', atStart));
        AssertShown(await PublishAfterAsync(TimeSpan.FromMinutes(59)), shown: false);
        AssertShown(await PublishAfterAsync(TimeSpan.FromMinutes(1)), shown: true);
        AssertShown(await PublishAfterAsync(TimeSpan.FromMinutes(30)), shown: false);
    }

    [Fact]
    public async Task A_pack_whose_identity_is_unknown_gets_no_identity_line_and_the_others_keep_theirs()
    {
        var time = new FakeTimeProvider(Start);
        var result = await PollSimulatorAsync(3, time: time);
        var snapshot = result.Snapshot with { Packs = [.. result.Snapshot.Packs.Select(p => p.Pack == 2 ? p with { Identity = BatteryIdentity.Unknown } : p)] };
        using var output = new StringWriter();
        using var sink = new ConsoleEchoSink(output, time);

        await sink.PublishAsync(snapshot, CancellationToken.None);

        string echo = output.ToString();
        Assert.Contains("garage pack 1: version ", echo, StringComparison.Ordinal);
        Assert.Contains("garage pack 3: version ", echo, StringComparison.Ordinal);
        Assert.DoesNotContain("garage pack 2: version", echo, StringComparison.Ordinal);
        Assert.DoesNotContain(new SimulatedBmsOptions().SerialsOf(2).PackSerial, echo, StringComparison.Ordinal);

        string table = PackTable.Render(result with { Snapshot = snapshot });
        Assert.Contains($"pack serial {new SimulatedBmsOptions().SerialsOf(3).PackSerial}", table, StringComparison.Ordinal);
        Assert.DoesNotContain(new SimulatedBmsOptions().SerialsOf(2).PackSerial, table, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_battery_that_answers_no_identity_gets_no_identity_line()
    {
        var time = new FakeTimeProvider(Start);
        var result = await PollSimulatorAsync(2, time: time);
        using var output = new StringWriter();
        using var sink = new ConsoleEchoSink(output, time);

        var silent = result.Snapshot with { Identity = BatteryIdentity.Unknown, Packs = [.. result.Snapshot.Packs.Select(p => p with { Identity = BatteryIdentity.Unknown })] };
        await sink.PublishAsync(silent, CancellationToken.None);

        string echo = output.ToString();
        Assert.DoesNotContain("version", echo, StringComparison.Ordinal);
        Assert.DoesNotContain("serial", echo, StringComparison.Ordinal);
        Assert.Contains("garage pack 2: ", echo, StringComparison.Ordinal);
    }

    /// <summary>
    /// Reads the table back: each group starts with a line of <c>pack N</c> headers, right-aligned over their columns;
    /// each row is a title (words with single spaces), then the packs' values, each ending under its header.
    /// </summary>
    private static Dictionary<int, Dictionary<string, string>> ReadTable(string table)
    {
        var packs = new Dictionary<int, Dictionary<string, string>>();
        List<(int Pack, int End)>? columns = null;
        foreach (string line in LinesOf(table))
        {
            if (Regex.IsMatch(line, @"^\s+(pack \d+\s*)+$"))
            {
                columns = [.. Regex.Matches(line, @"pack (\d+)").Select(m => (int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), m.Index + m.Length))];
                foreach (var (pack, _) in columns)
                {
                    Assert.False(packs.ContainsKey(pack), $"pack {pack} appears in two groups");
                    packs[pack] = [];
                }

                continue;
            }

            if (line.Trim().Length == 0 || line.StartsWith("  (", StringComparison.Ordinal) || line.StartsWith("  pack ", StringComparison.Ordinal))
            {
                columns = null;
                continue;
            }

            if (columns is null)
            {
                continue;
            }

            string title = Regex.Match(line, @"^  (\S+(?: \S+)*)").Groups[1].Value;
            int position = 2 + title.Length;
            foreach (var (pack, end) in columns)
            {
                packs[pack][title] = position < line.Length ? line[position..Math.Min(end, line.Length)].Trim() : "";
                position = end;
            }
        }

        return packs;
    }
}
