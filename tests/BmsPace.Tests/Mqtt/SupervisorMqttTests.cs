using BmsPace.Configuration;
using BmsPace.Tests.EndToEnd;
using BmsPace.Tests.Influx;

namespace BmsPace.Tests.Mqtt;

/// <summary>
/// MQTT without typing a password, as the Home Assistant add-on runs: SUPERVISOR_TOKEN set, no mqtt.url, the broker
/// taken from the Supervisor's services API (a stand-in here) and used against a real Mosquitto with those credentials.
/// </summary>
public sealed class SupervisorMqttTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task The_supervisors_broker_and_credentials_are_used_and_logged_without_the_password()
    {
        string password = "supervisor-given-" + Guid.NewGuid().ToString("N")[..8];
        await using var broker = await MosquittoBroker.StartAsync(users: new Dictionary<string, string> { ["addons"] = password });
        await using var supervisor = SupervisorStandIn.WithBroker("add-on-token", broker.Port, "addons", password);
        await using var recorder = await MqttRecorder.StartAsync(broker.Port, user: "addons", password: password);
        string node = MqttHostTests.NewNodeId();
        await using var run = await BmspaceProcess.StartAsync(
            $"""
            scan_interval: 500ms
            batteries:
              - name: bank
                connection: simulator?packs=2
            console:
              enabled: false
            prometheus:
              enabled: false
              listen: 127.0.0.1:{BmsPace.Tests.Prometheus.ProcessRunner.FreePort()}
            mqtt:
              enabled: true
              node_id: {node}
            """,
            new Dictionary<string, string> { [SupervisorMqtt.TokenVariable] = "add-on-token", [SupervisorMqtt.UrlVariable] = supervisor.Url });

        await recorder.WaitForAsync($"bmspace/{node}/bank/pack02/availability", "online", timeout: Deadline);

        Assert.Equal(["GET /services/mqtt Bearer add-on-token"], supervisor.Requests);
        string line = Assert.Single(run.Output.Split('\n'), l => l.Contains("MQTT broker from the Supervisor's mqtt service", StringComparison.Ordinal));
        Assert.Contains($"mqtt://127.0.0.1:{broker.Port}", line, StringComparison.Ordinal);
        Assert.Contains("as user 'addons'", line, StringComparison.Ordinal);
        Assert.Contains("core_mosquitto", line, StringComparison.Ordinal);
        Assert.DoesNotContain(password, run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_no_broker_add_on_mqtt_is_off_with_one_log_line_and_polling_goes_on()
    {
        await using var supervisor = SupervisorStandIn.WithoutBroker("add-on-token");
        int listen = ServerProcess.FreePort();
        await using var run = await BmspaceProcess.StartAsync(
            $"""
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
            """,
            new Dictionary<string, string> { [SupervisorMqtt.TokenVariable] = "add-on-token", [SupervisorMqtt.UrlVariable] = supervisor.Url });
        using var http = new HttpClient();
        string metrics = "";
        await Eventually.TrueAsync(
            async () =>
            {
                try
                {
                    metrics = await http.GetStringAsync(new Uri($"http://127.0.0.1:{listen}/metrics"));
                }
                catch (HttpRequestException)
                {
                    return false;
                }

                return metrics.Contains("pace_bms_packs_decoded{battery=\"bank\"} 2", StringComparison.Ordinal);
            },
            "both packs on /metrics",
            Deadline);

        string line = Assert.Single(run.Output.Split('\n'), l => l.Contains("MQTT is off", StringComparison.Ordinal));
        Assert.Contains("No mqtt service available", line, StringComparison.Ordinal);
        Assert.DoesNotContain("pace_bms_mqtt_connected", metrics, StringComparison.Ordinal);
        Assert.True(run.IsRunning);
    }

    [Fact]
    public async Task An_unreachable_supervisor_turns_mqtt_off_with_the_reason()
    {
        var options = new BmsPaceOptions { Mqtt = new MqttOptions { Enabled = true } };
        var environment = new Dictionary<string, string> { [SupervisorMqtt.TokenVariable] = "t", [SupervisorMqtt.UrlVariable] = $"http://127.0.0.1:{ServerProcess.FreePort()}" };

        var outcome = await SupervisorMqtt.ResolveAsync(options, environment, CancellationToken.None);

        Assert.False(outcome.Options.Mqtt.Enabled);
        Assert.Null(outcome.Found);
        Assert.StartsWith("MQTT is off: no mqtt.url is set and the Supervisor's mqtt service", outcome.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("mqtt://broker.lan:1883", "t")]
    [InlineData(null, "")]
    public async Task A_named_broker_or_no_supervisor_token_leaves_the_options_alone_and_asks_nothing(string? url, string token)
    {
        await using var supervisor = SupervisorStandIn.WithBroker("t", 1883, "addons", "secret");
        var mqtt = new MqttOptions { Enabled = true };
        var options = new BmsPaceOptions { Mqtt = url is null ? mqtt : mqtt with { Url = new Uri(url) } };
        var environment = new Dictionary<string, string> { [SupervisorMqtt.TokenVariable] = token, [SupervisorMqtt.UrlVariable] = supervisor.Url };

        var outcome = await SupervisorMqtt.ResolveAsync(options, environment, CancellationToken.None);

        Assert.Same(options, outcome.Options);
        Assert.Null(outcome.Problem);
        Assert.Empty(supervisor.Requests);
    }
}
