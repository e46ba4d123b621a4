using System.Net;
using System.Text.Json;
using BmsPace.Commands;
using BmsPace.Protocol.Dialects;
using BmsPace.Protocol.Simulation;
using BmsPace.Protocol.Wire;
using BmsPace.Simulator;

namespace BmsPace.Tests.Probe;

/// <summary>
/// Issue 22 item 2: what <c>address</c> and <c>packs</c> mean is the dialect's (PACE: the master answers for every pack;
/// the 0x20 family: each pack at its own address), and configuration validation, the poller and <c>probe</c> agree: the
/// lines <c>probe</c> prints, pasted into a config, are accepted and read every pack, in every dialect.
/// </summary>
public sealed class ProbeConfigLinesTests
{
    public static TheoryData<string> Dialects => [.. BmsDialects.Names];

    private static SimulatedBmsOptions Stack(string protocol, int packs)
    {
        Assert.True(BmsDialects.TryFind(protocol, out var dialect));
        return new SimulatedBmsOptions { Dialect = dialect, Packs = packs, Cells = 16, Temperatures = 6, TailBytes = 0, Seed = 5, TimeScale = 0 };
    }

    [Theory]
    [MemberData(nameof(Dialects))]
    public async Task The_lines_probe_prints_for_a_three_pack_stack_read_every_pack_with_once(string protocol)
    {
        var options = Stack(protocol, 3);
        await using var server = SimulatorTcpServer.Start(new SimulatedBms(options), new IPEndPoint(IPAddress.Loopback, 0));

        var run = await ProbeRuns.ProbeJsonAsync("--connect", $"tcp://127.0.0.1:{server.EndPoint.Port}");

        Assert.Equal(0, run.Exit);
        var found = Assert.Single(run.Found);
        Assert.Equal(protocol, found.GetProperty("protocol").GetString());
        string config = found.GetProperty("config").GetString()!;
        Assert.DoesNotContain("address: 0", config, StringComparison.Ordinal);
        var packs = await OnceAsync(config);
        AssertEveryPackRead(options, packs);
    }

    [Fact]
    public async Task A_modbus_family_is_named_by_its_answers_and_the_other_families_refusals_are_modbus_exceptions_not_ascii_verdicts()
    {
        var options = Stack("eg4-ll", 2);
        await using var server = SimulatorTcpServer.Start(new SimulatedBms(options), new IPEndPoint(IPAddress.Loopback, 0));

        var run = await ProbeRuns.ProbeJsonAsync("--connect", $"tcp://127.0.0.1:{server.EndPoint.Port}");

        Assert.Equal(0, run.Exit);
        Assert.StartsWith("an eg4-ll BMS (Modbus RTU) answers on", run.Verdict[0], StringComparison.Ordinal);
        Assert.DoesNotContain(run.Verdict, line => line.Contains("VER", StringComparison.Ordinal) || line.Contains("noisy", StringComparison.Ordinal));
        var refused = Assert.Single(run.Attempts, a => a.Protocol == "seplos-v3" && a.Address == 1);
        Assert.Equal("rtn", refused.Outcome);
        Assert.Equal("Modbus exception 01 to function 0x04: illegal function (slave 1)", refused.Detail);
        Assert.Equal([1, 2], run.Attempts.Where(a => a.Protocol == "eg4-ll" && a.Outcome == "answer" && a.Detail.StartsWith("Modbus RTU slave", StringComparison.Ordinal)).Select(a => a.Address!.Value).Order());
        ProbeRuns.AssertOnlyReadOnly([.. run.Attempts.Select(a => a.Request!).Where(r => !r.StartsWith('~')).Distinct().Select(hex => System.Text.Encoding.Latin1.GetString(Convert.FromHexString(hex)))]);
    }

