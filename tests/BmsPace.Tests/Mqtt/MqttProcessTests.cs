using System.Diagnostics;
using System.Globalization;
using System.Text;
using BmsPace.Configuration;
using BmsPace.Simulator;
using BmsPace.Tests.EndToEnd;
using BmsPace.Tests.Influx;

namespace BmsPace.Tests.Mqtt;

/// <summary>
/// <c>bmspace run</c> as a child process (the built program, through <c>dotnet</c>) against a real Mosquitto: the
/// retained will after SIGKILL, a broker refusing the credentials (one log line naming the setting, polling goes on),
/// a broker restart (reconnect and re-announce) and a TLS listener with a certificate the test made.
/// </summary>
public sealed class MqttProcessTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task The_broker_publishes_the_retained_offline_will_when_the_process_is_killed()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        string node = MqttHostTests.NewNodeId();
        await using var recorder = await MqttRecorder.StartAsync(broker.Port);
        await using var run = await BmspaceProcess.StartAsync($"""
            scan_interval: 500ms
            batteries:
              - name: bank
                connection: simulator?packs=2
            console:
              enabled: false
            mqtt:
              enabled: true
              url: {broker.Url}
              node_id: {node}
            """);
        await recorder.WaitForAsync($"bmspace/{node}/bank/pack02/availability", "online", timeout: Deadline);
        await recorder.WaitForAsync($"bmspace/{node}/status", "online");

        int mark = recorder.Count;
        run.Kill();

        await recorder.WaitForAsync($"bmspace/{node}/status", "offline", mark, Deadline);
        Assert.Equal("offline", (await MqttRecorder.RetainedAsync(broker.Port))[$"bmspace/{node}/status"].Text);
    }

    [Fact]
    public async Task Refused_credentials_are_one_log_line_naming_the_setting_and_polling_goes_on()
    {
        const string password = "right-horse-battery";
        await using var broker = await MosquittoBroker.StartAsync(users: new Dictionary<string, string> { ["bms"] = password });
        string node = MqttHostTests.NewNodeId();
        int listen = ServerProcess.FreePort();
        await using var run = await BmspaceProcess.StartAsync($"""
            scan_interval: 500ms
            batteries:
              - name: bank
                connection: simulator?packs=2
            console:
              enabled: false
            prometheus:
              listen: 127.0.0.1:{listen}
            mqtt:
              enabled: true
              url: {broker.Url}
              node_id: {node}
              username: bms
              password: wrong-secret-{node}
            """);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{listen}/") };
        string metrics = "";
        await Eventually.TrueAsync(async () =>
        {
            try
            {
                metrics = await http.GetStringAsync(new Uri("metrics", UriKind.Relative));
            }
            catch (HttpRequestException)
            {
                return false;
            }

            var refused = System.Text.RegularExpressions.Regex.Match(metrics, @"pace_bms_mqtt_errors_total\{reason=""refused""\} ([0-9]+)");
            // Polling goes on beside the refusals: on a loaded machine the first cycle may end after the third refusal.
            return refused.Success && int.Parse(refused.Groups[1].Value, CultureInfo.InvariantCulture) >= 3
                && metrics.Contains("pace_bms_packs_decoded{battery=\"bank\"} 2", StringComparison.Ordinal);
        }, "three refused connection attempts while both packs are decoded", Deadline);

        Assert.Contains("pace_bms_mqtt_connected 0", metrics, StringComparison.Ordinal);
        var lines = run.Output.Split('\n').Where(l => l.Contains("refused the connection", StringComparison.Ordinal)).ToList();
        string line = Assert.Single(lines);
        Assert.Contains("mqtt.username", line, StringComparison.Ordinal);
        Assert.Contains("mqtt.password", line, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-secret", run.Output, StringComparison.Ordinal);
        Assert.True(run.IsRunning, "the process must keep running");
    }

    [Fact]
    public async Task The_right_password_from_a_password_file_is_accepted()
    {
        const string password = "right-horse-battery";
        await using var broker = await MosquittoBroker.StartAsync(users: new Dictionary<string, string> { ["bms"] = password });
        string node = MqttHostTests.NewNodeId();
        await using var recorder = await MqttRecorder.StartAsync(broker.Port, user: "bms", password: password);
        string directory = ServerProcess.TempDirectory("bmspace-secret");
        await File.WriteAllTextAsync(Path.Combine(directory, "mqtt-password"), password + "\n");
        await using var run = await BmspaceProcess.StartAsync($"""
            batteries:
              - connection: simulator?packs=1
            console:
              enabled: false
            prometheus:
              enabled: false
              listen: 127.0.0.1:{BmsPace.Tests.Prometheus.ProcessRunner.FreePort()}
            mqtt:
              enabled: true
              url: {broker.Url}
              node_id: {node}
              username: bms
              password_file: {Path.Combine(directory, "mqtt-password")}
            """);

        await recorder.WaitForAsync($"bmspace/{node}/main/pack01/availability", "online", timeout: Deadline);
        Assert.DoesNotContain(password, run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task After_a_broker_restart_the_output_reconnects_and_announces_everything_again()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        string node = MqttHostTests.NewNodeId();
        var bms = MqttHostTests.NewSimulator();
        await using var server = MqttHostTests.Serve(bms);
        await using var host = await RunningHost.StartAsync(MqttHostTests.Options(server.EndPoint.Port, broker.Url, node));
        await using (var first = await MqttRecorder.StartAsync(broker.Port))
        {
            await first.WaitForAsync($"bmspace/{node}/bank/pack01/availability", "online", timeout: Deadline);
        }

        // Without persistence the restarted broker has forgotten every retained message: only a re-announce brings them back.
        await broker.StopAsync();
        await broker.StartProcessAsync();
        await using var recorder = await MqttRecorder.StartAsync(broker.Port);
        await recorder.WaitForAsync($"bmspace/{node}/status", "online", timeout: Deadline);
        await recorder.WaitForAsync(m => m.Topic == $"homeassistant/device/{node}_bank_pack02/config" && m.Payload.Length > 0, "the pack discovery again", timeout: Deadline);
        await recorder.WaitForAsync($"bmspace/{node}/bank/pack02/availability", "online", timeout: Deadline);
        await recorder.WaitForAsync(m => m.Topic == $"bmspace/{node}/bank/pack02/state", "states again", timeout: Deadline);
        var series = await host.ScrapeAsync();
        double errors = series.Where(s => s.Key.StartsWith("pace_bms_mqtt_errors_total", StringComparison.Ordinal)).Sum(s => s.Value);
        Assert.True(errors >= 1, "the lost connection is counted");
    }

    [Fact]
    public async Task A_tls_listener_with_the_test_certificate_in_ca_file_is_used_and_without_it_refused()
    {
        string certificates = ServerProcess.TempDirectory("bmspace-tls");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(certificates, (UnixFileMode)0b111_101_101);
        }

        string certificate = await TestCertificate.CreateAsync(certificates);
        await using var broker = await MosquittoBroker.StartAsync(tls: (certificate, TestCertificate.KeyOf(certificate)));
        string node = MqttHostTests.NewNodeId();
        await using var recorder = await MqttRecorder.StartAsync(broker.Port);
        var bms = MqttHostTests.NewSimulator();
        await using var server = MqttHostTests.Serve(bms);
        var options = MqttHostTests.Options(server.EndPoint.Port, $"mqtts://127.0.0.1:{broker.TlsPort}", node);

        // The system store does not know the test certificate: refused, counted, polling goes on.
        await using (var untrusted = await RunningHost.StartAsync(options))
        {
            await Eventually.TrueAsync(async () => (await untrusted.ScrapeAsync()).GetValueOrDefault(ExpectedSeries.Key("pace_bms_mqtt_errors_total", ("reason", "tls"))) >= 1,
                "a TLS failure", Deadline);
        }

        Assert.DoesNotContain(recorder.Messages, m => m.Topic.StartsWith($"bmspace/{node}/", StringComparison.Ordinal));
        options = options with { Mqtt = options.Mqtt with { CaFile = certificate, CaPem = await File.ReadAllTextAsync(certificate) } };
        await using var trusted = await RunningHost.StartAsync(options);
        await recorder.WaitForAsync($"bmspace/{node}/status", "online", timeout: Deadline);
        await recorder.WaitForAsync(m => m.Topic == $"bmspace/{node}/bank/pack01/state", "a state over TLS", timeout: Deadline);
    }
}

/// <summary>The built <c>bmspace run</c> as a child process with a config file; its output is kept.</summary>
internal sealed class BmspaceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly string _directory;

    private BmspaceProcess(Process process, string directory)
    {
        _process = process;
        _directory = directory;
    }

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

    public bool IsRunning => !_process.HasExited;

    public static Task<BmspaceProcess> StartAsync(string configYaml, IReadOnlyDictionary<string, string>? environment = null)
    {
        string directory = ServerProcess.TempDirectory("bmspace-run");
        string config = Path.Combine(directory, "config.yaml");
        File.WriteAllText(config, configYaml);
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = directory,
        };
        foreach (string argument in new[] { Path.Combine(AppContext.BaseDirectory, "bmspace.dll"), "run", "--config", config })
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("bmspace did not start");
        var run = new BmspaceProcess(process, directory);
        process.OutputDataReceived += (_, e) => run.Append(e.Data);
        process.ErrorDataReceived += (_, e) => run.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return Task.FromResult(run);
    }

    /// <summary>SIGKILL: no shutdown code runs, the socket is simply gone.</summary>
    public void Kill() => _process.Kill();

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
