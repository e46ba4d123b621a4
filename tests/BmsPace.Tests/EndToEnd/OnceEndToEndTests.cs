using System.Net;
using System.Text.Json;
using BmsPace.Commands;
using BmsPace.Simulator;
using BmsPace.Tests.Simulation;
using BmsPace.Tests.Transport;

namespace BmsPace.Tests.EndToEnd;

/// <summary><c>bmspace once</c> through its real entry point against the simulator served on a real TCP socket and a real pty.</summary>
public sealed class OnceEndToEndTests
{
    private static async Task<(int Exit, string Output, string Error)> RunCliAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int exit = await BmsPaceCli.InvokeAsync(args, output, error);
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Once_json_over_tcp_prints_exactly_what_the_simulator_sent()
    {
        var bms = new RecordedBms(new SimulatedBmsOptions { Packs = 3, Cells = 16, TailBytes = 14, Seed = 7 });
        await using var server = SimulatorTcpServer.Start(bms, new IPEndPoint(IPAddress.Loopback, 0));

        var (exit, output, error) = await RunCliAsync("once", "--json", "--connect", $"tcp://127.0.0.1:{server.EndPoint.Port}");

        Assert.True(exit == 0, error);
        using var json = JsonDocument.Parse(output);
        var battery = Assert.Single(json.RootElement.GetProperty("batteries").EnumerateArray());
        Assert.Equal("main", battery.GetProperty("name").GetString());
        Assert.True(battery.GetProperty("ok").GetBoolean());
        Assert.Equal("pace", battery.GetProperty("protocol").GetString());
        Assert.Equal(3, battery.GetProperty("packs_reported").GetInt32());
        Assert.Equal(bms.Options.SoftwareVersion, battery.GetProperty("software_version").GetString());
        Assert.Equal(bms.Options.BmsSerial, battery.GetProperty("bms_serial").GetString());
        Assert.Equal(bms.Options.PackSerial, battery.GetProperty("pack_serial").GetString());
        var packs = battery.GetProperty("packs").EnumerateArray().ToList();
        Assert.Equal(3, packs.Count);
        for (int pack = 1; pack <= 3; pack++)
        {
            SimulatorAssertions.Equal(bms.LastSentAnalog(pack)!, bms.LastSentAlarm(pack)!, packs[pack - 1]);
            // Each pack's own identity, asked at its address (the simulator answers per pack, like an RS485 bus).
            Assert.Equal(bms.Options.SoftwareVersion, packs[pack - 1].GetProperty("software_version").GetString());
            Assert.Equal(bms.Options.SerialsOf(pack).BmsSerial, packs[pack - 1].GetProperty("bms_serial").GetString());
            Assert.Equal(bms.Options.SerialsOf(pack).PackSerial, packs[pack - 1].GetProperty("pack_serial").GetString());
            string tailHex = bms.LastSentAnalog(pack)!.TailHex;
            Assert.Equal(tailHex, packs[pack - 1].GetProperty("tail_hex").GetString());
            Assert.Equal(28, tailHex.Length);

            // The cumulative fields carry the design capacity twice (filler): raw hex, never a number of Ah.
            var tail = packs[pack - 1].GetProperty("tail");
            Assert.Equal(tailHex[2..10], tail.GetProperty("cumulative_charge_hex").GetString());
            Assert.Equal(tailHex[10..18], tail.GetProperty("cumulative_discharge_hex").GetString());
            Assert.False(tail.TryGetProperty("cumulative_charge_amp_hours", out _));
            Assert.False(tail.TryGetProperty("cumulative_discharge_amp_hours", out _));
        }
    }

