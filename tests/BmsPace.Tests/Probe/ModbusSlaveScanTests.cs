using System.Net;
using System.Text.Json;
using BmsPace.Commands;
using BmsPace.Protocol.Dialects;
using BmsPace.Protocol.Simulation;
using BmsPace.Simulator;
using BmsPace.Tests.Simulation;

namespace BmsPace.Tests.Probe;

/// <summary>
/// Issue 23 item 4: <c>probe</c> names a Modbus family, every slave address that answered (EG4's auto-ID address 64
/// too) and prints configuration lines that <c>once</c> reads every pack with. The simulator places the packs at the
/// addresses a real bank would use; the probe and <c>once</c> run through the program's entry point.
/// </summary>
public sealed class ModbusSlaveScanTests
{
    private static SimulatedBmsOptions Eg4Bank(params byte[] addresses)
    {
        Assert.True(BmsDialects.TryFind("eg4-ll", out var dialect));
        return new SimulatedBmsOptions { Dialect = dialect, Packs = addresses.Length, Addresses = addresses, Cells = 16, Seed = 7, TimeScale = 0 };
    }

    /// <summary>
    /// Nothing answers at 1 or 0, in any language: the ASCII dialects are asked at every address first, then the Modbus
    /// slaves, which answer at 2 (the first found), then 3, 4 and the auto-ID 64 in the scan that follows; a paced
    /// 9600-baud line on a real pty.
    /// </summary>
    [Fact]
    public async Task Probe_finds_eg4_ll_packs_at_2_3_4_and_the_auto_id_address_64_on_a_pty_and_once_reads_every_one_with_its_lines()
    {
        var options = Eg4Bank(2, 3, 4, 64) with { BaudRate = 9600 };
        var bms = new RecordedBms(options);
        string link = Path.Combine(Path.GetTempPath(), $"bmspace-slaves-{Guid.NewGuid():N}");
        await using var pty = PseudoTerminalServer.Start(bms, link);

        var run = await ProbeRuns.ProbeJsonAsync("--connect", $"serial://{link}");

        Assert.True(run.Exit == 0, string.Join("\n", run.Verdict));
        var found = Assert.Single(run.Found);
        Assert.Equal("eg4-ll", found.GetProperty("protocol").GetString());
        string slaveLines = string.Join("\n", run.Attempts.Where(a => !a.Request!.StartsWith('~')).Select(a => $"{a.Address} {a.Outcome} {a.Detail}"));
        Assert.True(found.GetProperty("pack_addresses").EnumerateArray().Select(a => a.GetInt32()).SequenceEqual([2, 3, 4, 64]), slaveLines);
        string config = found.GetProperty("config").GetString()!;
        Assert.Equal($"batteries:\n  - name: main\n    connection: serial://{link}\n    address: 2\n    protocol: eg4-ll\n    packs: [2, 3, 4, 64]\n", config);
        Assert.Equal($"an eg4-ll BMS (Modbus RTU) answers on serial://{link} at 9600 baud, address 2: packs at addresses 2, 3, 4, 64, software LFP-51.2V100Ah-SIM Z02T04", run.Verdict[0]);
        Assert.Contains(run.Verdict, line => line.StartsWith("only addresses 2, 3, 4, 64 answer", StringComparison.Ordinal) && line.Contains("64: where a pack without DIP switches places itself", StringComparison.Ordinal));

        // Every ASCII question (every address 0-15) came before the first Modbus read at an address other than 1 and 0.
        int firstSlaveScan = run.Attempts.ToList().FindIndex(a => !a.Request!.StartsWith('~') && a.Address is not (0 or 1));
        Assert.Equal(Enumerable.Range(0, 16), run.Attempts.Take(firstSlaveScan).Where(a => a.Request!.StartsWith('~')).Select(a => a.Address!.Value).Distinct().Order());
        Assert.DoesNotContain(run.Attempts.Skip(firstSlaveScan), a => a.Request!.StartsWith('~'));
        var slaveAnswers = run.Attempts.Where(a => a.Protocol == "eg4-ll" && a.Outcome == "answer" && a.Detail.StartsWith("Modbus RTU slave", StringComparison.Ordinal));
        Assert.Equal([2, 3, 4, 64], slaveAnswers.Select(a => a.Address!.Value).Order());
        Assert.All(run.Attempts, a => Assert.Equal(9600, a.Baud));
        Assert.True(run.Elapsed < ProbeRuns.OneConnectionLimit, $"took {run.Elapsed}");
        Assert.False(run.Verdict.Any(line => line.Contains("time limit", StringComparison.Ordinal)), string.Join("\n", run.Verdict));
        ProbeRuns.AssertOnlyReadOnly(bms.ReceivedRequests);

        AssertEveryPackRead(options, await OnceAsync(config));
    }

