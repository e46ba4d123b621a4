using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using BmsPace.Configuration;
using BmsPace.Simulator;
using BmsPace.Outputs.Mqtt;
using BmsPace.Tests.EndToEnd;
using BmsPace.Tests.Influx;
using BmsPace.Tests.Simulation;

namespace BmsPace.Tests.Mqtt;

/// <summary>One real Mosquitto for the whole test class (each test uses its own node_id, so topics never mix).</summary>
public sealed class MosquittoFixture : IAsyncLifetime
{
    internal MosquittoBroker Broker { get; private set; } = null!;

    public async Task InitializeAsync() => Broker = await MosquittoBroker.StartAsync();

    public async Task DisposeAsync() => await Broker.DisposeAsync();
}

/// <summary>
/// The real <c>bmspace run</c> host (pollers, exporter, MQTT output) against the simulator on a real TCP socket and a
/// real Mosquitto, read back by a real MQTT subscriber: discovery Home Assistant accepts, states equal to what the
/// simulator sent, availability, the birth message, clean shutdown, and clearing discovery of removed batteries.
/// </summary>
public sealed partial class MqttHostTests(MosquittoFixture fixture) : IClassFixture<MosquittoFixture>
{
    private const string Battery = "bank";
    private const int Packs = 2;
    private const int Cells = 16;
    private const string Prefix = "homeassistant";

    private MosquittoBroker Broker => fixture.Broker;

    internal static BmsPaceOptions Options(int simulatorPort, string brokerUrl, string nodeId) => new()
    {
        ScanInterval = TimeSpan.FromMilliseconds(500),
        RequestTimeout = TimeSpan.FromSeconds(1),
        RequestGap = TimeSpan.Zero,
        Retries = 0,
        ReconnectAfterFailures = 2,
        StaleAfterCycles = 2,
        Batteries = [new BatteryOptions { Name = Battery, Connection = new TcpConnectionSpec("127.0.0.1", simulatorPort) }],
        Console = new ConsoleOptions { Enabled = false },
        Mqtt = new MqttOptions { Enabled = true, Url = new Uri(brokerUrl), NodeId = nodeId },
    };

    internal static RecordedBms NewSimulator(TimeProvider? clock = null) =>
        new(new SimulatedBmsOptions { Packs = Packs, Cells = Cells, Temperatures = 6, TailBytes = 14, Seed = 7, TimeScale = 600 }, clock);

    internal static SimulatorTcpServer Serve(RecordedBms bms) => SimulatorTcpServer.Start(bms, new IPEndPoint(IPAddress.Loopback, 0));

    internal static string NewNodeId() => "t" + Guid.NewGuid().ToString("N")[..10];

    private static string Pack(int pack) => "pack" + pack.ToString("00", CultureInfo.InvariantCulture);

