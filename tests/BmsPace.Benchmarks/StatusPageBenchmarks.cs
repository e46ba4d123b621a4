using System.Globalization;
using System.Net;
using BmsPace.Simulator;
using BmsPace.Tests.Web;

namespace BmsPace.Benchmarks;

/// <summary>
/// The status page's costs, each against a peer in the same run: <c>/api/v1/status</c> against nginx serving the same
/// JSON as a static file; the exporter's CPU with 100 live pages open against none; its poll cycle with 10 live pages
/// open against none. The exporter is <c>bmspace run</c> in a child process (<see cref="ExporterProcess"/>).
/// </summary>
internal static class StatusPageBenchmarks
{
    private const double GoalRateRatio = 0.9;
    private const double GoalP99Milliseconds = 5;
    private const double GoalLiveCpuShare = 0.01;
    private const double GoalCycleRatio = 1.02;

    public static void Register()
    {
        BenchmarkRunner.Register(
            "status-json",
            "GET /api/v1/status of bmspace run (simulated 3 and 16 packs of 16 cells) under wrk (2 threads, 16 connections) against nginx serving the same JSON as a static file; needs Debian wrk and nginx; args: [seconds per run]; goal: >= 0.9x nginx's requests/s and p99 <= 5 ms",
            StatusJsonAsync);
        BenchmarkRunner.Register(
            "live-clients-cpu",
            "CPU share of one core of bmspace run (3 simulated packs over TCP, scan 5 s) with 100 live pages (server-sent events) open against none, from /proc; args: [window seconds] [clients]; goal: < 1 % of a core",
            LiveClientsCpuAsync);
        BenchmarkRunner.Register(
            "live-clients-poll-cycle",
            "mean poll cycle of bmspace run (3 packs over TCP, paced at 9600 baud with 20 ms think time, cycles back to back) with 10 live pages open against none; args: [window seconds] [clients]; goal: ratio <= 1.02",
            LiveClientsPollCycleAsync);
    }

    private static async Task<int> StatusJsonAsync(string[] args)
    {
        int seconds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10;
        if (!OperatingSystem.IsLinux())
        {
            await Console.Error.WriteLineAsync("status-json: runs on Linux only (wrk and nginx from Debian).");
            return 2;
        }

        if (HttpPeers.Missing("wrk", "nginx").ToList() is { Count: > 0 } missing)
        {
            await Console.Error.WriteLineAsync($"status-json: {string.Join(" and ", missing)} not on PATH; apt-get install wrk nginx");
            return 2;
        }

        Console.WriteLine($"status-json: wrk -t2 -c16 -d{seconds}s --latency against each, after a 5 s warm-up of each; {Environment.ProcessorCount} cores; load average before: {HttpPeers.LoadAverage()}");
        bool met = true;
        foreach (int packs in new[] { 3, 16 })
        {
            // One poll and then none within the run: the JSON stays the same bytes, as the static file does.
            await using var exporter = ExporterProcess.Start("1h", $"  - name: main\n    connection: simulator?packs={packs}\n");
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            await exporter.UntilFreshAsync(http);
            var exporterUrl = new Uri(exporter.Address, "api/v1/status");
            byte[] json = await http.GetByteArrayAsync(exporterUrl);

            string directory = HttpPeers.ReadableScratch("bmspace-status-bench-");
            System.Diagnostics.Process? nginx = null;
            try
            {
                string folder = Path.Combine(directory, "www", "api", "v1");
                Directory.CreateDirectory(folder);
                await File.WriteAllBytesAsync(Path.Combine(folder, "status"), json);
                foreach (string path in new[] { "www", "www/api", "www/api/v1" })
                {
                    File.SetUnixFileMode(Path.Combine(directory, path), File.GetUnixFileMode(directory));
                }

                int nginxPort = HttpPeers.FreePort();
                nginx = await HttpPeers.StartNginxAsync(directory, nginxPort, "location = /api/v1/status { default_type \"application/json; charset=utf-8\"; }");
                var nginxUrl = new Uri($"http://127.0.0.1:{nginxPort}/api/v1/status");
                if (!(await http.GetByteArrayAsync(nginxUrl)).AsSpan().SequenceEqual(json) || !(await http.GetByteArrayAsync(exporterUrl)).AsSpan().SequenceEqual(json))
                {
                    await Console.Error.WriteLineAsync("status-json: the two servers do not serve the same JSON");
                    return 1;
                }

                await HttpPeers.RunWrkAsync(exporterUrl.ToString(), 5, gzip: false);
                await HttpPeers.RunWrkAsync(nginxUrl.ToString(), 5, gzip: false);
                var ours = await HttpPeers.RunWrkAsync(exporterUrl.ToString(), seconds, gzip: false);
                var peer = await HttpPeers.RunWrkAsync(nginxUrl.ToString(), seconds, gzip: false);
                double ratio = ours.RequestsPerSecond / peer.RequestsPerSecond;
                Console.WriteLine(FormattableString.Invariant($"-- {packs} packs x 16 cells: {json.Length} bytes of JSON"));
                Console.WriteLine(FormattableString.Invariant($"exporter /api/v1/status: {ours.RequestsPerSecond,10:F0} req/s   p99 {ours.P99Milliseconds,7:F2} ms"));
                Console.WriteLine(FormattableString.Invariant($"nginx static file:       {peer.RequestsPerSecond,10:F0} req/s   p99 {peer.P99Milliseconds,7:F2} ms"));
                Console.WriteLine(FormattableString.Invariant($"ratio exporter/nginx: {ratio:F2} (goal >= {GoalRateRatio:F1}); exporter p99 {ours.P99Milliseconds:F2} ms (goal <= {GoalP99Milliseconds:F0} ms)"));
                met &= ratio >= GoalRateRatio && ours.P99Milliseconds <= GoalP99Milliseconds;
            }
            finally
            {
                await HttpPeers.StopAsync(nginx);
                Directory.Delete(directory, recursive: true);
            }
        }

        Console.WriteLine($"load average after: {HttpPeers.LoadAverage()}");
        Console.WriteLine(met ? "goal: met" : "goal: NOT met");
        return met ? 0 : 1;
    }