    /// <summary>A pack answers at 1: the scan that follows its answer asks 0 and 2-15 with a short wait each, and 64.</summary>
    [Fact]
    public async Task After_a_first_answer_the_slave_scan_reaches_the_auto_id_address_64_over_tcp_and_the_lines_read_both_packs()
    {
        var options = Eg4Bank(1, 64);
        await using var server = SimulatorTcpServer.Start(new SimulatedBms(options), new IPEndPoint(IPAddress.Loopback, 0));

        var run = await ProbeRuns.ProbeJsonAsync("--connect", $"tcp://127.0.0.1:{server.EndPoint.Port}");

        Assert.True(run.Exit == 0, string.Join("\n", run.Verdict));
        var found = Assert.Single(run.Found);
        Assert.Equal([1, 64], found.GetProperty("pack_addresses").EnumerateArray().Select(a => a.GetInt32()));
        string config = found.GetProperty("config").GetString()!;
        Assert.EndsWith("    address: 1\n    protocol: eg4-ll\n    packs: [1, 64]\n", config, StringComparison.Ordinal);

        // The family's question went to every address it reaches, each once, and only 1 and 64 answered it.
        var asked = run.Attempts.Where(a => a.Request!.Length == 16 && a.Request[2..12] == "0300000027").ToList();
        Assert.Equal([.. Enumerable.Range(0, 16), 64], asked.Select(a => a.Address!.Value).Order());
        Assert.Equal([1, 64], asked.Where(a => a.Outcome == "answer").Select(a => a.Address!.Value).Order());
        Assert.All(asked.Where(a => a.Address is not (0 or 1 or 64)), a => Assert.Equal("silence", a.Outcome));

        AssertEveryPackRead(options, await OnceAsync(config));
    }

    [Fact]
    public async Task A_lone_auto_id_pack_is_configured_at_address_64_and_read_with_packs_all()
    {
        var options = Eg4Bank(64);
        await using var server = SimulatorTcpServer.Start(new SimulatedBms(options), new IPEndPoint(IPAddress.Loopback, 0));

        var packs = await OnceAsync($"batteries:\n  - name: main\n    connection: tcp://127.0.0.1:{server.EndPoint.Port}\n    address: 64\n    protocol: eg4-ll\n    packs: all\n");

        AssertEveryPackRead(options, packs);
    }

    [Theory]
    [InlineData("protocol: pace\n    address: 64", "batteries.0.address: address 64 is out of range for protocol pace; allowed: 0 to 15")]
    [InlineData("protocol: seplos-v3\n    packs: [2, 64]", "batteries.0.packs: pack 64 is out of range for protocol seplos-v3; allowed: 0 to 15")]
    [InlineData("protocol: auto\n    address: 16", "batteries.0.address: 16 is out of range; allowed: a whole number from 0 to 15 or 64")]
    [InlineData("protocol: eg4-ll\n    packs: [2, 65]", "batteries.0.packs: pack 65 is out of range; allowed: all, or pack addresses from 0 to 15 or 64")]
    public async Task An_address_only_a_self_assigning_family_reaches_is_refused_for_the_others_with_exit_2(string lines, string message)
    {
        var (exit, _, error) = await RunAsync($"batteries:\n  - connection: tcp://127.0.0.1:9\n    {lines}\n", "once", "--json");

        Assert.Equal(2, exit);
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("pace", "2,3", "addresses=2,3 is not allowed for pace: its packs answer where the dialect places them")]
    [InlineData("seplos-v3", "2,64", "address 64 is not allowed for seplos-v3: expected 0 to 15")]
    [InlineData("eg4-ll", "2,2", "addresses=2,2 places two packs at one address")]
    [InlineData("eg4-ll", "2,x", "--addresses 2,x: expected slave addresses 0 to 255 separated by commas")]
    public async Task Simulate_refuses_addresses_the_family_cannot_place_its_packs_at(string protocol, string addresses, string message)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        int exit = await BmsPaceCli.InvokeAsync(["simulate", "--tcp", "127.0.0.1:0", "--protocol", protocol, "--addresses", addresses], output, error);

        Assert.Equal(2, exit);
        Assert.Contains(message, error.ToString(), StringComparison.Ordinal);
    }

    /// <summary>Each pack printed is the model's pack placed at that slave address, cell by cell.</summary>
    private static void AssertEveryPackRead(SimulatedBmsOptions options, IReadOnlyList<JsonElement> packs)
    {
        var model = new BatteryModel(options).Sample();
        Assert.Equal(options.Addresses.Select(a => (int)a), packs.Select(p => p.GetProperty("pack").GetInt32()));
        for (int position = 0; position < packs.Count; position++)
        {
            var cells = packs[position].GetProperty("cell_voltages_volts").EnumerateArray().Select(e => e.GetDouble()).ToArray();
            Assert.Equal(model[position].CellVoltagesVolts.Select(v => Math.Round(v, 3, MidpointRounding.AwayFromZero)), cells);
            Assert.Equal(options.SerialsOf(model[position].Number).BmsSerial, packs[position].GetProperty("bms_serial").GetString());
        }
    }

    private static async Task<IReadOnlyList<JsonElement>> OnceAsync(string config)
    {
        var (exit, output, error) = await RunAsync("request_timeout: 1s\nrequest_gap: 0\n" + config, "once", "--json");
        Assert.True(exit == 0, error + output);
        using var json = JsonDocument.Parse(output);
        var battery = Assert.Single(json.RootElement.GetProperty("batteries").EnumerateArray());
        Assert.True(battery.GetProperty("ok").GetBoolean(), output);
        return [.. battery.GetProperty("packs").EnumerateArray().Select(p => p.Clone())];
    }

    private static async Task<(int Exit, string Output, string Error)> RunAsync(string config, params string[] command)
    {
        string path = Path.Combine(Path.GetTempPath(), $"bmspace-slaves-{Guid.NewGuid():N}.yaml");
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