    [Theory]
    [MemberData(nameof(Dialects))]
    public async Task Packs_all_reads_every_pack_of_the_stack(string protocol)
    {
        var options = Stack(protocol, 3);
        await using var server = SimulatorTcpServer.Start(new SimulatedBms(options), new IPEndPoint(IPAddress.Loopback, 0));

        var packs = await OnceAsync($"batteries:\n  - name: main\n    connection: tcp://127.0.0.1:{server.EndPoint.Port}\n    address: 1\n    protocol: {protocol}\n    packs: all\n");

        AssertEveryPackRead(options, packs);
    }

    [Theory]
    [InlineData("pace", "[0, 1]", "batteries.0.packs: pack 0 is out of range for protocol pace; allowed: 1 to 15")]
    [InlineData("seplos", "[0, 1]", "batteries.0.packs: 0 is the address of a stand-alone pack, which shares its bus with no other")]
    [InlineData("auto", "[16]", "batteries.0.packs: pack 16 is out of range; allowed: all, or pack addresses from 0 to 15")]
    public async Task A_packs_list_the_dialect_cannot_address_is_refused_with_exit_2(string protocol, string packs, string message)
    {
        var (exit, _, error) = await RunAsync($"batteries:\n  - connection: tcp://127.0.0.1:9\n    protocol: {protocol}\n    packs: {packs}\n", "once", "--json");

        Assert.Equal(2, exit);
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("seplos")]
    [InlineData("eg4")]
    [InlineData("pylontech")]
    public async Task A_stand_alone_pack_at_address_0_is_accepted_by_the_0x20_dialects(string protocol)
    {
        var (exit, output, error) = await RunAsync($"request_timeout: 200ms\nbatteries:\n  - connection: tcp://127.0.0.1:9\n    protocol: {protocol}\n    packs: [0]\n", "once", "--json");

        // Accepted (exit 2 is a refused configuration); nothing listens on the discard port, so the read fails.
        Assert.True(exit == 1, error + output);
        Assert.DoesNotContain("packs", error, StringComparison.Ordinal);
    }

    /// <summary>
    /// Issue 22 item 3: PACE packs on an RS485 bus without a master answer only their own address, only COMMAND = that
    /// address (or 00, never FF), and a VER 20 question with RTN 01 in a VER 25 header. probe must find packs 1, 2 and 3
    /// within a minute and print lines that read them; the master (RS232) form still prints <c>packs: all</c>.
    /// </summary>
    [Theory]
    [InlineData(SimulatedBus.Master, "    address: 1\n    protocol: pace\n    packs: all\n")]
    [InlineData(SimulatedBus.OwnAddress, "    address: 1\n    protocol: pace\n    packs: [1, 2, 3]\n")]
    public async Task Probe_finds_every_pace_pack_of_a_bus_whether_a_master_answers_or_each_pack_only_for_itself(SimulatedBus bus, string expectedLines)
    {
        var options = Stack("pace", 3) with { Bus = bus };
        var bms = new Simulation.RecordedBms(options);
        await using var server = SimulatorTcpServer.Start(bms, new IPEndPoint(IPAddress.Loopback, 0));

        var run = await ProbeRuns.ProbeJsonAsync("--connect", $"tcp://127.0.0.1:{server.EndPoint.Port}");

        Assert.True(run.Exit == 0, string.Join("\n", run.Verdict));
        var found = Assert.Single(run.Found);
        Assert.Equal("pace", found.GetProperty("protocol").GetString());
        Assert.EndsWith(expectedLines, found.GetProperty("config").GetString(), StringComparison.Ordinal);
        Assert.True(run.Elapsed < ProbeRuns.OneConnectionLimit, $"took {run.Elapsed}");
        ProbeRuns.AssertOnlyReadOnly(bms.ReceivedRequests);
        if (bus == SimulatedBus.OwnAddress)
        {
            // The version error came in a VER 25 header from a device at address 1: asked for itself, it answered.
            Assert.Contains(run.Attempts, a => a.Address == 1 && a.Outcome == "rtn" && a.Detail.StartsWith("RTN 01", StringComparison.Ordinal));
            Assert.Contains(run.Attempts, a => a.Address == 1 && a.Outcome == "answer" && a.Request!.Contains("4642E00201", StringComparison.Ordinal));
        }

        var packs = await OnceAsync(found.GetProperty("config").GetString()!);
        AssertEveryPackRead(options, packs);
    }

