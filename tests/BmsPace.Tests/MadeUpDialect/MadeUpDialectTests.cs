using System.Diagnostics;
using System.Text;
using System.Text.Json;
using BmsPace.Protocol.Dialects;
using BmsPace.Protocol.Framing;
using BmsPace.Tests.Mqtt;
using BmsPace.Tests.Probe;
using BmsPace.Tests.Prometheus;

namespace BmsPace.Tests.MadeUpDialect;

/// <summary>
/// A dialect is its folder and one registry line: <see cref="LumenDialect"/>, defined in this test project and composed
/// into a host (<see cref="LumenHost"/>, this assembly run as a program), is accepted by the configuration, listed in
/// <c>--help</c>, asked by <c>probe</c>, decoded by <c>decode</c> and announced by MQTT discovery with its own flags,
/// with no edit in src.
/// </summary>
public sealed class MadeUpDialectTests(MosquittoFixture fixture) : IClassFixture<MosquittoFixture>
{
    private static readonly int[] Cells = [3301, 3302, 3299, 3300];
    private static readonly int[] DeciKelvin = [2981, 2991];

    private static Task<ProcessResult> LumenHostAsync(params string[] args) =>
        ProcessRunner.RunAsync("dotnet", ["exec", typeof(LumenHost).Assembly.Location, .. args]);