    private static async Task<int> LiveClientsCpuAsync(string[] args)
    {
        var window = TimeSpan.FromSeconds(args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 120);
        int clients = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 100;
        var scan = TimeSpan.FromSeconds(5);
        await using var server = SimulatorTcpServer.Start(new SimulatedBms(new SimulatedBmsOptions { Packs = 3, Cells = 16 }), new IPEndPoint(IPAddress.Loopback, 0));
        await using var exporter = ExporterProcess.Start("5s", $"  - name: main\n    connection: tcp://127.0.0.1:{server.EndPoint.Port}\n");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        await exporter.UntilFreshAsync(http);
        Console.WriteLine(FormattableString.Invariant($"live-clients-cpu: 3 packs x 16 cells over TCP, scan 5 s, {window.TotalSeconds:F0} s per window, none / {clients} live pages / none; {Environment.ProcessorCount} cores; load average before: {HttpPeers.LoadAverage()}"));
        await Task.Delay(scan * 2);
        double before = await exporter.CpuShareAsync(window);
        double with;
        await using (var pages = LiveClients.Open(new Uri(exporter.Address, "api/v1/events"), clients))
        {
            await pages.EveryOneGotAnotherAsync(null, TimeSpan.FromMinutes(2));
            if (pages.Refused().Any())
            {
                await Console.Error.WriteLineAsync($"live-clients-cpu: streams refused: {string.Join(", ", pages.Refused())}");
                return 1;
            }

            var counts = pages.StatusEvents();
            with = await exporter.CpuShareAsync(window);
            int events = pages.StatusEvents().Zip(counts, (now, then) => now - then).Sum();
            Console.WriteLine(FormattableString.Invariant($"status events delivered in the window with pages: {events} ({events / (double)clients:F1} per page)"));
            if (pages.Ended().Any())
            {
                await Console.Error.WriteLineAsync($"live-clients-cpu: streams ended: {string.Join(", ", pages.Ended().Take(5))}");
                return 1;
            }
        }

        await Task.Delay(scan);
        double after = await exporter.CpuShareAsync(window);
        double cost = with - ((before + after) / 2);
        Console.WriteLine(FormattableString.Invariant($"CPU % of one core: none {before * 100:F2}, {clients} pages {with * 100:F2}, none again {after * 100:F2}"));
        Console.WriteLine(FormattableString.Invariant($"cost of {clients} live pages: {cost * 100:F2} % of one core (goal < {GoalLiveCpuShare * 100:F0} %)"));
        Console.WriteLine($"load average after: {HttpPeers.LoadAverage()}");
        bool met = cost < GoalLiveCpuShare;
        Console.WriteLine(met ? "goal: met" : "goal: NOT met");
        return met ? 0 : 1;
    }