    [Fact]
    public async Task Discovery_is_what_Home_Assistant_accepts_and_pack_states_equal_what_the_simulator_sent()
    {
        string node = NewNodeId();
        string b = $"bmspace/{node}";
        var clock = new FreezableClock();
        var bms = NewSimulator(clock);
        await using var server = Serve(bms);
        await using var recorder = await MqttRecorder.StartAsync(Broker.Port);
        var options = Options(server.EndPoint.Port, Broker.Url, node);
        await using var host = await RunningHost.StartAsync(options);

        await recorder.WaitForAsync($"{b}/status", "online");
        for (int pack = 1; pack <= Packs; pack++)
        {
            await recorder.WaitForAsync($"{b}/{Battery}/{Pack(pack)}/availability", "online");
        }

        // Discovery, as the broker keeps it for Home Assistant.
        var retained = await MqttRecorder.RetainedAsync(Broker.Port, $"{Prefix}/device/+/config");
        string linkId = $"{node}_{Battery}";
        var expectedTopics = new[] { linkId, $"{linkId}_pack01", $"{linkId}_pack02" }.Select(id => $"{Prefix}/device/{id}/config").Order().ToArray();
        Assert.Equal(expectedTopics, retained.Keys.Where(t => t.Contains(node, StringComparison.Ordinal)).Order().ToArray());
        var uniqueIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (string topic in expectedTopics)
        {
            Assert.True(HomeAssistantRules.IsValidDiscoveryTopic(topic), topic);
            var discovery = retained[topic].Json;
            var problems = HomeAssistantRules.Problems(discovery);
            Assert.True(problems.Count == 0, $"{topic}:\n{string.Join("\n", problems)}");
            string deviceId = discovery.GetProperty("device").GetProperty("identifiers")[0].GetString()!;
            Assert.Equal(topic.Split('/')[2], deviceId);
            Assert.Equal("PACE", discovery.GetProperty("device").GetProperty("manufacturer").GetString());
            Assert.Equal("bmspace", discovery.GetProperty("origin").GetProperty("name").GetString());
            Assert.Equal($"{b}/status", discovery.GetProperty("availability")[0].GetProperty("topic").GetString());
            foreach (var component in discovery.GetProperty("components").EnumerateObject())
            {
                string uniqueId = component.Value.GetProperty("unique_id").GetString()!;
                Assert.Equal(component.Name, uniqueId);
                Assert.Matches(KeyPattern(), uniqueId[(deviceId.Length + 1)..]);
                Assert.StartsWith(deviceId + "_", uniqueId, StringComparison.Ordinal);
                Assert.True(uniqueIds.Add(uniqueId), $"unique_id {uniqueId} appears twice");
                int expireAfter = component.Value.GetProperty("expire_after").GetInt32();
                Assert.True(expireAfter >= 3 * options.ScanInterval.TotalSeconds, $"{uniqueId}: expire_after {expireAfter} is less than 3 poll intervals");

                // No text sensor: every sensor has a unit or a state class, so no state can be a long string.
                if (component.Value.GetProperty("platform").GetString() == "sensor")
                {
                    Assert.True(component.Value.TryGetProperty("state_class", out _), $"{uniqueId} would be a text sensor");
                }
            }
        }

        for (int pack = 1; pack <= Packs; pack++)
        {
            var discovery = retained[$"{Prefix}/device/{linkId}_{Pack(pack)}/config"].Json;
            var device = discovery.GetProperty("device");
            Assert.Equal($"{Battery} pack {pack:00}", device.GetProperty("name").GetString());
            Assert.Equal(linkId, device.GetProperty("via_device").GetString());
            Assert.Equal("P16S100A-SIM01", device.GetProperty("model").GetString());
            Assert.Equal("1.00", device.GetProperty("sw_version").GetString());
            // The simulator answers per pack at each pack's address: every pack has its own serial, never the master's.
            Assert.Equal(bms.Options.SerialsOf(pack).PackSerial, device.GetProperty("serial_number").GetString());

            Assert.Equal("all", discovery.GetProperty("availability_mode").GetString());
            Assert.Equal($"{b}/{Battery}/{Pack(pack)}/availability", discovery.GetProperty("availability")[1].GetProperty("topic").GetString());
            Assert.Equal($"{b}/{Battery}/{Pack(pack)}/state", discovery.GetProperty("state_topic").GetString());
            var components = discovery.GetProperty("components");
            string id = $"{linkId}_{Pack(pack)}";
            AssertComponent(components, $"{id}_state_of_charge", "sensor", "battery", "measurement", "%", diagnostic: false);
            AssertComponent(components, $"{id}_cell_16_voltage", "sensor", "voltage", "measurement", "V", diagnostic: false);
            AssertComponent(components, $"{id}_temperature_06", "sensor", "temperature", "measurement", "°C", diagnostic: false);
            AssertComponent(components, $"{id}_design_capacity", "sensor", null, "measurement", "Ah", diagnostic: false);
            AssertComponent(components, $"{id}_cycle_count", "sensor", null, "total_increasing", null, diagnostic: true);
            AssertComponent(components, $"{id}_energy_charged", "sensor", "energy", "total_increasing", "kWh", diagnostic: false);
            AssertComponent(components, $"{id}_problem", "binary_sensor", "problem", null, null, diagnostic: false);
            AssertComponent(components, $"{id}_protection_cell_overvoltage", "binary_sensor", "problem", null, null, diagnostic: true);
            AssertComponent(components, $"{id}_charge_fet", "binary_sensor", "power", null, null, diagnostic: true);
            AssertComponent(components, $"{id}_charging", "binary_sensor", "battery_charging", null, null, diagnostic: false);
            AssertComponent(components, $"{id}_cell_16_balancing", "binary_sensor", null, null, null, diagnostic: true);
            Assert.False(components.GetProperty($"{id}_cell_16_balancing").GetProperty("enabled_by_default").GetBoolean());
            Assert.False(components.TryGetProperty($"{id}_cell_17_voltage", out _));
        }

        // States: freeze the battery, then the next published cycle must carry exactly what it sends.
        clock.Freeze();
        await bms.SettleAfterFreezeAsync();
        var sentAnalog = Enumerable.Range(1, Packs).Select(p => bms.LastSentAnalog(p)!).ToArray();
        var sentAlarm = Enumerable.Range(1, Packs).Select(p => bms.LastSentAlarm(p)!).ToArray();
        int mark = recorder.Count;
        var frozenAt = DateTimeOffset.UtcNow;
        await bms.AwaitPublishedCycleAsync();
        for (int pack = 1; pack <= Packs; pack++)
        {
            string stateTopic = $"{b}/{Battery}/{Pack(pack)}/state";
            var message = await recorder.WaitForAsync(m => m.Topic == stateTopic && m.Json.GetProperty("timestamp").GetDateTimeOffset() > frozenAt, $"a state of {Pack(pack)} from after the freeze", mark);
            var state = message.Json;
            SimulatorAssertions.Equal(sentAnalog[pack - 1], sentAlarm[pack - 1], state);
            Assert.Equal(sentAnalog[pack - 1].VoltageVolts * sentAnalog[pack - 1].CurrentAmperes, state.GetProperty("power_watts").GetDouble(), 1e-9);
            Assert.False(message.Retain);
            Assert.Equal(TimeSpan.Zero, state.GetProperty("timestamp").GetDateTimeOffset().Offset);

            // Every value a component picks exists in the state, so Home Assistant never renders an error.
            var discovery = retained[$"{Prefix}/device/{linkId}_{Pack(pack)}/config"].Json;
            foreach (var component in discovery.GetProperty("components").EnumerateObject())
            {
                string template = component.Value.GetProperty("value_template").GetString()!;
                foreach (Match reference in TemplateReference().Matches(template))
                {
                    Assert.True(Resolve(state, reference.Groups["path"].Value, reference.Groups["index"].Value) is { } value
                        && value.ValueKind is JsonValueKind.Number or JsonValueKind.Array or JsonValueKind.Object or JsonValueKind.True or JsonValueKind.False,
                        $"{component.Name}: {reference.Value} is not in the state payload");
                }
            }
        }

        var link = (await recorder.WaitForAsync(m => m.Topic == $"{b}/{Battery}/state" && m.Sequence >= mark, "a link state")).Json;
        Assert.True(link.GetProperty("up").GetBoolean());
        Assert.Equal(Packs, link.GetProperty("packs_reported").GetInt32());
        Assert.Equal(Packs, link.GetProperty("packs_decoded").GetInt32());
        Assert.Equal("pace", link.GetProperty("protocol").GetString());

        // The self-metrics are on /metrics with the others.
        string metrics = await host.ScrapeTextAsync();
        Assert.Contains("pace_bms_mqtt_connected 1", metrics, StringComparison.Ordinal);
        Assert.Matches(@"pace_bms_mqtt_messages_total\{kind=""state""\} [1-9]", metrics);
        Assert.Matches(@"pace_bms_mqtt_messages_total\{kind=""discovery""\} [1-9]", metrics);
    }

