using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace BmsPace.Benchmarks;

/// <summary>
/// Memory and CPU of the NativeAOT bmspace against node_exporter, the usual neighbour on the same small machine, run
/// side by side and scraped alike: bmspace on its built-in simulator with 8 and 16 packs. Reports RSS (anonymous and
/// file-backed, from /proc/PID/smaps_rollup) and its ratio, CPU seconds per hour of each while scraped, and the time
/// from process start to the first complete /metrics. Goal at 8 packs: RSS at most 1.5x node_exporter's (1.0x ideal).
/// </summary>
internal static class FootprintBenchmark
{
    private const string Name = "footprint";
    private const double GoalRatio = 1.5;

    public static void Register() => BenchmarkRunner.Register(
        Name,
        "RSS, CPU s/hour and time to first /metrics of the NativeAOT bmspace versus node_exporter (Debian prometheus-node-exporter), 8 and 16 simulated packs; args: [--program PATH] [--seconds N] [--scrape-interval S]; without --program it publishes linux-x64 first; goal: RSS ratio at 8 packs <= 1.5",
        RunAsync);

    private static async Task<int> RunAsync(string[] args)
    {
        if (!OperatingSystem.IsLinux())
        {
            await Console.Error.WriteLineAsync($"{Name}: runs on Linux only (it reads /proc).");
            return 2;
        }

        string? program = Option(args, "--program");
        int seconds = int.Parse(Option(args, "--seconds") ?? "60", CultureInfo.InvariantCulture);
        double scrapeInterval = double.Parse(Option(args, "--scrape-interval") ?? "1", CultureInfo.InvariantCulture);
        string? nodeExporter = FindOnPath("prometheus-node-exporter") ?? FindOnPath("node_exporter");
        if (nodeExporter is null)
        {
            await Console.Error.WriteLineAsync($"{Name}: node_exporter is not on PATH; install the Debian package prometheus-node-exporter.");
            return 2;
        }

        string scratch = Directory.CreateTempSubdirectory("bmspace-footprint-").FullName;
        try
        {
            if (program is null)
            {
                program = Path.Combine(scratch, "publish", "bmspace");
                var publish = Stopwatch.StartNew();
                int exit = await RunToEndAsync("dotnet", ["publish", Path.Combine(RepositoryRoot(), "src", "BmsPace"), "-c", "Release", "-r", "linux-x64", "-o", Path.GetDirectoryName(program)!, "--nologo"]);
                if (exit != 0 || !File.Exists(program))
                {
                    await Console.Error.WriteLineAsync($"{Name}: dotnet publish failed (exit {exit})");
                    return 1;
                }

                Console.WriteLine(FormattableString.Invariant($"published {program} ({new FileInfo(program).Length / 1048576.0:F1} MB) in {publish.Elapsed.TotalSeconds:F0} s"));
            }

            Console.WriteLine(FormattableString.Invariant($"each run: {seconds} s, both scraped every {scrapeInterval:0.##} s with Accept-Encoding: gzip; load average before: {LoadAverage()}"));
            Console.WriteLine("packs | program       | RSS MB | anon MB | file MB | CPU s/hour | first /metrics s | series");
            Console.WriteLine("------|---------------|--------|---------|---------|------------|------------------|-------");
            bool met = true;
            foreach (int packs in new[] { 8, 16 })
            {
                var (bmspace, peer) = await MeasurePairAsync(program, nodeExporter, packs, seconds, scrapeInterval, scratch);
                Print(packs, "bmspace", bmspace);
                Print(packs, "node_exporter", peer);
                double ratio = bmspace.RssMegabytes / peer.RssMegabytes;
                Console.WriteLine(FormattableString.Invariant($"{packs,5} | RSS ratio bmspace/node_exporter: {ratio:F2}; CPU ratio: {bmspace.CpuSecondsPerHour / peer.CpuSecondsPerHour:F2}"));
                if (packs == 8)
                {
                    met = ratio <= GoalRatio;
                }
            }

            Console.WriteLine($"load average after: {LoadAverage()}");
            Console.WriteLine(met ? $"goal (RSS ratio at 8 packs <= {GoalRatio}): met" : $"goal (RSS ratio at 8 packs <= {GoalRatio}): NOT met");
            return met ? 0 : 1;
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    private sealed record Footprint(double RssMegabytes, double AnonymousMegabytes, double CpuSecondsPerHour, double FirstMetricsSeconds, int Series);

    private static void Print(int packs, string name, Footprint f) => Console.WriteLine(FormattableString.Invariant(
        $"{packs,5} | {name,-13} | {f.RssMegabytes,6:F1} | {f.AnonymousMegabytes,7:F1} | {f.RssMegabytes - f.AnonymousMegabytes,7:F1} | {f.CpuSecondsPerHour,10:F1} | {f.FirstMetricsSeconds,16:F2} | {f.Series,6}"));

    private static async Task<(Footprint Bmspace, Footprint Peer)> MeasurePairAsync(string program, string nodeExporter, int packs, int seconds, double scrapeInterval, string scratch)
    {
        // An empty working directory, so no ./config.yaml is read; the built-in simulator with PACKS packs behind one master.
        string cwd = Directory.CreateDirectory(Path.Combine(scratch, $"cwd-{packs}")).FullName;
        int bmsPort = FreePort();
        int peerPort = FreePort();
        using var http = new HttpClient(new HttpClientHandler { AutomaticDecompression = DecompressionMethods.GZip }) { Timeout = TimeSpan.FromSeconds(10) };
        var bmsUrl = new Uri($"http://127.0.0.1:{bmsPort}/metrics");
        var peerUrl = new Uri($"http://127.0.0.1:{peerPort}/metrics");

        var bmsStart = Stopwatch.StartNew();
        using var bms = Start(program, cwd, "run", "--connect", $"simulator?packs={packs}", "--listen", $"127.0.0.1:{bmsPort}");
        double bmsFirst = await FirstCompleteAsync(http, bmsUrl, bms, $"pace_bms_packs_decoded{{battery=\"main\"}} {packs}", bmsStart);
        var peerStart = Stopwatch.StartNew();
        using var peer = Start(nodeExporter, cwd, $"--web.listen-address=127.0.0.1:{peerPort}");
        double peerFirst = await FirstCompleteAsync(http, peerUrl, peer, "node_exporter_build_info", peerStart);
        try
        {
            double bmsCpuBefore = CpuSeconds(bms.Id);
            double peerCpuBefore = CpuSeconds(peer.Id);
            var window = Stopwatch.StartNew();
            string bmsBody = "";
            string peerBody = "";
            while (window.Elapsed.TotalSeconds < seconds)
            {
                bmsBody = await http.GetStringAsync(bmsUrl);
                peerBody = await http.GetStringAsync(peerUrl);
                await Task.Delay(TimeSpan.FromSeconds(scrapeInterval));
            }

            double hours = window.Elapsed.TotalHours;
            return (
                new Footprint(Rss(bms.Id).Total, Rss(bms.Id).Anonymous, (CpuSeconds(bms.Id) - bmsCpuBefore) / hours, bmsFirst, Series(bmsBody)),
                new Footprint(Rss(peer.Id).Total, Rss(peer.Id).Anonymous, (CpuSeconds(peer.Id) - peerCpuBefore) / hours, peerFirst, Series(peerBody)));
        }
        finally
        {
            await StopAsync(bms);
            await StopAsync(peer);
        }
    }

    private static Process Start(string fileName, string cwd, params string[] arguments)
    {
        var start = new ProcessStartInfo(fileName) { WorkingDirectory = cwd, UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (string name in start.Environment.Keys.Where(n => n.StartsWith("BMSPACE_", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(name);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {fileName}");
        // Drain both streams so a chatty process never blocks on a full pipe.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task StopAsync(Process process)
    {
        if (!process.HasExited)
        {
            process.Kill();
        }

        await process.WaitForExitAsync();
    }

    /// <summary>Seconds from start until /metrics answers and contains <paramref name="complete"/>, polled every 10 ms.</summary>
    private static async Task<double> FirstCompleteAsync(HttpClient http, Uri url, Process process, string complete, Stopwatch sinceStart)
    {
        while (sinceStart.Elapsed < TimeSpan.FromMinutes(2))
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{process.StartInfo.FileName} exited with {process.ExitCode} before serving /metrics");
            }

            try
            {
                string body = await http.GetStringAsync(url);
                if (body.Contains(complete, StringComparison.Ordinal))
                {
                    return sinceStart.Elapsed.TotalSeconds;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(10);
        }

        throw new TimeoutException($"{url} never served '{complete}'");
    }

    private static (double Total, double Anonymous) Rss(int pid)
    {
        double total = 0;
        double anonymous = 0;
        foreach (string line in File.ReadLines($"/proc/{pid}/smaps_rollup"))
        {
            if (line.StartsWith("Rss:", StringComparison.Ordinal))
            {
                total = Kilobytes(line) / 1024;
            }
            else if (line.StartsWith("Anonymous:", StringComparison.Ordinal))
            {
                anonymous = Kilobytes(line) / 1024;
            }
        }

        return (total, anonymous);
    }

    private static double Kilobytes(string line) => double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);

    /// <summary>User plus system CPU time of the process (fields 14 and 15 of /proc/PID/stat, in clock ticks of 1/100 s).</summary>
    private static double CpuSeconds(int pid)
    {
        string stat = File.ReadAllText($"/proc/{pid}/stat");
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }

    private static int Series(string exposition) => exposition.Split('\n').Count(line => line.Length > 0 && line[0] != '#');

    private static async Task<int> RunToEndAsync(string fileName, string[] arguments)
    {
        var start = new ProcessStartInfo(fileName) { UseShellExecute = false };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {fileName}");
        await process.WaitForExitAsync();
        return process.ExitCode;
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "BmsPace.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("run the footprint benchmark from a checkout (no BmsPace.sln above it), or pass --program PATH");
    }

    private static string? Option(string[] args, string name)
    {
        int index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }

    private static string LoadAverage() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));

    private static string? FindOnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(dir => Path.Combine(dir, tool)).FirstOrDefault(File.Exists);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
