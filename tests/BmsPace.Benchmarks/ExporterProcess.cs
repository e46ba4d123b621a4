using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace BmsPace.Benchmarks;

/// <summary>
/// <c>bmspace run</c> as users run it (<c>dotnet bmspace.dll run --config</c>, from this benchmark's own build
/// output) in a child process, so its CPU time in /proc is the exporter's alone, listening on a free loopback port.
/// </summary>
internal sealed class ExporterProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output;
    private readonly string _directory;

    private ExporterProcess(Process process, StringBuilder output, string directory, int port)
    {
        _process = process;
        _output = output;
        _directory = directory;
        Address = new Uri($"http://127.0.0.1:{port}/");
    }

    public Uri Address { get; }

    public int Id => _process.Id;

    /// <summary>Starts it with <paramref name="scanInterval"/> and <paramref name="batteries"/> (YAML list items), console off.</summary>
    public static ExporterProcess Start(string scanInterval, string batteries)
    {
        string directory = Directory.CreateTempSubdirectory("bmspace-exporter-").FullName;
        int port = HttpPeers.FreePort();
        string config = Path.Combine(directory, "config.yaml");
        File.WriteAllText(config, $"scan_interval: {scanInterval}\nconsole:\n  enabled: false\nprometheus:\n  listen: 127.0.0.1:{port}\nbatteries:\n{batteries}");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = directory };
        foreach (string argument in (string[])[Path.Combine(AppContext.BaseDirectory, "bmspace.dll"), "run", "--config", config])
        {
            start.ArgumentList.Add(argument);
        }

        foreach (string name in start.Environment.Keys.Where(n => n.StartsWith("BMSPACE_", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(name);
        }

        var output = new StringBuilder();
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
        return new ExporterProcess(process, output, directory, port);
    }

    /// <summary>Until <c>/api/v1/status</c> shows every battery fresh.</summary>
    public async Task UntilFreshAsync(HttpClient http)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"bmspace exited with {_process.ExitCode}:\n{Tail()}");
            }

            try
            {
                using var status = JsonDocument.Parse(await http.GetStringAsync(new Uri(Address, "api/v1/status")));
                if (status.RootElement.GetProperty("batteries").EnumerateArray().All(b => b.GetProperty("state").GetString() == "fresh"))
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            if (deadline.Elapsed > TimeSpan.FromMinutes(2))
            {
                throw new TimeoutException($"bmspace never had every battery fresh:\n{Tail()}");
            }

            await Task.Delay(200);
        }
    }

    /// <summary>The share of one core the process used over <paramref name="window"/> (utime + stime from /proc).</summary>
    public async Task<double> CpuShareAsync(TimeSpan window)
    {
        double before = HttpPeers.CpuSeconds(_process.Id);
        var watch = Stopwatch.StartNew();
        await Task.Delay(window);
        return (HttpPeers.CpuSeconds(_process.Id) - before) / watch.Elapsed.TotalSeconds;
    }

    /// <summary>The sum and count of <c>pace_bms_poll_duration_seconds</c> for <paramref name="battery"/>, from /metrics.</summary>
    public async Task<(double Sum, long Count)> PollDurationsAsync(HttpClient http, string battery)
    {
        string text = await http.GetStringAsync(new Uri(Address, "metrics"));
        double Value(string series) => double.Parse(
            text.Split('\n').Single(line => line.StartsWith(series + " ", StringComparison.Ordinal))[(series.Length + 1)..],
            CultureInfo.InvariantCulture);
        return (Value($"pace_bms_poll_duration_seconds_sum{{battery=\"{battery}\"}}"), (long)Value($"pace_bms_poll_duration_seconds_count{{battery=\"{battery}\"}}"));
    }

    private string Tail()
    {
        lock (_output)
        {
            return string.Join('\n', _output.ToString().TrimEnd().Split('\n').TakeLast(20));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await HttpPeers.StopAsync(_process);
        Directory.Delete(_directory, recursive: true);
    }
}
