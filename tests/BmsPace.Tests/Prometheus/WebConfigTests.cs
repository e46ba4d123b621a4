using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using BmsPace.Configuration;
using BmsPace.Hosting;
using BmsPace.Web;
using BmsPace.Tests.EndToEnd;
using Microsoft.Extensions.Hosting;

namespace BmsPace.Tests.Prometheus;

/// <summary>
/// The exporter-toolkit web configuration file on the real host: a certificate made by openssl, bcrypt hashes made by
/// htpasswd, requests over real HTTPS with HttpClient.
/// </summary>
public sealed class WebConfigTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("bmspace-webconfig-").FullName;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        Directory.Delete(_dir, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Tls_and_basic_auth_guard_every_endpoint_and_a_changed_password_takes_effect()
    {
        await MakeCertificateAsync("server");
        string aliceHash = await HashAsync("alice", "correct horse");
        string webConfig = Path.Combine(_dir, "web.yaml");
        await File.WriteAllTextAsync(webConfig, $"""
            tls_server_config:
              cert_file: server.crt
              key_file: server.key
            basic_auth_users:
              alice: {aliceHash}
            """);

        var (app, port) = await StartAsync(webConfig);
        await using var _ = new AsyncDisposer(app);
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, certificate, _, _) => certificate?.Subject == "CN=localhost" };
        using var https = new HttpClient(handler) { BaseAddress = new Uri($"https://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(30) };

        foreach (string path in new[] { "metrics", "healthz", "readyz", "" })
        {
            using var missing = await https.GetAsync(path);
            Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
            Assert.Equal("Basic", missing.Headers.WwwAuthenticate.Single().Scheme);

            using var wrong = await GetAsync(https, path, "alice", "wrong");
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
            using var unknown = await GetAsync(https, path, "bob", "correct horse");
            Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
        }

        using (var right = await GetAsync(https, "metrics", "alice", "correct horse"))
        {
            Assert.Equal(HttpStatusCode.OK, right.StatusCode);
            Assert.Contains("pace_bms_exporter_build_info", await right.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // Plain HTTP on the TLS port gets no HTTP answer at all.
        using (var plain = new HttpClient { Timeout = TimeSpan.FromSeconds(30) })
        {
            await Assert.ThrowsAnyAsync<HttpRequestException>(() => plain.GetAsync($"http://127.0.0.1:{port}/metrics"));
        }

        // A new password in the file replaces the old one without a restart.
        await File.WriteAllTextAsync(webConfig, $"""
            tls_server_config:
              cert_file: server.crt
              key_file: server.key
            basic_auth_users:
              alice: {await HashAsync("alice", "new password")}
            """);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        HttpStatusCode status;
        do
        {
            await Task.Delay(200);
            using var response = await GetAsync(https, "metrics", "alice", "new password");
            status = response.StatusCode;
        }
        while (status != HttpStatusCode.OK && DateTime.UtcNow < deadline);
        Assert.Equal(HttpStatusCode.OK, status);
        using var old = await GetAsync(https, "metrics", "alice", "correct horse");
        Assert.Equal(HttpStatusCode.Unauthorized, old.StatusCode);
    }

    [Fact]
    public async Task Every_problem_of_the_file_is_reported_at_once()
    {
        string webConfig = Path.Combine(_dir, "bad.yaml");
        await File.WriteAllTextAsync(webConfig, """
            tls_server_config:
              cert_file: missing.crt
              min_version: TLS10
              client_auth_type: Sometimes
            basic_auth_users:
              alice: plaintext-password
            http_server_config:
              http2: false
            """);

        var loaded = await ConfigLoader.LoadAsync(new ConfigSources { WorkingDirectory = _dir, AddOnOptionsPath = null, WebConfigFile = webConfig }, CancellationToken.None);
        Assert.True(loaded.IsValid, string.Join("\n", loaded.Errors));
        var errors = new List<string>();

        var settings = await WebHostSettings.LoadAsync(loaded.Options, errors, CancellationToken.None);

        Assert.Null(settings);
        string all = string.Join("\n", errors);
        Assert.Contains("cert_file: the file 'missing.crt' does not exist", all, StringComparison.Ordinal);
        Assert.Contains("key_file: missing", all, StringComparison.Ordinal);
        Assert.Contains("min_version: 'TLS10'", all, StringComparison.Ordinal);
        Assert.Contains("client_auth_type: 'Sometimes'", all, StringComparison.Ordinal);
        Assert.Contains("basic_auth_users.alice", all, StringComparison.Ordinal);
        Assert.Contains("http_server_config", all, StringComparison.Ordinal);
        Assert.DoesNotContain("plaintext-password", all, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Idle_and_trickling_connections_do_not_starve_metrics_and_are_closed()
    {
        var (app, port) = await StartAsync(webConfig: null);
        await using var _ = new AsyncDisposer(app);
        var idle = new List<TcpClient>();
        try
        {
            for (int i = 0; i < 200; i++)
            {
                var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                idle.Add(client);
            }

            // Ten more send a request line and then nothing: headers that never end.
            foreach (var client in idle.Take(10))
            {
                await client.GetStream().WriteAsync(Encoding.ASCII.GetBytes("GET /metrics HTTP/1.1\r\nHost: x\r\n"));
            }

            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            var scrape = await http.GetStringAsync($"http://127.0.0.1:{port}/metrics");
            Assert.Contains("pace_bms_exporter_build_info", scrape, StringComparison.Ordinal);

            // The header timeout (10 s) closes the trickling ones, the keep-alive timeout (20 s) the silent ones; 90 s allows for a loaded machine.
            using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            foreach (var client in idle)
            {
                var buffer = new byte[4096];
                int read;
                do
                {
                    read = await client.GetStream().ReadAsync(buffer, cancel.Token);
                }
                while (read > 0);
            }
        }
        finally
        {
            idle.ForEach(client => client.Dispose());
        }
    }

    private static Task<HttpResponseMessage> GetAsync(HttpClient http, string path, string user, string password)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
        return http.SendAsync(request);
    }

    private async Task<(IHost App, int Port)> StartAsync(string? webConfig)
    {
        var loaded = await ConfigLoader.LoadAsync(
            new ConfigSources { WorkingDirectory = _dir, AddOnOptionsPath = null, Simulate = true, WebConfigFile = webConfig },
            CancellationToken.None);
        Assert.True(loaded.IsValid, string.Join("\n", loaded.Errors));
        int port = ProcessRunner.FreePort();
        var options = loaded.Options with { Prometheus = loaded.Options.Prometheus with { Listen = $"127.0.0.1:{port}" } };
        var webErrors = new List<string>();
        var web = await WebHostSettings.LoadAsync(options, webErrors, CancellationToken.None);
        Assert.Empty(webErrors);
        var app = BmsPaceHost.Build(options, web!, TextWriter.Null);
        await app.StartAsync();
        return (app, port);
    }

    private async Task MakeCertificateAsync(string name)
    {
        var result = await ProcessRunner.RunAsync("openssl",
        [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", Path.Combine(_dir, name + ".key"), "-out", Path.Combine(_dir, name + ".crt"),
        ]);
        Assert.True(result.ExitCode == 0, result.Error);
    }

    private static async Task<string> HashAsync(string user, string password)
    {
        var result = await ProcessRunner.RunAsync("htpasswd", ["-nbB", user, password]);
        Assert.True(result.ExitCode == 0, result.Error);
        return result.Output.Trim().Split(':', 2)[1];
    }

    private sealed class AsyncDisposer(IHost app) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await app.StopAsync();
            await app.DisposeHostAsync();
        }
    }
}
