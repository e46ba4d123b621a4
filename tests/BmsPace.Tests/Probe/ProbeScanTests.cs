using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using BmsPace.Commands;
using BmsPace.Probe;
using BmsPace.Protocol.Commands;
using BmsPace.Protocol.Framing;
using BmsPace.Simulator;
using BmsPace.Tests.Simulation;
using BmsPace.Tests.Shipping;
using BmsPace.Tests.Transport;

namespace BmsPace.Tests.Probe;

/// <summary>
/// The slow probes, in a class of their own so they run beside the others: a silent TCP server, a dead pty at every
/// speed, and an RS485 bus whose packs answer only their own addresses (each probe waits out silence many times).
/// </summary>
public sealed class ProbeScanTests
{
    private static readonly TimeSpan OneConnectionLimit = ProbeRuns.OneConnectionLimit;

    [Fact]
    public async Task Lists_every_rs485_address_that_answers_on_a_pty_bus()
    {
        var bms = new RecordedBms(new SimulatedBmsOptions { Packs = 1 });
        await using var bus = await AddressedPtyPeer.StartAsync(bms, 2, 3, 5);

        var run = await ProbeRuns.ProbeJsonAsync("--connect", $"serial://{bus.Path}");

        Assert.Equal(0, run.Exit);
        var found = Assert.Single(run.Found);
        Assert.Equal(2, found.GetProperty("address").GetInt32());
        Assert.Equal(3, found.GetProperty("packs").GetInt32());
        Assert.Equal([2, 3, 5], found.GetProperty("pack_addresses").EnumerateArray().Select(a => a.GetInt32()));
        Assert.Equal($"batteries:\n  - name: main\n    connection: serial://{bus.Path}\n    address: 2\n    protocol: pace\n    packs: [2, 3, 5]\n", found.GetProperty("config").GetString());

        // Nothing answers the master's usual addresses, in any dialect; then the bus is scanned address by address at
        // 9600 baud, before any other speed.
        Assert.All(run.Attempts.Where(a => a.Address is 0 or 1), a => Assert.Equal("silence", a.Outcome));
        Assert.All(run.Attempts, a => Assert.Equal(9600, a.Baud));
        var pace = run.Attempts.Where(a => a.Baud == 9600 && a.Protocol == "pace" && a.Request!.Contains("4642E002FF", StringComparison.Ordinal)).ToList();
        Assert.Equal(Enumerable.Range(0, 16), pace.Select(a => a.Address!.Value).Distinct().Order());
        Assert.Equal([2, 3, 5], pace.Where(a => a.Outcome == "answer").Select(a => a.Address!.Value).Order());
        Assert.Contains(run.Verdict, line => line.StartsWith("only addresses 2, 3, 5 answer: an RS485 bus", StringComparison.Ordinal));
        ProbeRuns.AssertOnlyReadOnly(bus.Requests);
        Assert.True(run.Elapsed < OneConnectionLimit, $"took {run.Elapsed}");
    }

    [Fact]
    public async Task Tries_every_speed_on_a_dead_serial_line_and_ends_within_a_minute()
    {
        await using var pair = await SocatPtyPair.StartAsync();

        var run = await ProbeRuns.ProbeJsonAsync("--connect", $"serial://{pair.PathA}");

        Assert.Equal(1, run.Exit);
        Assert.Empty(run.Found);
        Assert.All(run.Attempts, a => Assert.Equal("silence", a.Outcome));
        Assert.Equal([9600, 19200, 38400, 115200], run.Attempts.Select(a => a.Baud!.Value).Distinct());

        // 9600 first, with the whole address range (and the slave address 64 of EG4's auto-ID packs, a family of 9600
        // baud); the other speeds at the master's address.
        Assert.Equal([.. Enumerable.Range(0, 16), 64], run.Attempts.Where(a => a.Baud == 9600).Select(a => a.Address!.Value).Distinct().Order());
        Assert.Equal(["eg4-ll"], run.Attempts.Where(a => a.Baud == 9600 && a.Address == 64).Select(a => a.Protocol!));
        Assert.All(run.Attempts.Where(a => a.Baud != 9600), a => Assert.Equal(1, a.Address));
        Assert.Equal(["eg4", "eg4-ll", "pace", "pace-modbus", "seplos-v3", "seplos/pylontech"], run.Attempts.Where(a => a.Baud == 115200).Select(a => a.Protocol!).Order());
        Assert.Contains(run.Verdict, line => line.StartsWith("nothing came back at 9600, 19200, 38400, 115200 baud", StringComparison.Ordinal));
        Assert.True(run.Elapsed < OneConnectionLimit, $"took {run.Elapsed}");
    }

    [Fact]
    public async Task Names_silence_and_says_what_to_check()
    {
        await using var server = ScriptedLineServer.Silent();

        var run = await ProbeRuns.ProbeJsonAsync("--connect", server.Uri);

        Assert.Equal(1, run.Exit);
        Assert.Empty(run.Found);
        Assert.All(run.Attempts, a => Assert.Equal("silence", a.Outcome));

        // Usual addresses first, then the rest of the RS485 range (and 64, where EG4's auto-ID packs answer); over a
        // network link every Modbus family is asked, a slave silent to one function not asked again with it.
        Assert.Equal([.. Enumerable.Range(0, 16), 64], run.Attempts.Select(a => a.Address!.Value).Distinct().Order());
        Assert.Equal(["seplos-v3", "eg4-ll"], run.Attempts.Where(a => a.Address == 5 && !a.Request!.StartsWith('~')).Select(a => a.Protocol!));
        Assert.Equal([1, 0], run.Attempts.Select(a => a.Address!.Value).Distinct().Take(2));
        Assert.Contains(run.Verdict, line => line.StartsWith("nothing came back", StringComparison.Ordinal) && line.Contains("swap TX and RX", StringComparison.Ordinal));
        Assert.Equal(run.Attempts.Count, server.Requests.Count);
        ProbeRuns.AssertOnlyReadOnly(server.Requests);
        Assert.True(run.Elapsed < OneConnectionLimit, $"took {run.Elapsed}");
    }
}
