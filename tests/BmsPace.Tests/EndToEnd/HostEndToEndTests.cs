using System.Globalization;
using System.Net;
using System.Text.Json;
using BmsPace.Commands;
using BmsPace.Configuration;
using BmsPace.Protocol.Readings;
using BmsPace.Simulator;
using BmsPace.Tests.Influx;
using BmsPace.Tests.Prometheus;
using BmsPace.Tests.Simulation;
using BmsPace.Protocol.Dialects.Pace;

namespace BmsPace.Tests.EndToEnd;

/// <summary>
/// The real host (<c>BmsPaceHost.Build</c>: pollers, exporter, InfluxDB writer, console echo) against the simulator on a
/// real TCP socket, read back through a real Prometheus, a real InfluxDB 1.6 and its own /metrics.
/// </summary>
/// <remarks>
/// How values are compared while the simulated battery evolves: the simulator runs on a <see cref="FreezableClock"/>.
/// Each test first lets it evolve (so an exporter stuck on old values would be caught), then freezes the clock, waits
/// until the battery has settled (see <see cref="SimulatorProgress.SettleAfterFreezeAsync"/>) and takes
/// <c>LastSentAnalog</c>/<c>LastSentAlarm</c> as the expected values: from then on every reply carries exactly them. It
/// then waits for a poll cycle that started after that moment to be published, and reads only data that is newer
/// than that (a scrape timestamped later, an InfluxDB point stamped later), which must equal the expected values.
/// </remarks>
public sealed class HostEndToEndTests
{
    private const string Battery = "bank";
    private const int Packs = 2;
    private const int Cells = 16;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private static BmsPaceOptions Options(int simulatorPort, InfluxDbOptions? influx = null) => new()
    {
        ScanInterval = TimeSpan.FromMilliseconds(500),
        RequestTimeout = TimeSpan.FromSeconds(1),
        RequestGap = TimeSpan.Zero,
        // No retries: one analog request per cycle, so requests and failures count cycles.
        Retries = 0,
        ReconnectAfterFailures = 2,
        StaleAfterCycles = 2,
        Batteries = [new BatteryOptions { Name = Battery, Connection = new TcpConnectionSpec("127.0.0.1", simulatorPort) }],
        InfluxDb = influx ?? new InfluxDbOptions(),
    };

    private static RecordedBms NewSimulator(TimeProvider? clock = null) =>
        new(new SimulatedBmsOptions { Packs = Packs, Cells = Cells, Temperatures = 6, TailBytes = 14, Seed = 5, TimeScale = 600 }, clock);

    private static SimulatorTcpServer Serve(RecordedBms bms, int port = 0) => SimulatorTcpServer.Start(bms, new IPEndPoint(IPAddress.Loopback, port));

    private static string Pack(int pack) => pack.ToString(CultureInfo.InvariantCulture);

