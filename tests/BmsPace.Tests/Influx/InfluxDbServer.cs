using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace BmsPace.Tests.Influx;

/// <summary>A real InfluxDB 1.6 (<c>influxd</c>) on free loopback ports with a throwaway data dir, configured from the environment (docs/testing.md).</summary>
internal sealed class InfluxDbServer : IAsyncDisposable
{
    private readonly ServerProcess _process;
    private readonly HttpClient _client = new() { Timeout = TimeSpan.FromSeconds(30) };
    private readonly string _directory;

    private InfluxDbServer(bool authEnabled, IReadOnlyDictionary<string, string>? settings = null)
    {
        _directory = ServerProcess.TempDirectory("bmspace-influx");
        Port = ServerProcess.FreePort();
        int rpcPort = ServerProcess.FreePort();
        var environment = new Dictionary<string, string>
        {
            ["INFLUXDB_REPORTING_DISABLED"] = "true",
            ["INFLUXDB_BIND_ADDRESS"] = $"127.0.0.1:{rpcPort}",
            ["INFLUXDB_META_DIR"] = Path.Combine(_directory, "meta"),
            ["INFLUXDB_DATA_DIR"] = Path.Combine(_directory, "data"),
            ["INFLUXDB_DATA_WAL_DIR"] = Path.Combine(_directory, "wal"),
            ["INFLUXDB_HTTP_BIND_ADDRESS"] = $"127.0.0.1:{Port}",
            ["INFLUXDB_HTTP_AUTH_ENABLED"] = authEnabled ? "true" : "false",
            ["INFLUXDB_DATA_QUERY_LOG_ENABLED"] = "false",
            ["INFLUXDB_HTTP_LOG_ENABLED"] = "false",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }

        _process = new ServerProcess("influxd", "run -config /dev/null", environment);
    }

    public int Port { get; }

    public Uri Url => new($"http://127.0.0.1:{Port}");

    /// <summary>Used for every query once set (after <see cref="CreateAdminAsync"/> on an auth-enabled server).</summary>
    public (string User, string Password)? Credentials { get; private set; }

    /// <param name="settings">Extra INFLUXDB_* environment settings.</param>
    public static async Task<InfluxDbServer> StartAsync(bool authEnabled = false, IReadOnlyDictionary<string, string>? settings = null)
    {
        var server = new InfluxDbServer(authEnabled, settings);
        await server.StartAgainAsync();
        return server;
    }

    /// <summary>Picks free ports and a data dir but does not start, so a test can first talk to nothing on that port.</summary>
    public static InfluxDbServer CreateStopped() => new(authEnabled: false);

    /// <summary>(Re)starts on the same port and data dir.</summary>
    public Task StartAgainAsync() => _process.StartAsync(new Uri(Url, "/ping"));

    public Task StopAsync() => _process.StopAsync();

    public async Task CreateDatabaseAsync(string name) => await QueryAsync($"CREATE DATABASE \"{name}\"", database: null, post: true);

    /// <summary>With auth on, the first admin may be created without credentials; queries use it from then on.</summary>
    public async Task CreateAdminAsync(string user, string password)
    {
        await QueryAsync($"CREATE USER \"{user}\" WITH PASSWORD '{password}' WITH ALL PRIVILEGES", database: null, post: true);
        Credentials = (user, password);
    }

    /// <summary>Runs one InfluxQL statement and returns its first result; throws on an error (1.x reports them in a 200 body).</summary>
    public async Task<JsonElement> QueryAsync(string statement, string? database, bool post = false)
    {
        string uri = $"{Url}query?epoch=ms&q={Uri.EscapeDataString(statement)}" + (database is null ? "" : $"&db={Uri.EscapeDataString(database)}");
        using var request = new HttpRequestMessage(post ? HttpMethod.Post : HttpMethod.Get, uri);
        if (Credentials is { } credentials)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
                Convert.ToBase64String(Encoding.UTF8.GetBytes($"{credentials.User}:{credentials.Password}")));
        }

        using var response = await _client.SendAsync(request);
        string body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{statement}: {(int)response.StatusCode} {body}");
        }

        using var json = JsonDocument.Parse(body);
        var result = json.RootElement.GetProperty("results")[0];
        if (result.TryGetProperty("error", out var error))
        {
            throw new InvalidOperationException($"{statement}: {error.GetString()}");
        }

        return result.Clone();
    }

    /// <summary>Rows of a SELECT as column-to-value maps, over all series.</summary>
    public async Task<List<Dictionary<string, JsonElement>>> SelectAsync(string statement, string database)
    {
        var result = await QueryAsync(statement, database);
        var rows = new List<Dictionary<string, JsonElement>>();
        if (!result.TryGetProperty("series", out var series))
        {
            return rows;
        }

        foreach (var serie in series.EnumerateArray())
        {
            var columns = serie.GetProperty("columns").EnumerateArray().Select(c => c.GetString()!).ToArray();
            foreach (var values in serie.GetProperty("values").EnumerateArray())
            {
                var row = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
                int index = 0;
                foreach (var value in values.EnumerateArray())
                {
                    row[columns[index++]] = value;
                }

                if (serie.TryGetProperty("tags", out var tags))
                {
                    foreach (var tag in tags.EnumerateObject())
                    {
                        row[tag.Name] = tag.Value;
                    }
                }

                rows.Add(row);
            }
        }

        return rows;
    }

    /// <summary>Points stored in a measurement (all series).</summary>
    public async Task<int> CountAsync(string measurement, string database, string field) =>
        (await SelectAsync($"SELECT \"{field}\" FROM \"{measurement}\"", database)).Count;

    /// <summary>A raw write, bypassing the code under test (to prepare a conflict).</summary>
    public async Task WriteRawAsync(string database, string lines)
    {
        using var content = new StringContent(lines, Encoding.UTF8, "text/plain");
        using var response = await _client.PostAsync($"{Url}write?db={Uri.EscapeDataString(database)}&precision=ms", content);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"raw write: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
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
            // A file still held open by a dying process: the temp dir is cleaned by the system later.
        }
    }
}
