using System.Text.Json;

namespace BmsPace.Tests.Influx;

/// <summary>A real VictoriaMetrics on a free loopback port with a throwaway data dir; fresh points visible at once (latencyOffset 0).</summary>
internal sealed class VictoriaMetricsServer : IAsyncDisposable
{
    private readonly ServerProcess _process;
    private readonly HttpClient _client = new() { Timeout = TimeSpan.FromSeconds(30) };
    private readonly string _directory;

    private VictoriaMetricsServer()
    {
        _directory = ServerProcess.TempDirectory("bmspace-vm");
        Port = ServerProcess.FreePort();
        _process = new ServerProcess(
            "victoria-metrics",
            $"-httpListenAddr=127.0.0.1:{Port} -storageDataPath={Path.Combine(_directory, "vm")} -search.latencyOffset=0s",
            new Dictionary<string, string>());
    }

    public int Port { get; }

    public Uri Url => new($"http://127.0.0.1:{Port}");

    public static async Task<VictoriaMetricsServer> StartAsync()
    {
        var server = new VictoriaMetricsServer();
        await server._process.StartAsync(new Uri(server.Url, "/health"));
        return server;
    }

    /// <summary>Flushes, then polls <c>/api/v1/export</c> until <paramref name="expectedSeries"/> series match (ingestion is asynchronous).</summary>
    public async Task<List<(Dictionary<string, string> Labels, double[] Values, long[] Timestamps)>> ExportAsync(string match, int expectedSeries)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            using (await _client.GetAsync(new Uri(Url, "/internal/force_flush")))
            {
            }

            var series = new List<(Dictionary<string, string>, double[], long[])>();
            string body = await _client.GetStringAsync(new Uri(Url, $"/api/v1/export?match[]={Uri.EscapeDataString(match)}"));
            foreach (string line in body.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                using var json = JsonDocument.Parse(line);
                var labels = json.RootElement.GetProperty("metric").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
                var values = json.RootElement.GetProperty("values").EnumerateArray().Select(v => v.GetDouble()).ToArray();
                var timestamps = json.RootElement.GetProperty("timestamps").EnumerateArray().Select(v => v.GetInt64()).ToArray();
                series.Add((labels, values, timestamps));
            }

            if (series.Count >= expectedSeries || DateTime.UtcNow > deadline)
            {
                return series;
            }

            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        _client.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Cleaned by the system later.
        }
    }
}