    [Fact]
    public async Task A_silent_battery_goes_offline_after_stale_after_cycles_keeps_its_discovery_and_comes_back()
    {
        string node = NewNodeId();
        string b = $"bmspace/{node}";
        var bms = NewSimulator();
        await using var server = Serve(bms);
        await using var recorder = await MqttRecorder.StartAsync(Broker.Port);
        await using var host = await RunningHost.StartAsync(Options(server.EndPoint.Port, Broker.Url, node));
        await recorder.WaitForAsync($"{b}/{Battery}/pack02/availability", "online");

        int mark = recorder.Count;
        bms.SetFault(SimulatorFault.Parse("silent:1"));
        for (int pack = 1; pack <= Packs; pack++)
        {
            await recorder.WaitForAsync($"{b}/{Battery}/{Pack(pack)}/availability", "offline", mark);
        }

        // Not before stale_after_cycles (2) missed cycles: no state of the pack between the silence and offline.
        var offline = recorder.On($"{b}/{Battery}/pack01/availability")[^1];
        Assert.Equal("offline", offline.Text);
        Assert.True(recorder.Messages.Count(m => m.Sequence > mark && m.Sequence < offline.Sequence && m.Topic == $"{b}/{Battery}/pack01/state") <= 1,
            "a state was published for a pack that was silent");
        var retained = await MqttRecorder.RetainedAsync(Broker.Port);
        Assert.True(retained.ContainsKey($"{Prefix}/device/{node}_{Battery}_pack01/config"), "a pack that stopped answering keeps its discovery");
        Assert.Equal("online", retained[$"{b}/status"].Text);

        bms.ClearFaults();
        await recorder.WaitForAsync($"{b}/{Battery}/pack01/availability", "online", offline.Sequence);
        mark = offline.Sequence;
        await recorder.WaitForAsync(m => m.Topic == $"{b}/{Battery}/pack01/state", "a pack state after the battery returned", mark);
    }