    [Fact]
    public async Task Prometheus_scrapes_exactly_what_the_simulator_sent()
    {
        var clock = new FreezableClock();
        var bms = NewSimulator(clock);
        await using var server = Serve(bms);
        await using var host = await RunningHost.StartAsync(Options(server.EndPoint.Port));
        await using var prometheus = await PrometheusServer.StartAsync(host.Address, []);

        // Evolution reaches Prometheus: cell 1 has held more than one value across scrapes.
        await prometheus.QueryUntilAsync(
            $"changes(pace_bms_cell_voltage_volts{{battery=\"{Battery}\",pack=\"1\",cell=\"1\"}}[1m]) > 0", r => r.Count == 1, TimeSpan.FromSeconds(60));

        clock.Freeze();
        await bms.SettleAfterFreezeAsync();
        var expected = new Dictionary<string, double>(StringComparer.Ordinal);
        for (int pack = 1; pack <= Packs; pack++)
        {
            foreach (var (key, value) in ExpectedSeries.ForPack(Battery, bms.LastSentAnalog(pack)!, bms.LastSentAlarm(pack)!))
            {
                expected.Add(key, value);
            }
        }

        await bms.AwaitPublishedCycleAsync();
        double publishedBy = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
        await prometheus.QueryUntilAsync($"timestamp(pace_bms_up{{battery=\"{Battery}\"}}) > {publishedBy.ToString(CultureInfo.InvariantCulture)}", r => r.Count == 1, Deadline);
        var scraped = (await prometheus.QueryAsync($"{{__name__=~\"pace_bms_.+\",battery=\"{Battery}\"}}"))
            .ToDictionary(SeriesKey.FromPrometheus, s => s.Number, StringComparer.Ordinal);

        foreach (var (key, value) in expected)
        {
            Assert.True(scraped.TryGetValue(key, out double actual), $"Prometheus has no {key}");
            Assert.True(Math.Abs(value - actual) <= 1e-9 * Math.Max(1, Math.Abs(value)), $"{key}: Prometheus has {actual}, the simulator sent {value}");
        }

        // No extra series in the per-pack families (a cell, sensor or flag the simulator never sent).
        var families = expected.Keys.Select(ExpectedSeries.NameOf).ToHashSet(StringComparer.Ordinal);
        Assert.Equal(
            expected.Keys.Order(StringComparer.Ordinal),
            scraped.Keys.Where(k => families.Contains(ExpectedSeries.NameOf(k))).Order(StringComparer.Ordinal));
        // The freeze held: what the simulator sends now is still what was expected.
        Assert.Equal(bms.LastSentAnalog(1)!.CellVoltagesVolts.ToArray(), Enumerable.Range(1, Cells).Select(c => expected[ExpectedSeries.Key("pace_bms_cell_voltage_volts", ("battery", Battery), ("cell", Pack(c)), ("pack", "1"))]));

        Assert.Equal(1, scraped.Value("pace_bms_up", ("battery", Battery)));
        Assert.Equal(Packs, scraped.Value("pace_bms_packs_reported", ("battery", Battery)));
        Assert.Equal(Packs, scraped.Value("pace_bms_packs_decoded", ("battery", Battery)));
        double analogRequests = scraped.Value("pace_bms_requests_total", ("battery", Battery), ("command", "analog"));
        Assert.True(analogRequests >= 2, $"requests_total{{command=\"analog\"}} is {analogRequests}");
        await prometheus.QueryUntilAsync(
            $"pace_bms_requests_total{{battery=\"{Battery}\",command=\"analog\"}} > {analogRequests.ToString(CultureInfo.InvariantCulture)}", r => r.Count == 1, Deadline);

        string live = await host.ScrapeTextAsync();
        var lint = await ProcessRunner.RunAsync("promtool", ["check", "metrics"], stdin: live);
        var problems = lint.All.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(line => !PrometheusSinkTests.ContractLintExceptions.Contains(line, StringComparer.Ordinal)).ToList();
        Assert.True(lint.ExitCode is 0 or 3 && problems.Count == 0, $"promtool check metrics: exit {lint.ExitCode}\n{string.Join('\n', problems)}");
    }

