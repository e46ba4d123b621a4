using System.Text;
using BmsPace.Configuration;
using BmsPace.Polling;
using BmsPace.Protocol.Readings;
using BmsPace.Outputs.Prometheus;
using Microsoft.Extensions.Time.Testing;
using Prometheus;
using BmsPace.Protocol.Dialects.Pace;

namespace BmsPace.Tests.Prometheus;

public sealed class PrometheusSinkTests
{
    private const string GoldenFile = "prometheus-bank.prom";

    /// <summary>Set to 1 to rewrite expected/*.prom from the current output after an intended change.</summary>
    private const string UpdateVariable = "BMSPACE_UPDATE_GOLDEN";

    private static PrometheusSink NewSink(LabelFormatter? labels = null, params string[] batteries) =>
        new(Metrics.NewCustomRegistry(), labels ?? new LabelFormatter(0, 0), "0.0.0-test", new FakeTimeProvider(TestSnapshots.Start), batteries);

    private static async Task<string> PublishAsync(PrometheusSink sink, BatterySnapshot snapshot)
    {
        await sink.PublishAsync(snapshot, CancellationToken.None);
        return Encoding.UTF8.GetString((await sink.GetRenderedAsync(CancellationToken.None)).Plain);
    }

    /// <summary>Two batteries, padded labels, one pack stale, one pack without an alarm block: every family appears.</summary>
    internal static async Task<string> RenderGoldenAsync()
    {
        using var sink = NewSink(new LabelFormatter(2, 2));
        await sink.PublishAsync(TestSnapshots.Battery("garage",
            [TestSnapshots.FreshPack(1, cells: 4, sensors: 6), TestSnapshots.FreshPack(2, cells: 4, sensors: 4, withAlarm: false), TestSnapshots.StalePack(3)]), CancellationToken.None);
        return Encoding.UTF8.GetString((await sink.GetRenderedAsync(CancellationToken.None)).Plain);
    }

    [Fact]
    public async Task Exposition_matches_the_golden_file()
    {
        string actual = await RenderGoldenAsync();
        string sourcePath = Path.Combine(RepoPaths.Root, "tests", "BmsPace.Tests", "expected", GoldenFile);
        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            await File.WriteAllTextAsync(sourcePath, actual);
        }