    [Fact]
    public async Task A_clean_stop_publishes_offline_and_then_disconnects()
    {
        string node = NewNodeId();
        string b = $"bmspace/{node}";
        var bms = NewSimulator();
        await using var server = Serve(bms);
        await using var recorder = await MqttRecorder.StartAsync(Broker.Port);
        var host = await RunningHost.StartAsync(Options(server.EndPoint.Port, Broker.Url, node));
        await recorder.WaitForAsync($"{b}/{Battery}/pack01/availability", "online");

        int mark = recorder.Count;
        await host.DisposeAsync();

        await recorder.WaitForAsync($"{b}/status", "offline", mark);
        // A clean DISCONNECT (the broker then drops the will), not a dropped socket.
        await Eventually.TrueAsync(() => Task.FromResult(Broker.Output.Contains($"Received DISCONNECT from bmspace-{node}", StringComparison.Ordinal)), "the broker to log a clean disconnect");
        Assert.DoesNotContain($"Client bmspace-{node} closed its connection", Broker.Output, StringComparison.Ordinal);
        Assert.Equal("offline", (await MqttRecorder.RetainedAsync(Broker.Port))[$"{b}/status"].Text);
    }

    [Fact]
    public async Task Home_Assistant_coming_online_gets_the_discovery_again_after_one_to_five_seconds()
    {
        string node = NewNodeId();
        var bms = NewSimulator();
        await using var server = Serve(bms);
        await using var recorder = await MqttRecorder.StartAsync(Broker.Port);
        await using var host = await RunningHost.StartAsync(Options(server.EndPoint.Port, Broker.Url, node));
        string packDiscovery = $"{Prefix}/device/{node}_{Battery}_pack01/config";
        await recorder.WaitForAsync(m => m.Topic == packDiscovery, "the first discovery");
        await recorder.WaitForAsync(m => m.Topic == $"bmspace/{node}/{Battery}/pack01/state", "a first state");

        // Discovery is not sent on every poll.
        int afterFirst = recorder.Count;
        await bms.AwaitPublishedCycleAsync();
        await bms.AwaitPublishedCycleAsync();
        Assert.DoesNotContain(recorder.Messages, m => m.Sequence >= afterFirst && m.Topic == packDiscovery);

        int mark = recorder.Count;
        var birth = DateTimeOffset.UtcNow;
        await recorder.PublishAsync($"{Prefix}/status", "online");
        var again = await recorder.WaitForAsync(m => m.Topic == packDiscovery, "the discovery after Home Assistant's birth message", mark);
        var delay = again.ReceivedAt - birth;
        Assert.True(delay >= TimeSpan.FromSeconds(0.9), $"discovery came {delay.TotalSeconds:0.00} s after the birth message, before the 1 s minimum");
        Assert.True(delay <= TimeSpan.FromSeconds(15), $"discovery came {delay.TotalSeconds:0.00} s after the birth message");
        await recorder.WaitForAsync(m => m.Topic == $"{Prefix}/device/{node}_{Battery}/config", "the link discovery after the birth message", mark);
    }