    [Fact]
    public async Task A_silent_battery_is_withdrawn_after_stale_after_cycles_and_comes_back()
    {
        var bms = NewSimulator();
        await using var server = Serve(bms);
        var options = Options(server.EndPoint.Port);
        await using var host = await RunningHost.StartAsync(options);
        string voltage(int pack) => ExpectedSeries.Key("pace_bms_pack_voltage_volts", ("battery", Battery), ("pack", Pack(pack)));
        string timeouts = ExpectedSeries.Key("pace_bms_request_failures_total", ("battery", Battery), ("command", "analog"), ("reason", "timeout"));

        await Eventually.TrueAsync(
            async () =>
            {
                var series = await host.ScrapeAsync();
                return Enumerable.Range(1, Packs).All(p => series.ContainsKey(voltage(p)));
            },
            "both packs exported",
            Deadline);

        bms.SetFault(SimulatorFault.Parse("silent:1"));
        Dictionary<string, double> withdrawn = [];
        await Eventually.TrueAsync(async () => !(withdrawn = await host.ScrapeAsync()).ContainsKey(voltage(1)), "the pack series to be withdrawn", Deadline);

        // Withdrawn only after stale_after_cycles missed cycles: with no retries, one analog timeout per cycle.
        double timeoutsAtWithdrawal = withdrawn.GetValueOrDefault(timeouts);
        Assert.True(timeoutsAtWithdrawal >= options.StaleAfterCycles, $"withdrawn after {timeoutsAtWithdrawal} timed-out analog requests");
        var left = withdrawn.Keys.Where(k => k.Contains("pack=\"", StringComparison.Ordinal)).ToList();
        var allowed = new HashSet<string>(StringComparer.Ordinal)
        {
            "pace_bms_pack_up", "pace_bms_last_success_timestamp_seconds", "pace_bms_charged_watt_hours_total", "pace_bms_discharged_watt_hours_total",
        };
        Assert.All(left, k => Assert.Contains(ExpectedSeries.NameOf(k), allowed));
        double nowSeconds = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
        for (int pack = 1; pack <= Packs; pack++)
        {
            Assert.Equal(0, withdrawn.Value("pace_bms_pack_up", ("battery", Battery), ("pack", Pack(pack))));
            double lastSuccess = withdrawn.Value("pace_bms_last_success_timestamp_seconds", ("battery", Battery), ("pack", Pack(pack)));
            Assert.InRange(lastSuccess, nowSeconds - 60, nowSeconds);
        }

        Assert.Equal(0, withdrawn.Value("pace_bms_up", ("battery", Battery)));
        await Eventually.TrueAsync(async () => (await host.ScrapeAsync()).GetValueOrDefault(timeouts) > timeoutsAtWithdrawal, "more timeouts while silent", Deadline);

        bms.ClearFaults();
        await Eventually.TrueAsync(
            async () =>
            {
                var back = await host.ScrapeAsync();
                return back.Value("pace_bms_up", ("battery", Battery)) == 1
                    && Enumerable.Range(1, Packs).All(p => back.ContainsKey(voltage(p)) && back.Value("pace_bms_pack_up", ("battery", Battery), ("pack", Pack(p))) == 1);
            },
            "the pack series to come back",
            Deadline);
        var recovered = await host.ScrapeAsync();
        Assert.Equal(Cells * Packs, recovered.Keys.Count(k => ExpectedSeries.NameOf(k) == "pace_bms_cell_voltage_volts"));
    }

