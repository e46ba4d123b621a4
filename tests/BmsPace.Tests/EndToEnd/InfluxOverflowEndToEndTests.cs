using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using BmsPace.Simulator;
using BmsPace.Tests.Influx;
using BmsPace.Tests.Prometheus;
using BmsPace.Tests.Simulation;

namespace BmsPace.Tests.EndToEnd;

/// <summary>
/// The path of tests/influx-outage.sh that a short test can reach: <c>bmspace run</c> as a process writing 2 packs to a
/// real InfluxDB 1.6 whose outage outlasts a small <c>buffer_points</c>. The oldest points are dropped, counted once each
/// in <c>pace_bms_influxdb_points_dropped_total</c>, reported once in the log; the buffer never holds more than its
/// capacity; every point produced is either stored exactly once or counted as dropped.
/// </summary>
public sealed class InfluxOverflowEndToEndTests
{
    private const string Battery = "bank";
    private const int Packs = 2;
    private const int Cells = 4;
    private const int Temperatures = 2;
    private const int Capacity = 100;
    private const int PointsPerCycle = Packs * (2 + Cells + Temperatures);
    private static readonly TimeSpan ScanInterval = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task An_outage_longer_than_the_buffer_drops_the_oldest_points_counts_them_and_says_so_once()
    {
        var bms = new RecordedBms(new SimulatedBmsOptions { Packs = Packs, Cells = Cells, Temperatures = Temperatures, TailBytes = 14, Seed = 3, TimeScale = 600 });
        await using var simulator = SimulatorTcpServer.Start(bms, new IPEndPoint(IPAddress.Loopback, 0));
        await using var influx = await InfluxDbServer.StartAsync();
        await influx.CreateDatabaseAsync("bms");
        string directory = Directory.CreateTempSubdirectory("bmspace-overflow-").FullName;
        int listen = ProcessRunner.FreePort();
        string config = Path.Combine(directory, "config.yaml");
        await File.WriteAllTextAsync(config, $"""
            scan_interval: {ScanInterval.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)}ms
            request_timeout: 1s
            request_gap: 0
            retries: 0
            batteries:
              - name: {Battery}
                connection: tcp://127.0.0.1:{simulator.EndPoint.Port}
                protocol: pace
            prometheus:
              listen: 127.0.0.1:{listen}
            influxdb:
              enabled: true
              url: {influx.Url}
              api: v1
              database: bms
              flush_interval: 200ms
              buffer_points: {Capacity}
            """);

        var exporter = ExporterProcess.Start(config);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{listen}/"), Timeout = TimeSpan.FromSeconds(10) };
        async Task<Dictionary<string, double>> ScrapeAsync()
        {
            Assert.False(exporter.HasExited, $"bmspace run exited: {exporter.Output}");
            try
            {
                return Exposition.Parse(await http.GetStringAsync(new Uri("metrics", UriKind.Relative)));
            }
            catch (HttpRequestException)
            {
                return [];
            }
        }

        try
        {
            await Eventually.TrueAsync(async () => await influx.CountAsync("pace_bms_pack", "bms", "voltage_volts") >= 2 * Packs, "points before the outage", Deadline);

            await influx.StopAsync();
            long downAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            // About 30 cycles' worth dropped (16 points a cycle): far more than the buffer holds.
            double mostBuffered = 0;
            await Eventually.TrueAsync(
                async () =>
                {
                    var series = await ScrapeAsync();
                    mostBuffered = Math.Max(mostBuffered, series.GetValueOrDefault("pace_bms_influxdb_buffer_points"));
                    Assert.Equal(Capacity, series.GetValueOrDefault("pace_bms_influxdb_buffer_capacity_points", Capacity));
                    return series.GetValueOrDefault("pace_bms_influxdb_points_dropped_total") >= 500;
                },
                "points dropped during the outage",
                Deadline);
            Assert.InRange(mostBuffered, 1, Capacity);

            await influx.StartAgainAsync();
            await Eventually.TrueAsync(async () => (await ScrapeAsync()).GetValueOrDefault("pace_bms_influxdb_buffer_points", -1) == 0, "the buffer written out", Deadline);

            // Nothing new from here on: the battery falls silent, so the counters can be compared with what is stored.
            bms.SetFault(SimulatorFault.Parse("silent:1"));
            int analogAtSilence = bms.Requests(0x42);
            await Eventually.TrueAsync(() => Task.FromResult(bms.Requests(0x42) >= analogAtSilence + 2), "two silent cycles", Deadline);
            Dictionary<string, double> final = [];
            await Eventually.TrueAsync(
                async () => (final = await ScrapeAsync()).GetValueOrDefault("pace_bms_influxdb_buffer_points", -1) == 0,
                "the last points written",
                Deadline);

            double written = final["pace_bms_influxdb_points_written_total"];
            double dropped = final["pace_bms_influxdb_points_dropped_total"];
            double analogGood = Good(final, "analog");
            double alarmGood = Good(final, "alarm");
            // Per good analog answer each pack gives its pack point, its cells and its sensors; a good alarm answer adds the flags point.
            double produced = (analogGood * Packs * (1 + Cells + Temperatures)) + (alarmGood * Packs);
            int stored = await influx.CountAsync("pace_bms_pack", "bms", "voltage_volts")
                + await influx.CountAsync("pace_bms_cell", "bms", "voltage_volts")
                + await influx.CountAsync("pace_bms_temperature", "bms", "celsius")
                + await influx.CountAsync("pace_bms_flags", "bms", "status_charge_fet");

            Assert.True(dropped >= 500, $"{dropped} dropped");
            // A batch in flight when InfluxDB is killed can be stored without an answer: the sink then keeps it, it ages
            // out of the full buffer and is counted as dropped although it is there. That is at most what one flush
            // carries before the outage (a cycle or two of points); everything else is stored exactly when counted written.
            Assert.InRange(stored - written, 0, 2 * PointsPerCycle);
            Assert.Equal(produced, written + dropped);
            Assert.Equal(1, exporter.Lines("InfluxDB buffer full (100 points)"));

            // The dropped points are the oldest waiting ones: everything written before the outage is there, then one gap
            // from the outage on, then every cycle up to the silence.
            var times = (await influx.SelectAsync("SELECT voltage_volts FROM pace_bms_pack WHERE pack = '1'", "bms"))
                .Select(row => row["time"].GetInt64()).Order().ToArray();
            var gaps = times.Zip(times.Skip(1), (from, to) => (From: from, To: to)).Where(g => g.To - g.From > 3000).ToArray();
            var gap = Assert.Single(gaps);
            Assert.InRange(gap.From, downAt - 3000, downAt + 3000);
            // Each dropped cycle took pack 1's point (the first line of a cycle) with it, and cycles start at least a scan interval apart.
            double droppedCycles = Math.Floor(dropped / PointsPerCycle);
            Assert.True(gap.To - gap.From >= droppedCycles * ScanInterval.TotalMilliseconds, $"a gap of {gap.To - gap.From} ms for {dropped} points dropped");
        }
        finally
        {
            await exporter.DisposeAsync();
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Requests of a command that got a good answer (Retries 0: one request per cycle).</summary>
    private static double Good(Dictionary<string, double> series, string command)
    {
        string of = $"command=\"{command}\"";
        double requests = series.Where(s => s.Key.StartsWith("pace_bms_requests_total{", StringComparison.Ordinal) && s.Key.Contains(of, StringComparison.Ordinal)).Sum(s => s.Value);
        double failures = series.Where(s => s.Key.StartsWith("pace_bms_request_failures_total{", StringComparison.Ordinal) && s.Key.Contains(of, StringComparison.Ordinal)).Sum(s => s.Value);
        return requests - failures;
    }

    /// <summary><c>bmspace run --config PATH</c> as a child process, its standard output and error collected.</summary>
    private sealed class ExporterProcess : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new();

        private ExporterProcess(Process process) => _process = process;

        public bool HasExited => _process.HasExited;

        public string Output
        {
            get
            {
                lock (_output)
                {
                    return _output.ToString();
                }
            }
        }

        public static ExporterProcess Start(string config)
        {
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (string argument in new[] { Path.Combine(AppContext.BaseDirectory, "bmspace.dll"), "run", "--config", config })
            {
                start.ArgumentList.Add(argument);
            }

            var exporter = new ExporterProcess(new Process { StartInfo = start });
            exporter._process.OutputDataReceived += (_, e) => exporter.Append(e.Data);
            exporter._process.ErrorDataReceived += (_, e) => exporter.Append(e.Data);
            exporter._process.Start();
            exporter._process.BeginOutputReadLine();
            exporter._process.BeginErrorReadLine();
            return exporter;
        }

        public int Lines(string containing) => Output.Split('\n').Count(line => line.Contains(containing, StringComparison.Ordinal));

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                await _process.WaitForExitAsync();
            }

            _process.Dispose();
        }

        private void Append(string? line)
        {
            if (line is not null)
            {
                lock (_output)
                {
                    _output.Append(line).Append('\n');
                }
            }
        }
    }
}
