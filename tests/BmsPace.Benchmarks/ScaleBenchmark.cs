using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Text;
using BmsPace.Simulator;

namespace BmsPace.Benchmarks;

/// <summary>
/// What one exporter process costs as links are added: N links of 2 packs x 16 cells, each its own simulator over
/// TCP, polled every 5 s by <c>bmspace run</c> in a child process (so the simulators' work is not counted), scraped
/// with gzip every 15 s as Prometheus does. Reports the child's CPU time as a share of one core over a measuring
/// window, its RSS, and the time to scrape the page it serves, beside the same figures for one link.
/// Goal: 64 links under 5 % of one core with every link up.
/// </summary>
internal static class ScaleBenchmark
{
    private const int PacksPerLink = 2;
    private const double GoalCpuShare = 0.05;
    private const int GoalLinks = 64;
    private static readonly TimeSpan ScanInterval = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan ScrapeInterval = TimeSpan.FromSeconds(15);

    public static void Register() => BenchmarkRunner.Register(
        "scale",
        "CPU share of one core, RSS and scrape time of bmspace run with 1, 16, 64 and 256 links of 2 packs at 5 s against TCP simulators (args: [window seconds] [link counts...]); goal: 64 links under 5 % of one core",
        RunAsync);

    private static async Task<int> RunAsync(string[] args)
    {
        if (!OperatingSystem.IsLinux())
        {
            await Console.Error.WriteLineAsync("scale: reads /proc, so it runs on Linux only.");
            return 2;
        }

        var window = TimeSpan.FromSeconds(args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 60);
        int[] sizes = args.Length > 1 ? [.. args.Skip(1).Select(a => int.Parse(a, CultureInfo.InvariantCulture))] : [1, 16, 64, 256];
        if (!sizes.Contains(1))
        {
            sizes = [1, .. sizes];
        }

        Console.WriteLine(FormattableString.Invariant($"scale: {PacksPerLink} packs x 16 cells per link, scan_interval {ScanInterval.TotalSeconds:F0} s, gzip scrape every {ScrapeInterval.TotalSeconds:F0} s, {window.TotalSeconds:F0} s window per size; {Environment.ProcessorCount} cores; load average before: {LoadAverage()}"));
        var results = new List<ScaleResult>();
        foreach (int links in sizes)
        {
            results.Add(await MeasureAsync(links, window));
        }

        var single = results.First(r => r.Links == 1);
        Console.WriteLine();
        Console.WriteLine("links  packs  series   up     CPU % of one core  x one link   RSS MB   page KB (gzip)   scrape ms (median/max)");
        foreach (var r in results)
        {
            Console.WriteLine(FormattableString.Invariant(
                $"{r.Links,5}  {r.Links * PacksPerLink,5}  {r.Series,6}  {r.Up,3}/{r.Links,-3}  {r.CpuShare * 100,12:F2}       {r.CpuShare / single.CpuShare,8:F1}   {r.RssMegabytes,6:F0}   {r.PageBytes / 1024.0,7:F0} ({r.GzipBytes / 1024.0,4:F0})   {r.ScrapeMedianMs,8:F1} / {r.ScrapeMaxMs:F1}"));
        }

        Console.WriteLine($"load average after: {LoadAverage()}");
        var goal = results.FirstOrDefault(r => r.Links == GoalLinks);
        if (goal is null)
        {
            Console.WriteLine($"goal: not measured ({GoalLinks} links not in the run)");
            return 0;
        }

        bool met = goal.CpuShare < GoalCpuShare && goal.Up == goal.Links;
        Console.WriteLine(FormattableString.Invariant($"goal ({GoalLinks} links up, under {GoalCpuShare * 100:F0} % of one core): {(met ? "met" : "NOT met")} ({goal.CpuShare * 100:F2} %, {goal.Up}/{goal.Links} up)"));
        return met ? 0 : 1;
    }

    private sealed record ScaleResult(int Links, int Up, int Series, double CpuShare, double RssMegabytes, int PageBytes, int GzipBytes, double ScrapeMedianMs, double ScrapeMaxMs);

    private static async Task<ScaleResult> MeasureAsync(int links, TimeSpan window)
    {
        var servers = new List<SimulatorTcpServer>();
        string directory = Directory.CreateTempSubdirectory("bmspace-scale-").FullName;
        Process? exporter = null;
        var output = new StringBuilder();
        try
        {
            for (int i = 0; i < links; i++)
            {
                var bms = new SimulatedBms(new SimulatedBmsOptions { Packs = PacksPerLink, Cells = 16, Seed = i + 1 });
                servers.Add(SimulatorTcpServer.Start(bms, new IPEndPoint(IPAddress.Loopback, 0)));
            }

            int port = FreePort();
            string config = Path.Combine(directory, "config.yaml");
            await File.WriteAllTextAsync(config, Config(servers, port));
            exporter = StartExporter(config, output);
            using var http = new HttpClient(new HttpClientHandler { AutomaticDecompression = DecompressionMethods.None }) { Timeout = TimeSpan.FromSeconds(30) };
            var metrics = new Uri($"http://127.0.0.1:{port}/metrics");

            // Every link up, then two more intervals so start-up (JIT, identity reads) is out of the window.
            var deadline = Stopwatch.GetTimestamp() + (long)(Stopwatch.Frequency * Math.Max(60, links * 0.5));
            int upAtStart;
            while ((upAtStart = await CountUpAsync(http, metrics)) < links)
            {
                if (exporter.HasExited)
                {
                    throw new InvalidOperationException($"scale: bmspace exited with {exporter.ExitCode}:\n{Tail(output)}");
                }

                if (Stopwatch.GetTimestamp() > deadline)
                {
                    // Measured anyway: a process that cannot keep every link up is a result, reported in the up column.
                    Console.WriteLine($"scale: {links} links: only {upAtStart} up after the start-up deadline; last log lines:\n{Tail(output, 3)}");
                    break;
                }

                await Task.Delay(500);
            }

            await Task.Delay(ScanInterval * 2);
            var (cpuBefore, startedAt) = (CpuSeconds(exporter.Id), Stopwatch.GetTimestamp());
            while (Stopwatch.GetElapsedTime(startedAt) < window)
            {
                await ScrapeAsync(http, metrics);
                var left = window - Stopwatch.GetElapsedTime(startedAt);
                await Task.Delay(left < ScrapeInterval ? (left > TimeSpan.Zero ? left : TimeSpan.Zero) : ScrapeInterval);
            }

            double cpuShare = (CpuSeconds(exporter.Id) - cpuBefore) / Stopwatch.GetElapsedTime(startedAt).TotalSeconds;
            double rss = RssMegabytes(exporter.Id);

            // Scrapes more than the cache lifetime apart, so each renders the page anew as a real scrape does.
            var times = new List<double>();
            byte[] page = [];
            int gzipBytes = 0;
            for (int i = 0; i < 5; i++)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(1200));
                var (elapsed, gzip) = await ScrapeAsync(http, metrics);
                times.Add(elapsed);
                gzipBytes = gzip.Length;
                page = Gunzip(gzip);
            }