    [Fact]
    public async Task InfluxDB_holds_exactly_what_the_simulator_sent()
    {
        var clock = new FreezableClock();
        var bms = NewSimulator(clock);
        await using var server = Serve(bms);
        await using var influx = await InfluxDbServer.StartAsync();
        await influx.CreateDatabaseAsync("bms");
        await using var host = await RunningHost.StartAsync(Options(server.EndPoint.Port, InfluxOptions(influx)));

        // Evolution reaches InfluxDB: cell 1 of pack 1 has been stored with more than one value.
        await Eventually.TrueAsync(
            async () => (await influx.SelectAsync("SELECT \"voltage_volts\" FROM \"pace_bms_cell\" WHERE \"pack\"='1' AND \"cell\"='1'", "bms"))
                .Select(r => r["voltage_volts"].GetDouble()).Distinct().Count() > 1,
            "cell 1 stored with two different values",
            Deadline);

        clock.Freeze();
        await bms.SettleAfterFreezeAsync();
        long settledAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        for (int pack = 1; pack <= Packs; pack++)
        {
            var analog = bms.LastSentAnalog(pack)!;
            var alarm = bms.LastSentAlarm(pack)!;
            // A point stamped after settling comes from a cycle that started after it: its replies are the frozen ones.
            List<Dictionary<string, JsonElement>> rows = [];
            await Eventually.TrueAsync(
                async () => (rows = await influx.SelectAsync($"SELECT * FROM \"pace_bms_pack\" WHERE \"pack\"='{pack}' AND time > {settledAt}ms ORDER BY time DESC LIMIT 1", "bms")).Count == 1,
                $"a pack {pack} point stamped after the simulator settled",
                Deadline);
            var row = rows[0];
            long time = row["time"].GetInt64();
            Assert.Equal(Battery, row["battery"].GetString());
            AssertField(analog.VoltageVolts, row, "voltage_volts");
            AssertField(analog.CurrentAmperes, row, "current_amperes");
            AssertField(analog.VoltageVolts * analog.CurrentAmperes, row, "power_watts");
            AssertField(analog.TailStateOfChargeRatio ?? analog.StateOfChargeCalculatedRatio, row, "soc_ratio");
            AssertField(analog.TailStateOfHealthRatio ?? analog.StateOfHealthCalculatedRatio, row, "soh_ratio");
            AssertField(analog.RemainingAmpHours, row, "remaining_amp_hours");
            AssertField(analog.FullAmpHours, row, "full_amp_hours");
            AssertField(analog.DesignAmpHours, row, "design_amp_hours");
            Assert.Equal(analog.CycleCount, row["cycle_count"].GetInt64());
            AssertField(analog.CellVoltagesVolts.Min(), row, "cell_min_volts");
            AssertField(analog.CellVoltagesVolts.Max(), row, "cell_max_volts");
            AssertField(analog.CellVoltagesVolts.Max() - analog.CellVoltagesVolts.Min(), row, "cell_delta_volts");

            // The other measurements of the same poll, matched by its timestamp.
            string samePoll = $"\"pack\"='{pack}' AND time = {time}ms";
            var cells = (await influx.SelectAsync($"SELECT * FROM \"pace_bms_cell\" WHERE {samePoll}", "bms"))
                .ToDictionary(r => int.Parse(r["cell"].GetString()!, CultureInfo.InvariantCulture));
            Assert.Equal(Enumerable.Range(1, Cells), cells.Keys.Order());
            int balancing = alarm.BalanceState1 | (alarm.BalanceState2 << 8);
            foreach (var (cell, cellRow) in cells)
            {
                AssertField(analog.CellVoltagesVolts[cell - 1], cellRow, "voltage_volts");
                Assert.Equal(((balancing >> (cell - 1)) & 1) == 1, cellRow["balancing"].GetBoolean());
            }

            var sensors = (await influx.SelectAsync($"SELECT * FROM \"pace_bms_temperature\" WHERE {samePoll}", "bms"))
                .ToDictionary(r => int.Parse(r["sensor"].GetString()!, CultureInfo.InvariantCulture));
            Assert.Equal(Enumerable.Range(1, analog.TemperaturesCelsius.Length), sensors.Keys.Order());
            foreach (var (sensor, sensorRow) in sensors)
            {
                AssertField(analog.TemperaturesCelsius[sensor - 1], sensorRow, "celsius");
            }

            var flags = Assert.Single(await influx.SelectAsync($"SELECT * FROM \"pace_bms_flags\" WHERE {samePoll}", "bms"));
            foreach (var definition in PaceFlagTable.All)
            {
                string field = $"{definition.Family.ToLabel()}_{definition.Name}";
                Assert.True(flags.TryGetValue(field, out var stored), $"no field {field}");
                Assert.True(ExpectedSeries.FlagBit(alarm, definition) == stored.GetBoolean(), $"{field}: stored {stored}, the simulator sent the opposite");
            }
        }
    }

    [Fact]
    public async Task An_InfluxDB_outage_loses_no_poll_cycle()
    {
        var bms = NewSimulator();
        await using var server = Serve(bms);
        await using var influx = await InfluxDbServer.StartAsync();
        await influx.CreateDatabaseAsync("bms");
        await using var host = await RunningHost.StartAsync(Options(server.EndPoint.Port, InfluxOptions(influx)));
        await Eventually.TrueAsync(async () => await influx.CountAsync("pace_bms_pack", "bms", "voltage_volts") >= Packs * 2, "points before the outage", Deadline);

        await influx.StopAsync();
        long downAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        int analogAtStop = bms.Requests(0x42);
        await Eventually.TrueAsync(() => Task.FromResult(bms.Requests(0x42) >= analogAtStop + 4), "four poll cycles while InfluxDB is down", Deadline);
        long upAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await influx.StartAgainAsync();
        int analogAtStart = bms.Requests(0x42);
        await Eventually.TrueAsync(() => Task.FromResult(bms.Requests(0x42) >= analogAtStart + 2), "polling after InfluxDB is back", Deadline);
        await host.StopAsync();

        // Every cycle whose analog request succeeded made one pace_bms_pack point per pack (Retries = 0: one request per cycle).
        var final = await host.ExpositionAsync();
        double requests = final.Value("pace_bms_requests_total", ("battery", Battery), ("command", "analog"));
        double failures = final.Where(s => s.Key.StartsWith("pace_bms_request_failures_total{", StringComparison.Ordinal) && s.Key.Contains("command=\"analog\"", StringComparison.Ordinal)).Sum(s => s.Value);
        int goodCycles = (int)(requests - failures);
        Assert.True(goodCycles >= 8, $"only {goodCycles} good cycles");
        for (int pack = 1; pack <= Packs; pack++)
        {
            var points = await influx.SelectAsync($"SELECT \"voltage_volts\" FROM \"pace_bms_pack\" WHERE \"pack\"='{pack}'", "bms");
            Assert.Equal(goodCycles, points.Count);
            Assert.Equal(points.Count, points.Select(p => p["time"].GetInt64()).Distinct().Count());
            int duringOutage = points.Count(p => p["time"].GetInt64() > downAt && p["time"].GetInt64() < upAt);
            Assert.True(duringOutage >= 3, $"pack {pack}: {duringOutage} points from the outage");
        }
    }

