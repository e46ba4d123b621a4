using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace BmsPace.Benchmarks;

/// <summary>Requests per second and 99th-percentile latency of one wrk run.</summary>
internal sealed record WrkResult(double RequestsPerSecond, double P99Milliseconds);

/// <summary>
/// What the HTTP benchmarks share: wrk as the load generator, nginx serving the same bytes as a static file as the
/// peer, and the machine facts printed with every result (both from Debian: apt-get install wrk nginx).
/// </summary>
internal static partial class HttpPeers
{
    /// <summary>The tools missing from PATH, named for the message that says what to install.</summary>
    public static IEnumerable<string> Missing(params string[] tools) => tools.Where(tool => FindOnPath(tool) is null);

    public static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static string? FindOnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(dir => Path.Combine(dir, tool)).FirstOrDefault(File.Exists);

    /// <summary>utime + stime of a process from /proc/PID/stat, in seconds (USER_HZ is 100 on Linux).</summary>
    public static double CpuSeconds(int pid)
    {
        string stat = File.ReadAllText($"/proc/{pid}/stat");
        // The command name may hold spaces; the fields after its closing parenthesis are fixed.
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        long ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return ticks / 100.0;
    }

    /// <summary>A scratch folder nginx's unprivileged workers can read.</summary>
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public static string ReadableScratch(string prefix)
    {
        string directory = Directory.CreateTempSubdirectory(prefix).FullName;
        File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        return directory;
    }

    /// <summary><c>wrk -t2 -c16 -dSECONDS --latency</c>; fails on any non-2xx answer.</summary>
    public static async Task<WrkResult> RunWrkAsync(string url, int seconds, bool gzip)
    {
        var start = new ProcessStartInfo("wrk") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        string[] header = gzip ? ["-H", "Accept-Encoding: gzip"] : [];
        foreach (string argument in (string[])["-t2", "-c16", $"-d{seconds}s", "--latency", .. header, url])
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        string output = await process.StandardOutput.ReadToEndAsync();
        string error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var rate = RequestsPerSecondLine().Match(output);
        var p99 = P99Line().Match(output);
        if (process.ExitCode != 0 || !rate.Success || !p99.Success || output.Contains("Non-2xx", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"wrk failed (exit {process.ExitCode}):\n{output}\n{error}");
        }

        return new WrkResult(double.Parse(rate.Groups[1].Value, CultureInfo.InvariantCulture), ToMilliseconds(p99.Groups[1].Value, p99.Groups[2].Value));
    }

    /// <summary>
    /// nginx in the foreground on 127.0.0.1:<paramref name="port"/>, serving <paramref name="directory"/>/www with
    /// <paramref name="locations"/> inside its server block, tuned as a static file server is (sendfile, no access log).
    /// </summary>
    public static async Task<Process> StartNginxAsync(string directory, int port, string locations)
    {
        string config = $$"""
            daemon off;
            worker_processes auto;
            pid {{directory}}/nginx.pid;
            error_log {{directory}}/error.log warn;
            events { worker_connections 1024; }
            http {
                access_log off;
                sendfile on;
                tcp_nopush on;
                keepalive_requests 1000000;
                client_body_temp_path {{directory}}/client_body;
                proxy_temp_path {{directory}}/proxy;
                fastcgi_temp_path {{directory}}/fastcgi;
                uwsgi_temp_path {{directory}}/uwsgi;
                scgi_temp_path {{directory}}/scgi;
                server {
                    listen 127.0.0.1:{{port}};
                    root {{directory}}/www;
                    {{locations}}
                }
            }
            """;
        string configPath = Path.Combine(directory, "nginx.conf");
        await File.WriteAllTextAsync(configPath, config);
        var start = new ProcessStartInfo("nginx") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in new[] { "-p", directory, "-e", Path.Combine(directory, "error.log"), "-c", configPath })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start)!;
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"nginx exited with {process.ExitCode}: {await process.StandardError.ReadToEndAsync()}");
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return process;
            }
            catch (SocketException) when (deadline.Elapsed < TimeSpan.FromSeconds(10))
            {
                await Task.Delay(50);
            }
        }
    }

    public static async Task StopAsync(Process? process)
    {
        if (process is null)
        {
            return;
        }

        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }

        await process.WaitForExitAsync();
        process.Dispose();
    }

    private static double ToMilliseconds(string value, string unit) => double.Parse(value, CultureInfo.InvariantCulture) * unit switch
    {
        "us" => 0.001,
        "ms" => 1,
        "s" => 1000,
        "m" => 60_000,
        _ => throw new InvalidOperationException($"unknown wrk unit {unit}"),
    };

    [GeneratedRegex(@"Requests/sec:\s+([0-9.]+)")]
    private static partial Regex RequestsPerSecondLine();

    [GeneratedRegex(@"^\s*99%\s+([0-9.]+)(us|ms|s|m)\s*$", RegexOptions.Multiline)]
    private static partial Regex P99Line();
}
