using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;

namespace BmsPace.Tests.Prometheus;

/// <summary>One series of a Prometheus query answer.</summary>
internal sealed record PromSample(IReadOnlyDictionary<string, string> Labels, string Value)
{
    public double Number => Value switch
    {
        "NaN" => double.NaN,
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        _ => double.Parse(Value, CultureInfo.InvariantCulture),
    };
}

/// <summary>A real Prometheus (the Debian package, from PATH) on a free loopback port with a throwaway data dir.</summary>
internal sealed class PrometheusServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _directory;
    private readonly HttpClient _http;

    private PrometheusServer(Process process, string directory, Uri address)
    {
        _process = process;
        _directory = directory;
        Address = address;
        _http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(10) };
    }

    public Uri Address { get; }

    /// <summary>Starts Prometheus scraping <paramref name="target"/> every second, with the given rule files loaded.</summary>
    public static async Task<PrometheusServer> StartAsync(Uri target, IEnumerable<string> ruleFiles)
    {
        string directory = Directory.CreateTempSubdirectory("bmspace-prom-").FullName;
        int port = ProcessRunner.FreePort();
        string rules = string.Join("\n", ruleFiles.Select(f => $"  - {f}"));
        string config = $"""
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
              evaluation_interval: 1s
            rule_files:
            {rules}
            scrape_configs:
              - job_name: bmspace
                metrics_path: /metrics
                static_configs:
                  - targets: ["{target.Host}:{target.Port}"]
            """;
        string configPath = Path.Combine(directory, "prometheus.yml");
        await File.WriteAllTextAsync(configPath, config);
        var start = new ProcessStartInfo("prometheus")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in new[]
        {
            $"--config.file={configPath}", $"--storage.tsdb.path={Path.Combine(directory, "data")}",
            $"--web.listen-address=127.0.0.1:{port}", "--web.enable-lifecycle",
        })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start prometheus");
        var log = new System.Text.StringBuilder();
        process.ErrorDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        process.OutputDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        var server = new PrometheusServer(process, directory, new Uri($"http://127.0.0.1:{port}/"));
        try
        {
            await server.WaitUntilAsync(async () =>
            {
                if (process.HasExited)
                {
                    string text;
                    lock (log) { text = log.ToString(); }
                    throw new InvalidOperationException($"prometheus exited with {process.ExitCode}:\n{text}");
                }

                try
                {
                    return (await server._http.GetAsync(new Uri("-/ready", UriKind.Relative))).IsSuccessStatusCode;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            }, TimeSpan.FromSeconds(30), "Prometheus ready");
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    /// <summary>An instant query; throws on a PromQL error.</summary>
    public async Task<IReadOnlyList<PromSample>> QueryAsync(string promQl)
    {
        using var response = await _http.GetAsync(new Uri("api/v1/query?query=" + Uri.EscapeDataString(promQl), UriKind.Relative));
        using var json = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync());
        var root = json.RootElement;
        if (root.GetProperty("status").GetString() != "success")
        {
            throw new InvalidOperationException($"query {promQl} failed: {root}");
        }

        var data = root.GetProperty("data");
        if (data.GetProperty("resultType").GetString() != "vector")
        {
            throw new InvalidOperationException($"query {promQl} is not a vector: {data}");
        }

        return [.. data.GetProperty("result").EnumerateArray().Select(r => new PromSample(
            r.GetProperty("metric").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "", StringComparer.Ordinal),
            r.GetProperty("value")[1].GetString()!))];
    }

    /// <summary>Polls the query until its answer satisfies <paramref name="accept"/>; returns that answer.</summary>
    public async Task<IReadOnlyList<PromSample>> QueryUntilAsync(string promQl, Func<IReadOnlyList<PromSample>, bool> accept, TimeSpan timeout)
    {
        IReadOnlyList<PromSample> last = [];
        await WaitUntilAsync(async () => accept(last = await QueryAsync(promQl)), timeout, $"query {promQl} to return what the test expects");
        return last;
    }

    public async Task<JsonDocument> GetJsonAsync(string path) =>
        JsonDocument.Parse(await _http.GetStringAsync(new Uri(path, UriKind.Relative)));

    private async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            if (deadline.Elapsed > timeout)
            {
                throw new TimeoutException($"timed out after {timeout.TotalSeconds} s waiting for {what}");
            }

            // A short poll step, not a fixed wait for an expected event.
            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // The TSDB may still be closing files; the temp dir is left for the OS to clean.
        }
    }
}