    [Fact]
    public async Task A_silent_battery_leaves_a_gap_in_InfluxDB_not_repeated_values()
    {
        var bms = NewSimulator();
        await using var server = Serve(bms);
        await using var influx = await InfluxDbServer.StartAsync();
        await influx.CreateDatabaseAsync("bms");
        await using var host = await RunningHost.StartAsync(Options(server.EndPoint.Port, InfluxOptions(influx)));
        string timeouts = ExpectedSeries.Key("pace_bms_request_failures_total", ("battery", Battery), ("command", "analog"), ("reason", "timeout"));
        await Eventually.TrueAsync(async () => await influx.CountAsync("pace_bms_pack", "bms", "voltage_volts") >= Packs * 2, "points before the silence", Deadline);

        // More silent cycles than stale_after_cycles, so the grace period where Prometheus still serves the last values is covered.
        bms.SetFault(SimulatorFault.Parse("silent:1"));
        await Eventually.TrueAsync(async () => (await host.ScrapeAsync()).GetValueOrDefault(timeouts) >= 3, "three silent poll cycles", Deadline);
        bms.ClearFaults();
        int analogAtClear = bms.Requests(0x42);
        await Eventually.TrueAsync(() => Task.FromResult(bms.Requests(0x42) >= analogAtClear + 2), "polling after the silence", Deadline);
        await host.StopAsync();

        // A point is a reading: a cycle that got no analog answer must not store the previous values under its own time.
        var final = await host.ExpositionAsync();
        double requests = final.Value("pace_bms_requests_total", ("battery", Battery), ("command", "analog"));
        double failures = final.Where(s => s.Key.StartsWith("pace_bms_request_failures_total{", StringComparison.Ordinal) && s.Key.Contains("command=\"analog\"", StringComparison.Ordinal)).Sum(s => s.Value);
        Assert.True(failures >= 3, $"{failures} failed analog requests");
        for (int pack = 1; pack <= Packs; pack++)
        {
            int points = (await influx.SelectAsync($"SELECT \"voltage_volts\" FROM \"pace_bms_pack\" WHERE \"pack\"='{pack}'", "bms")).Count;
            int cells = (await influx.SelectAsync($"SELECT \"voltage_volts\" FROM \"pace_bms_cell\" WHERE \"pack\"='{pack}' AND \"cell\"='1'", "bms")).Count;
            Assert.Equal((int)(requests - failures), points);
            Assert.Equal(points, cells);
        }
    }