        string expected = await File.ReadAllTextAsync(sourcePath);
        Assert.Equal(expected, actual);
    }

    /// <summary>
    /// What promtool's linter says about names METRICS.md fixes on purpose: amp-hours and watt-hours are the
    /// contract's stated unit exceptions, and <c>pace_bms_cycle_count</c> is a contract name that ends in _count.
    /// Anything else it reports fails the test.
    /// </summary>
    internal static readonly string[] ContractLintExceptions =
    [
        "pace_bms_capacity_design_amp_hours use base unit \"seconds\" instead of \"hours\"",
        "pace_bms_capacity_full_amp_hours use base unit \"seconds\" instead of \"hours\"",
        "pace_bms_capacity_remaining_amp_hours use base unit \"seconds\" instead of \"hours\"",
        "pace_bms_charged_watt_hours_total use base unit \"seconds\" instead of \"hours\"",
        "pace_bms_discharged_watt_hours_total use base unit \"seconds\" instead of \"hours\"",
        "pace_bms_cycle_count non-histogram and non-summary metrics should not have \"_count\" suffix",
        "pace_bms_stack_capacity_design_amp_hours use base unit \"seconds\" instead of \"hours\"",
        "pace_bms_stack_capacity_full_amp_hours use base unit \"seconds\" instead of \"hours\"",
        "pace_bms_stack_capacity_remaining_amp_hours use base unit \"seconds\" instead of \"hours\"",
        "pace_bms_stack_cycle_count non-histogram and non-summary metrics should not have \"_count\" suffix",
    ];

    [Fact]
    public async Task Promtool_check_metrics_finds_no_problem_in_the_exposition()
    {
        string exposition = await RenderGoldenAsync();
        using var sink = NewSink();
        string bank = await PublishAsync(sink, TestSnapshots.Bank("main", 16));

        foreach (string text in new[] { exposition, bank })
        {
            var result = await ProcessRunner.RunAsync("promtool", ["check", "metrics"], stdin: text);
            var problems = result.All.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Where(line => !ContractLintExceptions.Contains(line, StringComparer.Ordinal)).ToList();
            // Exit 3 is "lint problems found"; a parse error exits 1 and prints something not in the list.
            Assert.True(result.ExitCode is 0 or 3 && problems.Count == 0, $"promtool check metrics: exit {result.ExitCode}\n{string.Join('\n', problems)}");
        }
    }

    [Fact]
    public async Task Fresh_pack_exports_every_value_it_was_given()
    {
        using var sink = NewSink();
        var pack = TestSnapshots.FreshPack(1);
        var series = Exposition.Parse(await PublishAsync(sink, TestSnapshots.Battery("main", [pack])));
        var analog = pack.Analog!;

        Assert.Equal(analog.VoltageVolts, series["pace_bms_pack_voltage_volts{battery=\"main\",pack=\"1\"}"]);
        Assert.Equal(analog.CurrentAmperes, series["pace_bms_pack_current_amperes{battery=\"main\",pack=\"1\"}"]);
        Assert.Equal(analog.PowerWatts, series["pace_bms_pack_power_watts{battery=\"main\",pack=\"1\"}"], 9);
        Assert.Equal(0.81, series["pace_bms_state_of_charge_ratio{battery=\"main\",pack=\"1\"}"], 9);
        Assert.Equal(analog.CellVoltagesVolts[6], series["pace_bms_cell_voltage_volts{battery=\"main\",pack=\"1\",cell=\"7\"}"]);
        Assert.Equal(analog.CellDeltaVolts, series["pace_bms_cell_voltage_delta_volts{battery=\"main\",pack=\"1\"}"], 9);
        Assert.Equal(1, series["pace_bms_temperature_info{battery=\"main\",pack=\"1\",sensor=\"5\",role=\"mosfet\"}"]);
        Assert.Equal(1, series["pace_bms_cell_balancing{battery=\"main\",pack=\"1\",cell=\"4\"}"]);
        Assert.Equal(0, series["pace_bms_cell_balancing{battery=\"main\",pack=\"1\",cell=\"5\"}"]);
        Assert.Equal(1, series["pace_bms_cell_warning{battery=\"main\",pack=\"1\",cell=\"2\",flag=\"high\"}"]);
        Assert.Equal(1, series["pace_bms_temperature_warning{battery=\"main\",pack=\"1\",sensor=\"1\",flag=\"low\"}"]);
        Assert.Equal(1, series["pace_bms_status{battery=\"main\",pack=\"1\",flag=\"charge_fet\"}"]);
        Assert.Equal(0, series["pace_bms_status{battery=\"main\",pack=\"1\",flag=\"fully_charged\"}"]);
        Assert.Equal(10, series["pace_bms_control_state{battery=\"main\",pack=\"1\"}"]);
        Assert.Equal(1235.5, series["pace_bms_charged_watt_hours_total{battery=\"main\",pack=\"1\"}"]);
        Assert.Equal(TestSnapshots.Start.ToUnixTimeSeconds(), series["pace_bms_last_success_timestamp_seconds{battery=\"main\",pack=\"1\"}"]);
        Assert.Equal(1, series["pace_bms_pack_info{battery=\"main\",pack=\"1\",software_version=\"P16S100A-21521-1.02\",serial_number=\"2102011602018\",pack_serial_number=\"PACK0000001\",protocol_version=\"25\",protocol=\"\"}"]);
        Assert.Equal(1, series["pace_bms_request_failures_total{battery=\"main\",command=\"analog\",reason=\"timeout\"}"]);
        Assert.Equal(1, series["pace_bms_poll_duration_seconds_count{battery=\"main\"}"]);
        Assert.Equal(1, series["pace_bms_exporter_build_info{version=\"0.0.0-test\"}"]);
        // Every defined bit, and only those, is exported per family.
        Assert.Equal(PaceFlagTable.Of(FlagFamily.Protection).Count(), series.Named("pace_bms_protection").Count());
        Assert.Equal(PaceFlagTable.Of(FlagFamily.Status).Count(), series.Named("pace_bms_status").Count());
        Assert.Equal(16 * 3, series.Named("pace_bms_cell_warning").Count());
    }

    [Fact]
    public async Task Stale_pack_keeps_only_pack_up_zero_and_its_timestamp_then_comes_back_fresh()
    {
        using var sink = NewSink();
        var later = TestSnapshots.Start.AddSeconds(5);
        var fresh = Exposition.Parse(await PublishAsync(sink, TestSnapshots.Battery("main", [TestSnapshots.FreshPack(1), TestSnapshots.FreshPack(2)])));
        int pack2Series = fresh.Keys.Count(k => k.Contains("pack=\"2\"", StringComparison.Ordinal));
        Assert.True(pack2Series > 100, $"pack 2 has {pack2Series} series");

        var stale = Exposition.Parse(await PublishAsync(sink, TestSnapshots.Battery("main", [TestSnapshots.FreshPack(1, at: later), TestSnapshots.StalePack(2)], at: later, requests: 12, timeouts: 3)));
        var pack2 = stale.Where(s => s.Key.Contains("pack=\"2\"", StringComparison.Ordinal)).ToDictionary();
        Assert.Equal(
            ["pace_bms_last_success_timestamp_seconds{battery=\"main\",pack=\"2\"}", "pace_bms_pack_up{battery=\"main\",pack=\"2\"}"],
            pack2.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(0, pack2["pace_bms_pack_up{battery=\"main\",pack=\"2\"}"]);
        Assert.Equal(TestSnapshots.Start.ToUnixTimeSeconds(), pack2["pace_bms_last_success_timestamp_seconds{battery=\"main\",pack=\"2\"}"]);
        Assert.Equal(1, stale["pace_bms_pack_up{battery=\"main\",pack=\"1\"}"]);
        Assert.Equal(3, stale["pace_bms_request_failures_total{battery=\"main\",command=\"analog\",reason=\"timeout\"}"]);
        Assert.Equal(12, stale["pace_bms_requests_total{battery=\"main\",command=\"analog\"}"]);

        var back = Exposition.Parse(await PublishAsync(sink, TestSnapshots.Battery("main", [TestSnapshots.FreshPack(1, at: later), TestSnapshots.FreshPack(2, at: later)], at: later)));
        Assert.Equal(fresh.Keys.Order(StringComparer.Ordinal), back.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(1, back["pace_bms_pack_up{battery=\"main\",pack=\"2\"}"]);
        Assert.Equal(later.ToUnixTimeSeconds(), back["pace_bms_last_success_timestamp_seconds{battery=\"main\",pack=\"2\"}"]);
    }

    [Fact]
    public async Task Vanished_pack_loses_every_series_and_other_batteries_are_untouched()
    {
        using var sink = NewSink();
        await PublishAsync(sink, TestSnapshots.Battery("shed", [TestSnapshots.FreshPack(3)]));
        await PublishAsync(sink, TestSnapshots.Battery("main", [TestSnapshots.FreshPack(1), TestSnapshots.FreshPack(2)]));
        var series = Exposition.Parse(await PublishAsync(sink, TestSnapshots.Battery("main", [TestSnapshots.FreshPack(1)])));

        Assert.DoesNotContain(series.Keys, k => k.Contains("battery=\"main\",pack=\"2\"", StringComparison.Ordinal));
        Assert.Contains("pace_bms_pack_voltage_volts{battery=\"main\",pack=\"1\"}", series.Keys);
        Assert.Contains("pace_bms_pack_voltage_volts{battery=\"shed\",pack=\"3\"}", series.Keys);
        Assert.Equal(1, series["pace_bms_packs_decoded{battery=\"main\"}"]);
    }

    [Fact]
    public async Task A_bank_masters_stack_totals_are_battery_series_without_a_pack_label_and_go_when_the_summary_does()
    {
        using var sink = NewSink();
        var stack = TestSnapshots.Stack();
        var series = Exposition.Parse(await PublishAsync(sink, TestSnapshots.Bank("main", 2) with { Stack = stack }));

        var values = stack.Values;
        Assert.Equal(values.VoltageVolts, series["pace_bms_stack_voltage_volts{battery=\"main\"}"]);
        Assert.Equal(values.CurrentAmperes, series["pace_bms_stack_current_amperes{battery=\"main\"}"]);
        Assert.Equal(-69.225, series["pace_bms_stack_power_watts{battery=\"main\"}"]);
        Assert.Equal(values.StateOfChargeRatio, series["pace_bms_stack_state_of_charge_ratio{battery=\"main\"}"]);
        Assert.Equal(values.StateOfHealthRatio, series["pace_bms_stack_state_of_health_ratio{battery=\"main\"}"]);
        Assert.Equal(values.RemainingAmpHours, series["pace_bms_stack_capacity_remaining_amp_hours{battery=\"main\"}"]);
        Assert.Equal(values.FullAmpHours, series["pace_bms_stack_capacity_full_amp_hours{battery=\"main\"}"]);
        Assert.Equal(values.DesignAmpHours, series["pace_bms_stack_capacity_design_amp_hours{battery=\"main\"}"]);
        Assert.Equal(64, series["pace_bms_stack_cycle_count{battery=\"main\"}"]);
        Assert.Equal(3, series["pace_bms_stack_packs{battery=\"main\"}"]);
        Assert.Equal(10, series.Keys.Count(k => k.StartsWith("pace_bms_stack_", StringComparison.Ordinal)));

        // A master that sends no SOH gets no SOH series; one that stopped answering loses them all, the packs stay.
        var withoutSoh = Exposition.Parse(await PublishAsync(sink, TestSnapshots.Bank("main", 2) with { Stack = stack with { Values = values with { StateOfHealthRatio = null } } }));
        Assert.DoesNotContain("pace_bms_stack_state_of_health_ratio{battery=\"main\"}", withoutSoh.Keys);
        var gone = Exposition.Parse(await PublishAsync(sink, TestSnapshots.Bank("main", 2)));
        Assert.DoesNotContain(gone.Keys, k => k.StartsWith("pace_bms_stack_", StringComparison.Ordinal));
        Assert.Contains("pace_bms_pack_voltage_volts{battery=\"main\",pack=\"2\"}", gone.Keys);
    }

    [Fact]
    public async Task Stale_then_vanished_pack_loses_its_remaining_series()
    {
        using var sink = NewSink();
        await PublishAsync(sink, TestSnapshots.Battery("main", [TestSnapshots.FreshPack(1), TestSnapshots.FreshPack(2)]));
        await PublishAsync(sink, TestSnapshots.Battery("main", [TestSnapshots.FreshPack(1), TestSnapshots.StalePack(2)]));
        var series = Exposition.Parse(await PublishAsync(sink, TestSnapshots.Battery("main", [TestSnapshots.FreshPack(1)])));

        Assert.DoesNotContain(series.Keys, k => k.Contains("pack=\"2\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Cell_and_sensor_count_shrinking_removes_the_series_that_no_longer_exist()
    {
        using var sink = NewSink();
        await PublishAsync(sink, TestSnapshots.Battery("main", [TestSnapshots.FreshPack(1, cells: 16, sensors: 6)]));
        var series = Exposition.Parse(await PublishAsync(sink, TestSnapshots.Battery("main", [TestSnapshots.FreshPack(1, cells: 15, sensors: 4)])));

        Assert.Equal(15, series.Named("pace_bms_cell_voltage_volts").Count());
        Assert.Equal(15, series.Named("pace_bms_cell_balancing").Count());
        Assert.Equal(15 * 3, series.Named("pace_bms_cell_warning").Count());
        Assert.Equal(4, series.Named("pace_bms_temperature_celsius").Count());
        Assert.Equal(4 * 3, series.Named("pace_bms_temperature_warning").Count());
        // With 4 sensors the roles are unknown: the mosfet/environment/cell info series are gone, not left behind.
        Assert.Equal(["unknown"], series.Named("pace_bms_temperature_info").Select(k => k.Split("role=\"")[1].TrimEnd('"', '}')).Distinct());
        Assert.DoesNotContain("pace_bms_cell_voltage_volts{battery=\"main\",pack=\"1\",cell=\"16\"}", series.Keys);
    }

    [Fact]
    public async Task Flags_follow_the_alarm_bits_both_ways_and_vanish_without_an_alarm_block()
    {
        using var sink = NewSink();
        const string overvoltage = "pace_bms_protection{battery=\"main\",pack=\"1\",flag=\"cell_overvoltage\"}";
        const string sampling = "pace_bms_fault{battery=\"main\",pack=\"1\",flag=\"sampling\"}";
        const string warnUnder = "pace_bms_warning{battery=\"main\",pack=\"1\",flag=\"cell_undervoltage\"}";
        PackState WithAlarm(AlarmPack alarm) => TestSnapshots.FreshPack(1) with { Alarm = alarm };

        var clear = Exposition.Parse(await PublishAsync(sink, TestSnapshots.Battery("main", [WithAlarm(TestSnapshots.Alarm(1))])));
        var set = Exposition.Parse(await PublishAsync(sink, TestSnapshots.Battery("main", [WithAlarm(TestSnapshots.Alarm(1, protect1: 0x01, fault: 0x20, warn1: 0x02))])));
        var clearedAgain = Exposition.Parse(await PublishAsync(sink, TestSnapshots.Battery("main", [WithAlarm(TestSnapshots.Alarm(1))])));
        var noAlarm = Exposition.Parse(await PublishAsync(sink, TestSnapshots.Battery("main", [TestSnapshots.FreshPack(1, withAlarm: false)])));

        Assert.Equal((0, 0, 0), (clear[overvoltage], clear[sampling], clear[warnUnder]));
        Assert.Equal((1, 1, 1), (set[overvoltage], set[sampling], set[warnUnder]));
        Assert.Equal(0, set["pace_bms_protection{battery=\"main\",pack=\"1\",flag=\"cell_undervoltage\"}"]);
        Assert.Equal((0, 0, 0), (clearedAgain[overvoltage], clearedAgain[sampling], clearedAgain[warnUnder]));
        Assert.Empty(noAlarm.Named("pace_bms_protection"));
        Assert.Empty(noAlarm.Named("pace_bms_cell_balancing"));
        Assert.Contains("pace_bms_pack_voltage_volts{battery=\"main\",pack=\"1\"}", noAlarm.Keys);
    }

    [Fact]
    public async Task Offline_block_counts_as_not_up_and_serves_no_values()
    {
        using var sink = NewSink();
        var offline = TestSnapshots.FreshPack(2) with { Analog = TestSnapshots.FreshPack(2).Analog! with { Offline = true } };
        var series = Exposition.Parse(await PublishAsync(sink, TestSnapshots.Battery("main", [TestSnapshots.FreshPack(1), offline])));

        Assert.Equal(0, series["pace_bms_pack_up{battery=\"main\",pack=\"2\"}"]);
        Assert.DoesNotContain("pace_bms_pack_voltage_volts{battery=\"main\",pack=\"2\"}", series.Keys);
    }

    [Fact]
    public async Task Scrape_before_any_snapshot_serves_build_info_only_and_a_rendering_is_reused_until_a_publication()
    {
        using var sink = NewSink();
        var empty = await sink.GetRenderedAsync(CancellationToken.None);
        Assert.Equal(["pace_bms_exporter_build_info{version=\"0.0.0-test\"}"], Exposition.Parse(Encoding.UTF8.GetString(empty.Plain)).Keys);

        await sink.PublishAsync(TestSnapshots.Bank("main", 2), CancellationToken.None);
        var first = await sink.GetRenderedAsync(CancellationToken.None);
        var second = await sink.GetRenderedAsync(CancellationToken.None);
        Assert.NotSame(empty, first);
        Assert.Same(first, second);
        Assert.Contains("pace_bms_pack_up{battery=\"main\",pack=\"2\"} 1", Encoding.UTF8.GetString(first.Plain), StringComparison.Ordinal);

        await sink.PublishAsync(TestSnapshots.Battery("main", [TestSnapshots.FreshPack(1), TestSnapshots.StalePack(2)]), CancellationToken.None);
        var third = await sink.GetRenderedAsync(CancellationToken.None);
        Assert.Contains("pace_bms_pack_up{battery=\"main\",pack=\"2\"} 0", Encoding.UTF8.GetString(third.Plain), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_scrape_never_sees_half_of_one_batterys_update_while_pollers_publish()
    {
        using var sink = NewSink();
        const int Packs = 8;
        const int Publications = 300;
        using var done = new CancellationTokenSource();
        var publisher = Task.Run(async () =>
        {
            for (int cycle = 1; cycle <= Publications; cycle++)
            {
                await sink.PublishAsync(TestSnapshots.Bank("main", Packs, at: TestSnapshots.Start.AddSeconds(cycle)), CancellationToken.None);
                await sink.PublishAsync(TestSnapshots.Bank("shed", 1, at: TestSnapshots.Start.AddSeconds(cycle)), CancellationToken.None);
            }
        });

        int scrapes = 0;
        var seenCycles = new HashSet<double>();
        while (!publisher.IsCompleted || scrapes == 0)
        {
            var series = Exposition.Parse(Encoding.UTF8.GetString((await sink.GetRenderedAsync(CancellationToken.None)).Plain));
            var stamps = series.Where(s => s.Key.StartsWith("pace_bms_last_success_timestamp_seconds{battery=\"main\"", StringComparison.Ordinal)).Select(s => s.Value).ToList();
            scrapes++;
            if (stamps.Count == 0)
            {
                continue;
            }

            // Every pack of one battery's snapshot carries that cycle's time: a mix would be half an update.
            Assert.Equal(Packs, stamps.Count);
            Assert.Single(stamps.Distinct());
            Assert.Equal(stamps.Count, series.Named("pace_bms_pack_voltage_volts").Count(k => k.Contains("battery=\"main\"", StringComparison.Ordinal)));
            seenCycles.Add(stamps[0]);
        }

        await publisher;
        var last = Exposition.Parse(Encoding.UTF8.GetString((await sink.GetRenderedAsync(CancellationToken.None)).Plain));
        Assert.Equal(TestSnapshots.Start.AddSeconds(Publications).ToUnixTimeSeconds(), last["pace_bms_last_success_timestamp_seconds{battery=\"main\",pack=\"8\"}"]);
        Assert.Equal(Publications, last["pace_bms_poll_duration_seconds_count{battery=\"shed\"}"]);
    }

    [Fact]
    public async Task Link_health_series_and_every_failure_reason_exist_at_zero_before_the_first_cycle_ends()
    {
        using var sink = NewSink(null, "garage", "shed");
        var before = Exposition.Parse(Encoding.UTF8.GetString((await sink.GetRenderedAsync(CancellationToken.None)).Plain));

        string[] reasons = ["timeout", "io", "echo", "truncated", "hex", "length_checksum", "length", "checksum", "version", "cid1", "wrong_address", "rtn", "decode"];
        foreach (string battery in new[] { "garage", "shed" })
        {
            string b = $"battery=\"{battery}\"";
            Assert.Equal(0, before[$"pace_bms_up{{{b}}}"]);
            Assert.Equal(0, before[$"pace_bms_packs_reported{{{b}}}"]);
            Assert.Equal(0, before[$"pace_bms_packs_decoded{{{b}}}"]);
            Assert.Equal(0, before[$"pace_bms_poll_duration_seconds_count{{{b}}}"]);
            Assert.Equal(0, before[$"pace_bms_reconnects_total{{{b}}}"]);
            foreach (string command in new[] { "analog", "alarm" })
            {
                Assert.Equal(0, before[$"pace_bms_requests_total{{{b},command=\"{command}\"}}"]);
                foreach (string reason in reasons)
                {
                    Assert.Equal(0, before[$"pace_bms_request_failures_total{{{b},command=\"{command}\",reason=\"{reason}\"}}"]);
                }
            }

            Assert.Equal(2 * reasons.Length, before.Named("pace_bms_request_failures_total").Count(k => k.Contains(b, StringComparison.Ordinal)));
        }

        // The first failure is an increase from 0, and the other reasons stay at 0 beside it.
        var after = Exposition.Parse(await PublishAsync(sink, TestSnapshots.Bank("garage", 1)));
        Assert.Equal(1, after["pace_bms_request_failures_total{battery=\"garage\",command=\"analog\",reason=\"timeout\"}"]);
        Assert.Equal(0, after["pace_bms_request_failures_total{battery=\"garage\",command=\"analog\",reason=\"checksum\"}"]);
        Assert.Equal(0, after["pace_bms_request_failures_total{battery=\"shed\",command=\"alarm\",reason=\"timeout\"}"]);
        Assert.Equal(1, after["pace_bms_up{battery=\"garage\"}"]);
    }

    [Fact]
    public async Task A_battery_not_declared_up_front_gets_its_zero_failure_series_with_its_first_snapshot()
    {
        using var sink = NewSink();
        var series = Exposition.Parse(await PublishAsync(sink, TestSnapshots.Bank("main", 1)));

        Assert.Equal(26, series.Named("pace_bms_request_failures_total").Count());
        Assert.Equal(0, series["pace_bms_request_failures_total{battery=\"main\",command=\"alarm\",reason=\"rtn\"}"]);
    }

    [Fact]
    public async Task A_sensor_the_BMS_marks_absent_has_no_series_and_its_neighbours_keep_theirs()
    {
        using var sink = NewSink();
        var pack = TestSnapshots.FreshPack(1, sensors: 3);
        var analog = pack.Analog! with { TemperaturesCelsius = [21.5, double.NaN, 23.0] };
        string text = await PublishAsync(sink, TestSnapshots.Battery("garage", [pack with { Analog = analog }]));

        Assert.Contains("pace_bms_temperature_celsius{battery=\"garage\",pack=\"1\",sensor=\"1\"} 21.5", text, StringComparison.Ordinal);
        Assert.Contains("pace_bms_temperature_celsius{battery=\"garage\",pack=\"1\",sensor=\"3\"} 23", text, StringComparison.Ordinal);
        Assert.DoesNotContain("pace_bms_temperature_celsius{battery=\"garage\",pack=\"1\",sensor=\"2\"}", text, StringComparison.Ordinal);
        Assert.DoesNotContain("pace_bms_temperature_info{battery=\"garage\",pack=\"1\",sensor=\"2\"", text, StringComparison.Ordinal);
        Assert.DoesNotContain("NaN", text, StringComparison.Ordinal);
    }
}

public sealed class ImplausibleValueCountTests
{
    [Fact]
    public async Task A_dropped_value_is_counted_by_field_and_no_series_carries_it()
    {
        using var sink = new PrometheusSink(Metrics.NewCustomRegistry(), new LabelFormatter(0, 0), "0.0.0-test", new FakeTimeProvider(TestSnapshots.Start), ["garage"]);
        var fresh = TestSnapshots.FreshPack(1, cells: 4, sensors: 2);
        // A pack whose state of charge came from the FFFF placeholder: absent, and listed as dropped.
        var dropped = fresh with
        {
            Analog = fresh.Analog! with
            {
                StateOfChargeRatio = null,
                Implausible = [new ImplausibleValue(Plausibility.StateOfChargeField, "remaining capacity 655.35 Ah is the FFFF placeholder")],
            },
        };

        await sink.PublishAsync(TestSnapshots.Battery("garage", [dropped]), CancellationToken.None);
        await sink.PublishAsync(TestSnapshots.Battery("garage", [dropped]), CancellationToken.None);
        string text = Encoding.UTF8.GetString((await sink.GetRenderedAsync(CancellationToken.None)).Plain);

        Assert.Contains("pace_bms_implausible_values_total{battery=\"garage\",field=\"state_of_charge_ratio\"} 2\n", text, StringComparison.Ordinal);
        Assert.Contains("pace_bms_implausible_values_total{battery=\"garage\",field=\"temperatures_celsius\"} 0\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("pace_bms_state_of_charge_ratio{", text, StringComparison.Ordinal);
    }
}
