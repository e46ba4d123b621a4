using System.Text.Json;
using BmsPace.Protocol.Framing;
using BmsPace.Tests.Probe;
using BmsPace.Tests.Prometheus;

namespace BmsPace.Tests.MadeUpDialect;

/// <summary>
/// A dialect is its folder and one registry line: <see cref="LumenDialect"/>, defined in this test project and composed
/// into a host (<see cref="LumenHost"/>, this assembly run as a program), is accepted by the configuration, listed in
/// <c>--help</c>, asked by <c>probe</c> and decoded by <c>decode</c>, with no edit in src.
/// </summary>
public sealed class MadeUpDialectTests
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
        Assert.Contains("auto, pace, eg4, seplos, pylontech or lumen", unknown.All, StringComparison.Ordinal);
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
            var asked = FrameDecoder.ParseRequest(request);
            return asked.Version == LumenDialect.Version && asked.Cid1 == LumenDialect.DeviceType && asked.Cid2 == 0x42 && asked.Address == 1
                ? System.Text.Encoding.ASCII.GetBytes(reply)
                : null;
        });

        var probe = await LumenHostAsync("probe", "--connect", battery.Uri);

        Assert.Contains(battery.Requests, r => FrameDecoder.ParseRequest(r) is { Version: LumenDialect.Version, Cid1: LumenDialect.DeviceType });
        Assert.Contains("protocol: lumen", probe.All, StringComparison.Ordinal);
    }
}