    [Fact]
    public async Task A_TCP_serial_server_that_vanishes_and_returns_is_reconnected()
    {
        var bms = NewSimulator();
        var server = Serve(bms);
        bool serverGone = false;
        try
        {
            int port = server.EndPoint.Port;
            await using var host = await RunningHost.StartAsync(Options(port));
            string up = ExpectedSeries.Key("pace_bms_up", ("battery", Battery));
            string reconnects = ExpectedSeries.Key("pace_bms_reconnects_total", ("battery", Battery));
            await Eventually.TrueAsync(async () => (await host.ScrapeAsync()).GetValueOrDefault(up) == 1, "pace_bms_up 1", Deadline);
            double reconnectsBefore = (await host.ScrapeAsync()).GetValueOrDefault(reconnects);

            serverGone = true;
            await server.DisposeAsync();
            await Eventually.TrueAsync(async () => (await host.ScrapeAsync()).GetValueOrDefault(up, 1) == 0, "pace_bms_up 0 while the server is gone", Deadline);

            int clientsOfReturned = 0;
            await using var returned = SimulatorTcpServer.Start(bms, new IPEndPoint(IPAddress.Loopback, port), _ => Interlocked.Increment(ref clientsOfReturned));
            await Eventually.TrueAsync(
                async () =>
                {
                    var series = await host.ScrapeAsync();
                    return series.GetValueOrDefault(up) == 1 && series.GetValueOrDefault(reconnects) > reconnectsBefore;
                },
                "pace_bms_up 1 again after a reconnect",
                Deadline);
            Assert.True(Volatile.Read(ref clientsOfReturned) >= 1);
        }
        finally
        {
            if (!serverGone)
            {
                await server.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Run_command_serves_the_simulator_from_a_config_file_until_cancelled()
    {
        var bms = NewSimulator();
        await using var server = Serve(bms);
        int listen = ProcessRunner.FreePort();
        string config = Path.Combine(Path.GetTempPath(), $"bmspace-run-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(config, $"""
            scan_interval: 500ms
            request_timeout: 1s
            request_gap: 0
            retries: 0
            batteries:
              - name: {Battery}
                connection: tcp://127.0.0.1:{server.EndPoint.Port}
            prometheus:
              listen: 127.0.0.1:{listen}
            console:
              enabled: true
            """);
        var outputText = new StringWriter();
        var errorText = new StringWriter();
        var output = TextWriter.Synchronized(outputText);
        var error = TextWriter.Synchronized(errorText);
        // The synchronised writer locks itself while writing; reading the text under that lock sees whole lines.
        string Text(TextWriter writer, StringWriter text)
        {
            lock (writer)
            {
                return text.ToString();
            }
        }

        using var stop = new CancellationTokenSource();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{listen}/"), Timeout = TimeSpan.FromSeconds(5) };
        var run = BmsPaceCli.InvokeAsync(["run", "--config", config], output, error, stop.Token);
        try
        {
            Dictionary<string, double> series = [];
            await Eventually.TrueAsync(
                async () =>
                {
                    Assert.False(run.IsCompleted, $"run ended early with {(run.IsCompleted ? run.Result : 0)}: {Text(error, errorText)}");
                    try
                    {
                        series = Exposition.Parse(await http.GetStringAsync(new Uri("metrics", UriKind.Relative)))
                            .ToDictionary(s => SeriesKey.FromExposition(s.Key), s => s.Value, StringComparer.Ordinal);
                    }
                    catch (HttpRequestException)
                    {
                        return false;
                    }

                    return series.Value("pace_bms_packs_decoded", ("battery", Battery)) == Packs;
                },
                "bmspace run to export both packs",
                Deadline);
            Assert.Equal(1, series.Value("pace_bms_up", ("battery", Battery)));
            Assert.Contains(Battery, Text(output, outputText), StringComparison.Ordinal);
        }
        finally
        {
            await stop.CancelAsync();
            var ended = await Task.WhenAny(run, Task.Delay(Deadline));
            File.Delete(config);
            Assert.Same(run, ended);
        }

        Assert.Equal(BmsPaceCli.ExitOk, await run);
        await Assert.ThrowsAsync<HttpRequestException>(() => http.GetStringAsync(new Uri("metrics", UriKind.Relative)));
    }

    private static InfluxDbOptions InfluxOptions(InfluxDbServer influx) => new()
    {
        Enabled = true,
        Url = influx.Url,
        Api = InfluxApi.V1,
        Database = "bms",
        FlushInterval = TimeSpan.FromMilliseconds(200),
        Timeout = TimeSpan.FromSeconds(5),
    };

    private static void AssertField(double expected, Dictionary<string, JsonElement> row, string field)
    {
        Assert.True(row.TryGetValue(field, out var value) && value.ValueKind == JsonValueKind.Number, $"no numeric field {field}");
        double actual = value.GetDouble();
        Assert.True(Math.Abs(expected - actual) <= 1e-9 * Math.Max(1, Math.Abs(expected)), $"{field}: InfluxDB has {actual}, the simulator sent {expected}");
    }
}