    [Fact]
    public async Task Once_with_force_pack_offset_28_reads_analog_and_alarm_of_every_pack_of_a_14_byte_tail_stack()
    {
        var bms = new RecordedBms(new SimulatedBmsOptions { Packs = 3, Cells = 16, TailBytes = 14, AlarmTailBytes = 1, Seed = 13 });
        await using var server = SimulatorTcpServer.Start(bms, new IPEndPoint(IPAddress.Loopback, 0));
        string config = Path.Combine(Path.GetTempPath(), $"bmspace-once-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(config, $"force_pack_offset: 28\ndebug_output: 0\nbatteries:\n  - name: garage\n    connection: tcp://127.0.0.1:{server.EndPoint.Port}\n");
        try
        {
            var (exit, output, error) = await RunCliAsync("once", "--json", "--config", config);

            Assert.True(exit == 0, error);
            Assert.DoesNotContain("failed", error, StringComparison.Ordinal);
            using var json = JsonDocument.Parse(output);
            var packs = Assert.Single(json.RootElement.GetProperty("batteries").EnumerateArray()).GetProperty("packs").EnumerateArray().ToList();
            Assert.Equal(3, packs.Count);
            for (int pack = 1; pack <= 3; pack++)
            {
                SimulatorAssertions.Equal(bms.LastSentAnalog(pack)!, bms.LastSentAlarm(pack)!, packs[pack - 1]);
            }
        }
        finally
        {
            File.Delete(config);
        }
    }

    [Fact]
    public async Task Once_against_a_silent_battery_exits_1_with_ok_false()
    {
        var bms = new RecordedBms(new SimulatedBmsOptions { Packs = 1 });
        bms.SetFault(SimulatorFault.Parse("silent:1"));
        await using var server = SimulatorTcpServer.Start(bms, new IPEndPoint(IPAddress.Loopback, 0));
        string config = Path.Combine(Path.GetTempPath(), $"bmspace-once-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(config, $"request_timeout: 300ms\nrequest_gap: 0\nretries: 0\nbatteries:\n  - name: shed\n    connection: tcp://127.0.0.1:{server.EndPoint.Port}\n");
        try
        {
            var (exit, output, _) = await RunCliAsync("once", "--json", "--config", config);

            Assert.Equal(1, exit);
            using var json = JsonDocument.Parse(output);
            var battery = Assert.Single(json.RootElement.GetProperty("batteries").EnumerateArray());
            Assert.Equal("shed", battery.GetProperty("name").GetString());
            Assert.False(battery.GetProperty("ok").GetBoolean());
            Assert.Equal(JsonValueKind.Null, battery.GetProperty("software_version").ValueKind);
            Assert.Empty(battery.GetProperty("packs").EnumerateArray());
        }
        finally
        {
            File.Delete(config);
        }
    }

    [Fact]
    public async Task Once_reads_a_battery_on_a_real_pty_through_System_IO_Ports()
    {
        var bms = new RecordedBms(new SimulatedBmsOptions { Packs = 2, Cells = 15, TailBytes = 1, Seed = 3 });
        string link = Path.Combine(Path.GetTempPath(), $"bmspace-pty-{Guid.NewGuid():N}");
        await using var pty = PseudoTerminalServer.Start(bms, link);

        var (exit, output, error) = await RunCliAsync("once", "--json", "--connect", $"serial://{link}?baud=9600");

        Assert.True(exit == 0, error);
        using var json = JsonDocument.Parse(output);
        Assert.Equal("pace", json.RootElement.GetProperty("batteries")[0].GetProperty("protocol").GetString());
        var packs = json.RootElement.GetProperty("batteries")[0].GetProperty("packs").EnumerateArray().ToList();
        Assert.Equal(2, packs.Count);
        for (int pack = 1; pack <= 2; pack++)
        {
            SimulatorAssertions.Equal(bms.LastSentAnalog(pack)!, bms.LastSentAlarm(pack)!, packs[pack - 1]);
        }
    }

    [Fact]
    public async Task Once_table_is_readable_and_names_every_pack()
    {
        var (exit, output, error) = await RunCliAsync("once", "--connect", "simulator?packs=2&cells=8&tail=0");

        Assert.True(exit == 0, error);
        Assert.Contains("Battery main: answered, 2 of 2 packs decoded", output, StringComparison.Ordinal);
        Assert.Contains("pack 1", output, StringComparison.Ordinal);
        Assert.Contains("pack 2", output, StringComparison.Ordinal);
        Assert.Contains("cell 8 V", output, StringComparison.Ordinal);
        Assert.DoesNotContain("cell 9 V", output, StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b[", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Once_reads_a_battery_behind_a_socat_pty_pair_like_a_USB_serial_adapter()
    {
        await using var pair = await SocatPtyPair.StartAsync();
        var bms = new RecordedBms(new SimulatedBmsOptions { Packs = 3, Cells = 16, TailBytes = 14, Seed = 5 });
        using var stop = new CancellationTokenSource();
        var deviceEnd = new UnixFdStream(UnixTerminal.OpenRaw(pair.PathA));
        var session = Task.Run(() => SimulatorSession.RunAsync(deviceEnd, bms, canDisconnect: false, stop.Token));
        try
        {
            var (exit, output, error) = await RunCliAsync("once", "--json", "--connect", $"serial://{pair.PathB}");

            Assert.True(exit == 0, error);
            using var json = JsonDocument.Parse(output);
            var packs = json.RootElement.GetProperty("batteries")[0].GetProperty("packs").EnumerateArray().ToList();
            Assert.Equal(3, packs.Count);
            for (int pack = 1; pack <= 3; pack++)
            {
                SimulatorAssertions.Equal(bms.LastSentAnalog(pack)!, bms.LastSentAlarm(pack)!, packs[pack - 1]);
            }
        }
        finally
        {
            await stop.CancelAsync();
            await session;
            await deviceEnd.DisposeAsync();
        }
    }

    /// <summary>
    /// <c>protocol: auto</c> against a simulator that answers one dialect only (every other dialect's frames get silence):
    /// <c>once</c> finds it and publishes the frames' values, compared with a battery model built from the same options
    /// and seed. With time scale 0 the battery stands still, so the reply carries what that model measures.
    /// </summary>
    [Theory]
    [InlineData("pace", false)]
    [InlineData("eg4", false)]
    [InlineData("seplos", false)]
    [InlineData("pylontech", false)]
    [InlineData("pace", true)]
    [InlineData("eg4", true)]
    [InlineData("seplos", true)]
    [InlineData("pylontech", true)]
    public async Task Once_detects_the_dialect_a_battery_speaks_and_publishes_its_values(string protocol, bool overPty)
    {
        Assert.True(BmsDialects.TryFind(protocol, out var dialect));
        var options = new SimulatedBmsOptions { Dialect = dialect, Packs = 1, Cells = 16, Temperatures = 6, TailBytes = 0, Seed = 11, TimeScale = 0 };
        var bms = new SimulatedBms(options);
        string link = Path.Combine(Path.GetTempPath(), $"bmspace-pty-{Guid.NewGuid():N}");
        await using IAsyncDisposable server = overPty
            ? PseudoTerminalServer.Start(bms, link)
            : SimulatorTcpServer.Start(bms, new IPEndPoint(IPAddress.Loopback, 0));
        string connection = server is SimulatorTcpServer tcp ? $"tcp://127.0.0.1:{tcp.EndPoint.Port}" : $"serial://{link}?baud=9600";
        string config = Path.Combine(Path.GetTempPath(), $"bmspace-once-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(config, $"request_timeout: 1s\nrequest_gap: 0\nbatteries:\n  - name: shed\n    connection: {connection}\n    protocol: auto\n");
        try
        {
            var (exit, output, error) = await RunCliAsync("once", "--json", "--config", config);

            Assert.True(exit == 0, error + output);
            using var json = JsonDocument.Parse(output);
            var battery = json.RootElement.GetProperty("batteries")[0];
            Assert.Equal(protocol, battery.GetProperty("protocol").GetString());
            var pack = Assert.Single(battery.GetProperty("packs").EnumerateArray());
            var model = new BatteryModel(options).Sample()[0];
            Assert.Equal(16, pack.GetProperty("cell_count").GetInt32());
            var cells = pack.GetProperty("cell_voltages_volts").EnumerateArray().Select(e => e.GetDouble()).ToArray();
            Assert.All(model.CellVoltagesVolts.Zip(cells), c => Assert.Equal(c.First, c.Second, 0.0025));
            // Pylontech sends the current in 100 mA, the others in 10 mA.
            Assert.Equal(model.CurrentAmperes, pack.GetProperty("current_amperes").GetDouble(), protocol == "pylontech" ? 0.051 : 0.0051);
            Assert.Equal(model.RemainingAmpHours, pack.GetProperty("remaining_amp_hours").GetDouble(), 0.0051);
            Assert.Equal(model.FullAmpHours, pack.GetProperty("full_amp_hours").GetDouble(), 0.0051);
            Assert.Equal(model.CycleCount, pack.GetProperty("cycle_count").GetInt32());
            var temperatures = pack.GetProperty("temperatures_celsius").EnumerateArray().Select(e => e.GetDouble()).Order().ToArray();
            Assert.Equal(6, temperatures.Length);
            Assert.All(model.TemperaturesCelsius.Order().Zip(temperatures), t => Assert.Equal(t.First, t.Second, 0.051));
            Assert.Equal(model.StateOfCharge, pack.GetProperty("state_of_charge_ratio").GetDouble(), 0.0051);
        }
        finally
        {
            File.Delete(config);
        }
    }
}