    [Fact]
    public async Task A_made_up_dialect_is_listed_in_help_and_accepted_by_the_configuration()
    {
        var help = await LumenHostAsync("once", "--help");
        Assert.True(help.ExitCode == 0, help.All);
        Assert.Contains("lumen", help.Output, StringComparison.Ordinal);

        // Accepted: the connection fails (nothing listens), not the configuration (exit 2).
        var once = await LumenHostAsync("once", "--connect", "tcp://127.0.0.1:1", "--protocol", "lumen");
        Assert.Equal(1, once.ExitCode);
        Assert.DoesNotContain("is not a protocol", once.All, StringComparison.Ordinal);

        var unknown = await LumenHostAsync("once", "--connect", "tcp://127.0.0.1:1", "--protocol", "lumens");
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains(string.Join(", ", ["auto", .. BmsDialects.BuiltIn.Select(d => d.Name)]) + " or lumen", unknown.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_made_up_dialect_is_decoded_by_decode_with_its_own_layout()
    {
        string frame = LumenDialect.AnalogReply(1, Cells, DeciKelvin, -250, 1320, 4550, 10000, 17).TrimEnd('\r');

        var decoded = await LumenHostAsync("decode", "--json", "--command", "analog", frame);

        Assert.True(decoded.ExitCode == 0, decoded.All);
        using var json = JsonDocument.Parse(decoded.Output);
        var pack = json.RootElement.GetProperty("packs")[0];
        Assert.Equal(Cells.Select(mv => mv / 1000.0), pack.GetProperty("cell_voltages_volts").EnumerateArray().Select(v => v.GetDouble()));
        Assert.Equal([25.0, 26.0], pack.GetProperty("temperatures_celsius").EnumerateArray().Select(v => Math.Round(v.GetDouble(), 1)));
        Assert.Equal(-2.5, pack.GetProperty("current_amperes").GetDouble(), 9);
        Assert.Equal(13.2, pack.GetProperty("voltage_volts").GetDouble(), 9);
        Assert.Equal(45.5, pack.GetProperty("remaining_amp_hours").GetDouble(), 9);
        Assert.Equal(100.0, pack.GetProperty("full_amp_hours").GetDouble(), 9);
        Assert.Equal(17, pack.GetProperty("cycle_count").GetInt32());
    }

    [Fact]
    public async Task A_made_up_dialect_is_asked_by_probe_and_found()
    {
        string reply = LumenDialect.AnalogReply(1, Cells, DeciKelvin, 0, 1320, 5000, 10000, 3);
        await using var battery = ScriptedLineServer.Start(request =>
        {
            if (!request.StartsWith('~'))
            {
                return null; // a Modbus read of the built-in families: this line speaks ASCII only
            }

            var asked = FrameDecoder.ParseRequest(request);
            return asked.Version == LumenDialect.Version && asked.Cid1 == LumenDialect.DeviceType && asked.Cid2 == 0x42 && asked.Address == 1
                ? System.Text.Encoding.ASCII.GetBytes(reply)
                : null;
        });

        var probe = await LumenHostAsync("probe", "--connect", battery.Uri);

        Assert.Contains(battery.Requests, r => r.StartsWith('~') && FrameDecoder.ParseRequest(r) is { Version: LumenDialect.Version, Cid1: LumenDialect.DeviceType });
        Assert.Contains("protocol: lumen", probe.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_made_up_dialect_is_announced_by_mqtt_discovery_with_its_own_flags_raised()
    {
        var replies = new Dictionary<byte, string>
        {
            [0x42] = LumenDialect.AnalogReply(1, Cells, DeciKelvin, 120, 1320, 5000, 10000, 3),
            [0x44] = FrameEncoder.EncodeResponse(LumenDialect.Version, 1, LumenDialect.DeviceType, 0, [4, 0, 0, 0, 0, 2, 0, 0, 0x07]),
            [0x51] = FrameEncoder.EncodeResponse(LumenDialect.Version, 1, LumenDialect.DeviceType, 0, Encoding.ASCII.GetBytes("LANTERN-01")),
        };
        await using var battery = ScriptedLineServer.Start(request =>
        {
            if (!request.StartsWith('~'))
            {
                return null; // a Modbus read of the built-in families: this line speaks ASCII only
            }

            var asked = FrameDecoder.ParseRequest(request);
            return asked.Version == LumenDialect.Version && asked.Cid1 == LumenDialect.DeviceType && replies.TryGetValue(asked.Cid2, out string? reply)
                ? Encoding.ASCII.GetBytes(reply)
                : null;
        });
        string node = MqttHostTests.NewNodeId();
        string config = Path.Combine(Path.GetTempPath(), $"lumen-{node}.yaml");
        await File.WriteAllTextAsync(config, $"""
            scan_interval: 500ms
            request_timeout: 1s
            prometheus:
              enabled: false
              listen: 127.0.0.1:{BmsPace.Tests.Prometheus.ProcessRunner.FreePort()}
            console:
              enabled: false
            mqtt:
              enabled: true
              url: {fixture.Broker.Url}
              node_id: {node}
            batteries:
              - name: lantern
                connection: {battery.Uri}
                protocol: lumen
            """);
        await using var recorder = await MqttRecorder.StartAsync(fixture.Broker.Port);
        using var host = Process.Start(new ProcessStartInfo("dotnet") { ArgumentList = { "exec", typeof(LumenHost).Assembly.Location, "run", "--config", config }, RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = host.StandardOutput.ReadToEndAsync();
        var log = host.StandardError.ReadToEndAsync();
        try
        {
            var state = (await recorder.WaitForAsync(m => m.Topic == $"bmspace/{node}/lantern/pack01/state" && m.Json.TryGetProperty("flags", out _), "a lantern state with flags")).Json;
            var retained = await MqttRecorder.RetainedAsync(fixture.Broker.Port, $"homeassistant/device/{node}_lantern_pack01/config");
            var discovery = Assert.Single(retained.Values).Json;
            Assert.Equal("Lumen Works", discovery.GetProperty("device").GetProperty("manufacturer").GetString());
            string deviceId = $"{node}_lantern_pack01";
            var flagKeys = discovery.GetProperty("components").EnumerateObject().Select(c => c.Name[(deviceId.Length + 1)..])
                .Where(k => k.StartsWith("protection_", StringComparison.Ordinal) || k.StartsWith("warning_", StringComparison.Ordinal) || k.StartsWith("fault_", StringComparison.Ordinal))
                .Order(StringComparer.Ordinal).ToArray();
            Assert.Equal(["fault_lamp_broken", "protection_lamp_overheat", "warning_dim_light"], flagKeys);
            Assert.Equal("lamp_overheat", Assert.Single(state.GetProperty("flags").GetProperty("protection").EnumerateArray()).GetString());
            Assert.Equal("dim_light", Assert.Single(state.GetProperty("flags").GetProperty("warning").EnumerateArray()).GetString());
            Assert.Equal("lamp_broken", Assert.Single(state.GetProperty("flags").GetProperty("fault").EnumerateArray()).GetString());
        }
        finally
        {
            host.Kill(entireProcessTree: true);
            await host.WaitForExitAsync();
            File.Delete(config);
        }
    }
}