    private static async Task<int> LiveClientsPollCycleAsync(string[] args)
    {
        var window = TimeSpan.FromSeconds(args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 60);
        int clients = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10;
        var bms = new SimulatedBms(new SimulatedBmsOptions { Packs = 3, Cells = 16, BaudRate = 9600, ThinkTime = TimeSpan.FromMilliseconds(20) });
        await using var server = SimulatorTcpServer.Start(bms, new IPEndPoint(IPAddress.Loopback, 0));
        // Cycles back to back (scan_interval 0): every cycle's publication reaches the pages while the next cycle runs.
        await using var exporter = ExporterProcess.Start("0s", $"  - name: main\n    connection: tcp://127.0.0.1:{server.EndPoint.Port}\n");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        await exporter.UntilFreshAsync(http);
        Console.WriteLine(FormattableString.Invariant($"live-clients-poll-cycle: 3 packs x 16 cells over TCP at 9600 baud, 20 ms think time, scan_interval 0, {window.TotalSeconds:F0} s per window, none / {clients} live pages / none; {Environment.ProcessorCount} cores; load average before: {HttpPeers.LoadAverage()}"));
        await Task.Delay(TimeSpan.FromSeconds(5));
        var none = await MeanCycleAsync(exporter, http, window);
        (double Mean, long Cycles) with;
        await using (var pages = LiveClients.Open(new Uri(exporter.Address, "api/v1/events"), clients))
        {
            await pages.EveryOneGotAnotherAsync(null, TimeSpan.FromMinutes(1));
            with = await MeanCycleAsync(exporter, http, window);
            if (pages.Refused().Any() || pages.Ended().Any())
            {
                await Console.Error.WriteLineAsync("live-clients-poll-cycle: a live page was refused or dropped");
                return 1;
            }

            Console.WriteLine($"status events delivered to the {clients} pages: {pages.StatusEvents().Sum()}");
        }

        var noneAgain = await MeanCycleAsync(exporter, http, window);
        double ratio = with.Mean / ((none.Mean + noneAgain.Mean) / 2);
        Console.WriteLine(FormattableString.Invariant($"mean cycle ms (cycles): none {none.Mean * 1000:F1} ({none.Cycles}), {clients} pages {with.Mean * 1000:F1} ({with.Cycles}), none again {noneAgain.Mean * 1000:F1} ({noneAgain.Cycles})"));
        Console.WriteLine(FormattableString.Invariant($"ratio with pages / without: {ratio:F3} (goal <= {GoalCycleRatio:F2})"));
        Console.WriteLine($"load average after: {HttpPeers.LoadAverage()}");
        bool met = ratio <= GoalCycleRatio;
        Console.WriteLine(met ? "goal: met" : "goal: NOT met");
        return met ? 0 : 1;
    }

    /// <summary>The mean of the cycles that ended within <paramref name="window"/>, from the exporter's own histogram.</summary>
    private static async Task<(double Mean, long Cycles)> MeanCycleAsync(ExporterProcess exporter, HttpClient http, TimeSpan window)
    {
        var (sumBefore, countBefore) = await exporter.PollDurationsAsync(http, "main");
        await Task.Delay(window);
        var (sumAfter, countAfter) = await exporter.PollDurationsAsync(http, "main");
        long cycles = countAfter - countBefore;
        return (cycles > 0 ? (sumAfter - sumBefore) / cycles : double.NaN, cycles);
    }
}