            string text = Encoding.UTF8.GetString(page);
            int up = CountUp(text);
            int series = text.Split('\n').Count(l => l.Length > 0 && l[0] != '#');
            times.Sort();
            return new ScaleResult(links, up, series, cpuShare, rss, page.Length, gzipBytes, times[times.Count / 2], times[^1]);
        }
        finally
        {
            if (exporter is not null)
            {
                if (!exporter.HasExited)
                {
                    exporter.Kill(entireProcessTree: true);
                }

                await exporter.WaitForExitAsync();
                exporter.Dispose();
            }

            foreach (var server in servers)
            {
                await server.DisposeAsync();
            }

            Directory.Delete(directory, recursive: true);
        }
    }

    private static string Config(IEnumerable<SimulatorTcpServer> servers, int port)
    {
        var yaml = new StringBuilder();
        yaml.AppendLine(CultureInfo.InvariantCulture, $"scan_interval: {ScanInterval.TotalSeconds}s");
        yaml.AppendLine("console:\n  enabled: false");
        yaml.AppendLine(CultureInfo.InvariantCulture, $"prometheus:\n  enabled: true\n  listen: 127.0.0.1:{port}");
        yaml.AppendLine("batteries:");
        int index = 0;
        foreach (var server in servers)
        {
            index++;
            yaml.AppendLine(CultureInfo.InvariantCulture, $"  - name: link{index:D3}\n    connection: tcp://127.0.0.1:{server.EndPoint.Port}");
        }

        return yaml.ToString();
    }

    /// <summary>The program as users run it (<c>dotnet bmspace.dll run</c>), from this benchmark's own build output.</summary>
    private static Process StartExporter(string config, StringBuilder output)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in (string[])[Path.Combine(AppContext.BaseDirectory, "bmspace.dll"), "run", "--config", config])
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start bmspace");
        void Keep(object? sender, DataReceivedEventArgs e)
        {
            if (e.Data is not null)
            {
                lock (output)
                {
                    output.AppendLine(e.Data);
                }
            }
        }

        process.OutputDataReceived += Keep;
        process.ErrorDataReceived += Keep;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task<(double Milliseconds, byte[] Gzip)> ScrapeAsync(HttpClient http, Uri metrics)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, metrics);
        request.Headers.AcceptEncoding.ParseAdd("gzip");
        long started = Stopwatch.GetTimestamp();
        using var response = await http.SendAsync(request);
        byte[] body = await response.Content.ReadAsByteArrayAsync();
        double elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        response.EnsureSuccessStatusCode();
        return (elapsed, body);
    }

    private static async Task<int> CountUpAsync(HttpClient http, Uri metrics)
    {
        try
        {
            return CountUp(await http.GetStringAsync(metrics));
        }
        catch (Exception error) when (error is HttpRequestException or TaskCanceledException)
        {
            // Not listening yet, or too busy to answer within the client's timeout: nothing counts as up.
            return 0;
        }
    }

    private static int CountUp(string exposition) =>
        exposition.Split('\n').Count(l => l.StartsWith("pace_bms_up{", StringComparison.Ordinal) && l.EndsWith(" 1", StringComparison.Ordinal));

    private static byte[] Gunzip(byte[] gzip)
    {
        using var input = new GZipStream(new MemoryStream(gzip), CompressionMode.Decompress);
        using var plain = new MemoryStream();
        input.CopyTo(plain);
        return plain.ToArray();
    }

    /// <summary>utime + stime of the process from /proc/PID/stat, in seconds (USER_HZ is 100 on Linux).</summary>
    private static double CpuSeconds(int pid)
    {
        string stat = File.ReadAllText($"/proc/{pid}/stat");
        // The command name may hold spaces; the fields after its closing parenthesis are fixed.
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        long ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return ticks / 100.0;
    }

    private static double RssMegabytes(int pid)
    {
        string line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;
    }

    private static string Tail(StringBuilder output, int lines = 20)
    {
        lock (output)
        {
            return string.Join('\n', output.ToString().TrimEnd().Split('\n').TakeLast(lines));
        }
    }

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