    [Fact]
    public async Task The_in_process_simulator_serves_the_own_address_bus_from_its_uri()
    {
        var packs = await OnceAsync("batteries:\n  - name: main\n    connection: simulator?packs=3&tail=0&seed=5&bus=own-address\n    protocol: pace\n    packs: [1, 2, 3]\n");
        Assert.Equal([1, 2, 3], packs.Select(p => p.GetProperty("pack").GetInt32()));

        var (exit, _, error) = await RunAsync("batteries:\n  - connection: simulator?bus=own-address&protocol=seplos\n", "once", "--json");
        Assert.Equal(2, exit);
        Assert.Contains("bus=own-address is not allowed for seplos", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_in_process_simulator_serves_an_eg4_bank_master_from_its_uri_and_no_other_family_has_one()
    {
        var (exit, output, error) = await RunAsync("batteries:\n  - name: main\n    connection: simulator?packs=2&seed=5&protocol=eg4-ll&bus=bank-master\n    protocol: eg4-ll\n    address: 1\n", "once", "--json");
        Assert.True(exit == 0, error);
        var battery = JsonDocument.Parse(output).RootElement.GetProperty("batteries")[0];
        Assert.Equal([2, 3], battery.GetProperty("packs").EnumerateArray().Select(p => p.GetProperty("pack").GetInt32()));
        Assert.Equal(JsonValueKind.Number, battery.GetProperty("stack").GetProperty("voltage_volts").ValueKind);

        (exit, _, error) = await RunAsync("batteries:\n  - connection: simulator?bus=bank-master&protocol=pace-modbus\n", "once", "--json");
        Assert.Equal(2, exit);
        Assert.Contains("bus=bank-master is not allowed for pace-modbus", error, StringComparison.Ordinal);
    }

    private static void AssertEveryPackRead(SimulatedBmsOptions options, IReadOnlyList<JsonElement> packs)
    {
        var model = new BatteryModel(options).Sample();
        Assert.Equal([1, 2, 3], packs.Select(p => p.GetProperty("pack").GetInt32()));
        foreach (var pack in packs)
        {
            var expected = model[pack.GetProperty("pack").GetInt32() - 1];
            var cells = pack.GetProperty("cell_voltages_volts").EnumerateArray().Select(e => e.GetDouble()).ToArray();
            Assert.Equal(expected.CellVoltagesVolts.Length, cells.Length);
            Assert.All(expected.CellVoltagesVolts.Zip(cells), c => Assert.Equal(c.First, c.Second, 0.0025));
        }
    }

    private static async Task<IReadOnlyList<JsonElement>> OnceAsync(string config)
    {
        var (exit, output, error) = await RunAsync("request_timeout: 1s\nrequest_gap: 0\n" + config, "once", "--json");
        Assert.True(exit == 0, error + output);
        using var json = JsonDocument.Parse(output);
        var battery = Assert.Single(json.RootElement.GetProperty("batteries").EnumerateArray());
        return [.. battery.GetProperty("packs").EnumerateArray().Select(p => p.Clone())];
    }

    private static async Task<(int Exit, string Output, string Error)> RunAsync(string config, params string[] command)
    {
        string path = Path.Combine(Path.GetTempPath(), $"bmspace-probe-lines-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(path, config);
        try
        {
            using var output = new StringWriter();
            using var error = new StringWriter();
            int exit = await BmsPaceCli.InvokeAsync([.. command, "--config", path], output, error);
            return (exit, output.ToString(), error.ToString());
        }
        finally
        {
            File.Delete(path);
        }
    }
}
