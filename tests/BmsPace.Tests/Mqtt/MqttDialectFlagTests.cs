using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using BmsPace.Configuration;
using BmsPace.Protocol.Dialects;
using BmsPace.Protocol.Readings;
using BmsPace.Simulator;
using BmsPace.Tests.EndToEnd;
using BmsPace.Tests.Influx;

namespace BmsPace.Tests.Mqtt;

/// <summary>
/// Home Assistant discovery per dialect, on a real Mosquitto: a pack announces exactly the flags its own dialect's
/// alarm answers can carry (docs/METRICS.md names), never another dialect's, and every flag the simulated pack raises
/// turns its entity on.
/// </summary>
public sealed partial class MqttDialectFlagTests(MosquittoFixture fixture) : IClassFixture<MosquittoFixture>
{
    private const string Battery = "bank";
    private const string Prefix = "homeassistant";
    private static readonly FlagFamily[] AnnouncedFamilies = [FlagFamily.Protection, FlagFamily.Warning, FlagFamily.Fault];

    [Theory]
    [InlineData("pace")]
    [InlineData("eg4")]
    [InlineData("seplos")]
    [InlineData("pylontech")]
    [InlineData("seplos-v3")]
    [InlineData("eg4-ll")]
    [InlineData("pace-modbus")]
    public async Task A_pack_announces_exactly_its_own_dialects_flags_and_each_flag_it_raises_turns_its_entity_on(string protocol)
    {
        Assert.True(BmsDialects.TryFind(protocol, out var dialect));
        Assert.True(BmsDialects.TryFind(protocol, out var simulated));
        string node = MqttHostTests.NewNodeId();
        var bms = new SimulatedBms(new SimulatedBmsOptions { Dialect = simulated, Packs = 1, Cells = 16, Temperatures = 6, Seed = 3, EveryFlagRaised = true });
        await using var server = SimulatorTcpServer.Start(bms, new IPEndPoint(IPAddress.Loopback, 0));
        await using var recorder = await MqttRecorder.StartAsync(fixture.Broker.Port);
        var options = MqttHostTests.Options(server.EndPoint.Port, fixture.Broker.Url, node) with
        {
            // A stand-alone Seplos V3 pack answers at slave address 0 (docs/MODBUS.md); every other single pack at 1.
            Batteries = [new BatteryOptions { Name = Battery, Address = protocol == "seplos-v3" ? (byte)0 : (byte)1, Connection = new TcpConnectionSpec("127.0.0.1", server.EndPoint.Port) }],
        };
        await using var host = await RunningHost.StartAsync(options);

        string stateTopic = $"bmspace/{node}/{Battery}/pack01/state";
        var state = (await recorder.WaitForAsync(m => m.Topic == stateTopic && m.Json.TryGetProperty("flags", out _), "a pack state with flags")).Json;
        var retained = await MqttRecorder.RetainedAsync(fixture.Broker.Port, $"{Prefix}/device/+/config");
        string deviceId = $"{node}_{Battery}_pack01";
        var discovery = retained[$"{Prefix}/device/{deviceId}/config"].Json;
        Assert.Equal(dialect.Manufacturer, discovery.GetProperty("device").GetProperty("manufacturer").GetString());

        var expected = AnnouncedFamilies
            .SelectMany(family => dialect.Flags.Where(f => f.Family == family).Select(f => $"{family.ToLabel()}_{f.Name}"))
            .Order(StringComparer.Ordinal).ToArray();
        var announced = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var component in discovery.GetProperty("components").EnumerateObject())
        {
            string key = component.Name[(deviceId.Length + 1)..];
            if (FlagKey().IsMatch(key))
            {
                announced[key] = component.Value.GetProperty("value_template").GetString()!;
            }
        }

        Assert.Equal(expected, announced.Keys.Order(StringComparer.Ordinal).ToArray());
        Assert.Equal(expected.Length, expected.Distinct(StringComparer.Ordinal).Count());

        // Every flag is raised, so every flag entity's template must render ON against the state the pack published.
        foreach (var family in AnnouncedFamilies)
        {
            var raised = state.GetProperty("flags").GetProperty(family.ToLabel()).EnumerateArray().Select(e => e.GetString()!).Order(StringComparer.Ordinal).ToArray();
            Assert.Equal(dialect.Flags.Where(f => f.Family == family).Select(f => f.Name).Order(StringComparer.Ordinal).ToArray(), raised);
        }