    [Fact]
    public async Task Retained_discovery_of_a_removed_battery_is_cleared_and_nothing_else()
    {
        string node = NewNodeId();
        await using var recorder = await MqttRecorder.StartAsync(Broker.Port);
        string ours = """{"device":{"identifiers":["x"]},"origin":{"name":"bmspace"},"components":{}}""";
        string foreign = """{"device":{"identifiers":["x"]},"origin":{"name":"someone-else"},"components":{}}""";
        string removedLink = $"{Prefix}/device/{node}_gone/config";
        string removedPack = $"{Prefix}/device/{node}_gone_pack01/config";
        string notOurs = $"{Prefix}/device/{node}_elsewhere/config";
        string stoppedPack = $"{Prefix}/device/{node}_{Battery}_pack09/config";
        await recorder.PublishAsync(removedLink, ours, retain: true);
        await recorder.PublishAsync(removedPack, ours, retain: true);
        await recorder.PublishAsync(notOurs, foreign, retain: true);
        await recorder.PublishAsync(stoppedPack, ours, retain: true);

        var bms = NewSimulator();
        await using var server = Serve(bms);
        await using var host = await RunningHost.StartAsync(Options(server.EndPoint.Port, Broker.Url, node));
        await recorder.WaitForAsync(m => m.Topic == removedLink && m.Payload.Length == 0, "the removed battery's discovery to be cleared");
        await recorder.WaitForAsync(m => m.Topic == removedPack && m.Payload.Length == 0, "the removed battery's pack discovery to be cleared");
        await recorder.WaitForAsync($"bmspace/{node}/{Battery}/pack02/availability", "online");

        var retained = await MqttRecorder.RetainedAsync(Broker.Port);
        Assert.False(retained.ContainsKey(removedLink));
        Assert.False(retained.ContainsKey(removedPack));
        Assert.True(retained.ContainsKey(notOurs), "discovery another program published is never cleared");
        Assert.True(retained.ContainsKey(stoppedPack), "a pack of a battery polled with packs: all is kept (it may only have stopped answering)");
        Assert.True(retained.ContainsKey($"{Prefix}/device/{node}_{Battery}_pack01/config"));
    }

    [Fact]
    public async Task A_broker_that_is_down_at_start_stops_neither_polling_nor_metrics_and_is_used_once_it_is_up()
    {
        string node = NewNodeId();
        int port = Influx.ServerProcess.FreePort();
        var bms = NewSimulator();
        await using var server = Serve(bms);
        await using var host = await RunningHost.StartAsync(Options(server.EndPoint.Port, $"mqtt://127.0.0.1:{port}", node));

        await Eventually.TrueAsync(async () =>
        {
            var series = await host.ScrapeAsync();
            return series.GetValueOrDefault(ExpectedSeries.Key("pace_bms_packs_decoded", ("battery", Battery))) == Packs
                && series.GetValueOrDefault(ExpectedSeries.Key("pace_bms_mqtt_errors_total", ("reason", "unreachable"))) >= 2;
        }, "polling and /metrics with the broker down, and at least two connection attempts");
        Assert.Contains("\npace_bms_mqtt_connected 0\n", await host.ScrapeTextAsync(), StringComparison.Ordinal);

        await using var late = await MosquittoBroker.StartAsync(port: port);
        await using var recorder = await MqttRecorder.StartAsync(port);
        await recorder.WaitForAsync($"bmspace/{node}/{Battery}/pack01/availability", "online", timeout: TimeSpan.FromSeconds(90));
        Assert.True((await MqttRecorder.RetainedAsync(port)).ContainsKey($"{Prefix}/device/{node}_{Battery}_pack01/config"));
    }

    private static void AssertComponent(JsonElement components, string id, string platform, string? deviceClass, string? stateClass, string? unit, bool diagnostic)
    {
        Assert.True(components.TryGetProperty(id, out var component), $"no component {id}");
        Assert.Equal(platform, component.GetProperty("platform").GetString());
        Assert.Equal(deviceClass, component.TryGetProperty("device_class", out var dc) ? dc.GetString() : null);
        Assert.Equal(stateClass, component.TryGetProperty("state_class", out var sc) ? sc.GetString() : null);
        Assert.Equal(unit, component.TryGetProperty("unit_of_measurement", out var u) ? u.GetString() : null);
        Assert.Equal(diagnostic ? "diagnostic" : null, component.TryGetProperty("entity_category", out var c) ? c.GetString() : null);
    }

    private static JsonElement? Resolve(JsonElement state, string path, string index)
    {
        var current = state;
        foreach (string part in path.Split('.'))
        {
            if (!current.TryGetProperty(part, out current))
            {
                return null;
            }
        }

        if (index.Length > 0)
        {
            int i = int.Parse(index, CultureInfo.InvariantCulture);
            return current.ValueKind == JsonValueKind.Array && i < current.GetArrayLength() ? current[i] : null;
        }

        return current;
    }

    [GeneratedRegex(@"value_json\.(?<path>[a-z_]+(\.[a-z_]+)?)(\[(?<index>[0-9]+)\])?")]
    private static partial Regex TemplateReference();

    [GeneratedRegex("^[a-z0-9]+(_[a-z0-9]+)*$")]
    private static partial Regex KeyPattern();
}
