using BmsPace.Configuration;
using BmsPace.Outputs.Mqtt;
using BmsPace.Tests.Configuration;
using Prometheus;

namespace BmsPace.Tests.Mqtt;

/// <summary>The mqtt: section, its environment overrides and its checks (docs/MQTT.md).</summary>
public sealed class MqttConfigTests : IDisposable
{
    private readonly ConfigFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    [Fact]
    public async Task The_mqtt_section_binds_every_key_and_reads_the_password_and_ca_files()
    {
        _fixture.WriteFile("mqtt-password", "from-file\n");
        string ca = await TestCertificate.CreateAsync(_fixture.WorkingDirectory);
        string config = _fixture.WriteFile("config.yaml", $"""
            mqtt:
              enabled: true
              url: mqtts://broker.example:8884
              username: bms
              password_file: mqtt-password
              ca_file: {ca}
              client_id: garage-bms
              node_id: garage_1
              base_topic: home/bms
              keepalive: 30s
              retain_state: true
              discovery:
                enabled: false
                prefix: ha
            """);

        var result = await ConfigLoader.LoadAsync(new ConfigSources { ConfigPath = config, WorkingDirectory = _fixture.WorkingDirectory }, CancellationToken.None);

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        var mqtt = result.Options.Mqtt;
        Assert.True(mqtt.Enabled);
        Assert.Equal(new Uri("mqtts://broker.example:8884"), mqtt.Url);
        Assert.Equal("bms", mqtt.Username);
        Assert.Equal("from-file", mqtt.Password.Value);
        Assert.Equal(Path.Combine(_fixture.WorkingDirectory, "mqtt-password"), mqtt.PasswordFile);
        Assert.Contains("BEGIN CERTIFICATE", mqtt.CaPem, StringComparison.Ordinal);
        Assert.Equal("garage-bms", mqtt.EffectiveClientId);
        Assert.Equal("garage_1", mqtt.NodeId);
        Assert.Equal("home/bms", mqtt.BaseTopic);
        Assert.Equal(TimeSpan.FromSeconds(30), mqtt.Keepalive);
        Assert.True(mqtt.RetainState);
        Assert.False(mqtt.Discovery.Enabled);
        Assert.Equal("ha", mqtt.Discovery.Prefix);

        string described = ConfigDescriber.Describe(result.Options);
        Assert.DoesNotContain("from-file", described, StringComparison.Ordinal);
        Assert.Contains("  password: <secret>", described, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_defaults_are_those_of_the_contract_and_the_environment_overrides_them()
    {
        var defaults = await _fixture.LoadAsync();
        Assert.True(defaults.IsValid, string.Join("\n", defaults.Errors));
        var mqtt = defaults.Options.Mqtt;
        Assert.False(mqtt.Enabled);
        Assert.Equal(new Uri("mqtt://localhost:1883"), mqtt.Url);
        Assert.Equal("bmspace-bmspace", mqtt.EffectiveClientId);
        Assert.Equal("bmspace", mqtt.NodeId);
        Assert.Equal("bmspace", mqtt.BaseTopic);
        Assert.Equal(TimeSpan.FromSeconds(15), mqtt.Keepalive);
        Assert.False(mqtt.RetainState);
        Assert.True(mqtt.Discovery.Enabled);
        Assert.Equal("homeassistant", mqtt.Discovery.Prefix);

        var result = await _fixture.LoadAsync(environment: new Dictionary<string, string>
        {
            ["BMSPACE_MQTT__ENABLED"] = "true",
            ["BMSPACE_MQTT__URL"] = "mqtt://10.0.0.2:1884",
            ["BMSPACE_MQTT__PASSWORD"] = "env-secret",
            ["BMSPACE_MQTT__DISCOVERY__PREFIX"] = "hass",
        });
        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        Assert.True(result.Options.Mqtt.Enabled);
        Assert.Equal(new Uri("mqtt://10.0.0.2:1884"), result.Options.Mqtt.Url);
        Assert.Equal("env-secret", result.Options.Mqtt.Password.Value);
        Assert.Equal("hass", result.Options.Mqtt.Discovery.Prefix);
    }

    [Fact]
    public async Task Every_wrong_mqtt_key_and_value_is_named_at_once()
    {
        string config = _fixture.WriteFile("config.yaml", """
            mqtt:
              enabled: maybe
              url: http://broker:1883
              node_id: "my node"
              base_topic: "bms/#"
              keepalive: 0s
              password: a
              password_file: /nonexistent/secret
              ca_file: /nonexistent/ca.pem
              colour: blue
              discovery:
                prefix: "/ha"
                extra: 1
            """);

        var result = await ConfigLoader.LoadAsync(new ConfigSources { ConfigPath = config, WorkingDirectory = _fixture.WorkingDirectory }, CancellationToken.None);

        Assert.False(result.IsValid);
        string[] expected =
        [
            "mqtt.enabled: 'maybe' is not true or false",
            "mqtt.url: 'http://broker:1883' is not an mqtt:// or mqtts:// URL",
            "mqtt.node_id: 'my node' has characters that are not allowed",
            "mqtt.base_topic: 'bms/#' is not a topic prefix",
            "mqtt.keepalive: '0s' is zero",
            "mqtt.password_file: given together with mqtt.password",
            "mqtt.ca_file: given with a plain mqtt:// url",
            "mqtt.colour: unknown key",
            "mqtt.discovery.prefix: '/ha' is not a topic prefix",
            "mqtt.discovery.extra: unknown key",
            "mqtt.password_file: cannot read '/nonexistent/secret'",
            "mqtt.ca_file: cannot read '/nonexistent/ca.pem'",
        ];
        foreach (string start in expected)
        {
            Assert.True(result.Errors.Any(e => e.StartsWith(start, StringComparison.Ordinal)), $"no error starts with \"{start}\"; the errors were:\n{string.Join("\n", result.Errors)}");
        }

        Assert.Equal(expected.Length, result.Errors.Count);
    }

    [Fact]
    public void Only_discovery_of_batteries_and_listed_packs_that_left_the_configuration_counts_as_removed()
    {
        var options = new BmsPaceOptions
        {
            Batteries =
            [
                new BatteryOptions { Name = "bank", Packs = [1, 2] },
                new BatteryOptions { Name = "shed.2" },
            ],
            Mqtt = new MqttOptions { Enabled = true, NodeId = "node" },
        };
        var sink = new RetainedDiscoveryCleanup(options, new MqttTopics(options.Mqtt));

        Assert.False(sink.IsNoLongerConfigured("node_bank"));
        Assert.False(sink.IsNoLongerConfigured("node_bank_pack01"));
        Assert.False(sink.IsNoLongerConfigured("node_bank_pack02"));
        Assert.True(sink.IsNoLongerConfigured("node_bank_pack03"));
        Assert.False(sink.IsNoLongerConfigured("node_shed_2"));
        Assert.False(sink.IsNoLongerConfigured("node_shed_2_pack09"), "packs: all may report any pack: none is removed");
        Assert.True(sink.IsNoLongerConfigured("node_gone"));
        Assert.True(sink.IsNoLongerConfigured("node_gone_pack01"));
        Assert.False(sink.IsNoLongerConfigured("other_gone_pack01"), "another node's discovery is never touched");
    }
}