        foreach (var (key, template) in announced)
        {
            Assert.True(Render(template, state) == "ON", $"{protocol}: {key} renders {Render(template, state)} although the pack raises it");
        }
    }

    /// <summary>
    /// A bank master's stack totals (an EG4 LL v2 master at unit 1, a stand-alone Seplos V3 pack's bank blocks) reach the
    /// battery state as the simulator's bank holds them, and the link device announces the stack sensors that read them.
    /// </summary>
    [Theory]
    [InlineData("eg4-ll", 3, true)]
    [InlineData("seplos-v3", 1, false)]
    public async Task A_bank_masters_stack_totals_reach_the_battery_state_and_the_link_device_announces_them(string family, int packs, bool bankMaster)
    {
        Assert.True(BmsDialects.TryFind(family, out var dialect));
        string node = MqttHostTests.NewNodeId();
        var simulated = new SimulatedBmsOptions
        {
            Dialect = dialect, Packs = packs, Seed = 3, TimeScale = 0,
            Bus = bankMaster ? BmsPace.Protocol.Simulation.SimulatedBus.BankMaster : BmsPace.Protocol.Simulation.SimulatedBus.Master,
        };
        var addresses = ((BmsPace.Protocol.Modbus.ModbusDialect)dialect).SimulatedSlaves(packs, bankMaster);
        await using var server = SimulatorTcpServer.Start(new SimulatedBms(simulated), new IPEndPoint(IPAddress.Loopback, 0));
        await using var recorder = await MqttRecorder.StartAsync(fixture.Broker.Port);
        var options = MqttHostTests.Options(server.EndPoint.Port, fixture.Broker.Url, node) with
        {
            Batteries =
            [
                new BatteryOptions
                {
                    Name = Battery, Connection = new TcpConnectionSpec("127.0.0.1", server.EndPoint.Port), Protocol = family,
                    Address = addresses[0], Packs = [.. addresses.Select(a => (int)a)],
                },
            ],
        };
        await using var host = await RunningHost.StartAsync(options);

        var state = (await recorder.WaitForAsync(
            m => m.Topic == $"bmspace/{node}/{Battery}/state" && m.Json.TryGetProperty("stack", out var stack) && stack.ValueKind == JsonValueKind.Object,
            "a battery state with the stack")).Json;
        ModbusOnceEndToEndTests.AssertStack(ModbusExpected.Stack(family, new BatteryModel(simulated).Sample(), bankMaster), state.GetProperty("stack"));

        string linkId = $"{node}_{Battery}";
        JsonElement components = default;
        await Eventually.TrueAsync(
            async () => (await MqttRecorder.RetainedAsync(fixture.Broker.Port, $"{Prefix}/device/+/config")).TryGetValue($"{Prefix}/device/{linkId}/config", out var link)
                && (components = link.Json.GetProperty("components")).TryGetProperty($"{linkId}_stack_voltage", out _),
            "the link device with its stack sensors",
            TimeSpan.FromSeconds(30));
        var templates = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["stack_voltage"] = "{{ value_json.stack.voltage_volts if value_json.stack.voltage_volts is number else none }}",
            ["stack_current"] = "{{ value_json.stack.current_amperes if value_json.stack.current_amperes is number else none }}",
            ["stack_power"] = "{{ value_json.stack.power_watts if value_json.stack.power_watts is number else none }}",
            ["stack_state_of_charge"] = "{{ (value_json.stack.state_of_charge_ratio * 100) | round(2) if value_json.stack.state_of_charge_ratio is number else none }}",
            ["stack_remaining_capacity"] = "{{ value_json.stack.remaining_amp_hours if value_json.stack.remaining_amp_hours is number else none }}",
            ["stack_full_capacity"] = "{{ value_json.stack.full_amp_hours if value_json.stack.full_amp_hours is number else none }}",
        };
        foreach (var (key, template) in templates)
        {
            Assert.Equal(template, components.GetProperty($"{linkId}_{key}").GetProperty("value_template").GetString());
        }
    }

    [Fact]
    public async Task A_seplos_pack_gets_its_own_alarms_and_none_that_only_pace_has()
    {
        Assert.True(BmsDialects.TryFind("seplos", out var seplos));
        string node = MqttHostTests.NewNodeId();
        var bms = new SimulatedBms(new SimulatedBmsOptions { Dialect = seplos, Packs = 1, Cells = 16, Temperatures = 6, Seed = 3 });
        await using var server = SimulatorTcpServer.Start(bms, new IPEndPoint(IPAddress.Loopback, 0));
        await using var recorder = await MqttRecorder.StartAsync(fixture.Broker.Port);
        var options = MqttHostTests.Options(server.EndPoint.Port, fixture.Broker.Url, node) with
        {
            Batteries = [new BatteryOptions { Name = Battery, Connection = new TcpConnectionSpec("127.0.0.1", server.EndPoint.Port), Protocol = "seplos" }],
        };
        await using var host = await RunningHost.StartAsync(options);
        await recorder.WaitForAsync($"bmspace/{node}/{Battery}/pack01/availability", "online");

        var retained = await MqttRecorder.RetainedAsync(fixture.Broker.Port, $"{Prefix}/device/+/config");
        string deviceId = $"{node}_{Battery}_pack01";
        var keys = retained[$"{Prefix}/device/{deviceId}/config"].Json.GetProperty("components").EnumerateObject()
            .Select(c => c.Name[(deviceId.Length + 1)..]).ToHashSet(StringComparer.Ordinal);
        foreach (string own in new[] { "fault_eeprom", "fault_rtc", "fault_power_switch", "protection_reverse_connection", "protection_transient_overcurrent", "protection_low_capacity" })
        {
            Assert.Contains(own, keys);
        }

        foreach (string paceOnly in new[] { "fault_heating_film", "fault_sampling", "fault_cell" })
        {
            Assert.DoesNotContain(paceOnly, keys);
        }
    }

    /// <summary>Renders the one template shape flag entities use: <c>('ON' if 'name' in value_json.flags.family else 'OFF') if value_json.flags is defined else ''</c>.</summary>
    private static string Render(string template, JsonElement state)
    {
        var match = FlagTemplate().Match(template);
        Assert.True(match.Success, $"not a flag template: {template}");
        if (!state.TryGetProperty("flags", out var flags))
        {
            return "";
        }

        bool on = flags.GetProperty(match.Groups["family"].Value).EnumerateArray().Any(e => e.GetString() == match.Groups["flag"].Value);
        return on ? "ON" : "OFF";
    }

    [GeneratedRegex("^(protection|warning|fault)_")]
    private static partial Regex FlagKey();

    [GeneratedRegex(@"^\{\{ \('ON' if '(?<flag>[a-z0-9_]+)' in value_json\.flags\.(?<family>[a-z]+) else 'OFF'\) if value_json\.flags is defined else '' \}\}$")]
    private static partial Regex FlagTemplate();
}
