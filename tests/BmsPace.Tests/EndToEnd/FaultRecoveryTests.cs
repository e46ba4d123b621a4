using System.Net;
using BmsPace.Configuration;
using BmsPace.Hosting;
using BmsPace.Polling;
using BmsPace.Protocol.Commands;
using BmsPace.Simulator;
using BmsPace.Tests.Simulation;
using BmsPace.Transport;
using Microsoft.Extensions.Logging.Abstractions;

namespace BmsPace.Tests.EndToEnd;

/// <summary>
/// The poller over a real TCP socket against the simulator, one fault kind at a time: while the fault is on, nothing
/// from a damaged reply reaches a snapshot (every fresh value equals the last intact reply) and the failure is counted
/// with its reason; once it is cleared, polling recovers.
/// </summary>
public sealed class FaultRecoveryTests
{
    private static readonly BmsPaceOptions Options = new()
    {
        RequestTimeout = TimeSpan.FromSeconds(1),
        RequestGap = TimeSpan.Zero,
        Retries = 1,
        ReconnectAfterFailures = 3,
        StaleAfterCycles = 3,
    };

    public static TheoryData<string, string?, bool> Faults => new()
    {
        // fault, the reason it must be counted as (null: the reader copes and nothing fails), list mode
        { "garbage:7", null, false },
        { "badchk:2", "checksum", false },
        { "badlen:2", "length_checksum", false },
        { "truncate:2", "truncated", false },
        { "silent:2", "timeout", false },
        { "echo", null, false },
        { "drop:2", null, false },
        { "rtn:2", "rtn", false },
        { "slow:1", null, false },
        { "split", null, false },
        { "wrongaddr:2", "wrong_address", true },
    };

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task Polling_survives_the_fault_exports_nothing_damaged_and_recovers(string fault, string? reason, bool listMode)
    {
        var bms = new RecordedBms(new SimulatedBmsOptions { Packs = 2, Cells = 8, TailBytes = 14, Seed = 11 });
        await using var server = SimulatorTcpServer.Start(bms, new IPEndPoint(IPAddress.Loopback, 0));
        var battery = new BatteryOptions
        {
            Name = "bank",
            Connection = new TcpConnectionSpec("127.0.0.1", server.EndPoint.Port),
            Packs = listMode ? [1, 2] : [],
        };
        await using var transport = TransportFactory.Create(battery.Connection, NullLoggerFactory.Instance);
        var poller = new BatteryPoller(battery, Options, transport, TimeProvider.System, NullLogger.Instance);

        await PollAndCheckAsync(poller, bms);
        bms.SetFault(SimulatorFault.Parse(fault));
        BatterySnapshot last = (await PollAndCheckAsync(poller, bms)).Snapshot;
        for (int cycle = 0; cycle < 5; cycle++)
        {
            last = (await PollAndCheckAsync(poller, bms)).Snapshot;
        }

        if (reason is not null)
        {
            Assert.Contains(last.Counters.Failures, f => f.Key.Reason == reason && f.Value > 0);
        }

        bms.ClearFaults();
        var recovered = await PollAndCheckAsync(poller, bms);
        recovered = await PollAndCheckAsync(poller, bms);
        Assert.True(recovered.AnalogAnswered && recovered.AlarmAnswered, $"no recovery after {fault}");
        Assert.All(recovered.Snapshot.Packs, p => Assert.True(p.Fresh));
        Assert.All(bms.ReceivedCid2s, cid2 => Assert.True(ReadOnlyCommandSet.IsReadOnly(cid2), $"sent CID2 0x{cid2:X2}"));
    }

    private static async Task<PollCycleResult> PollAndCheckAsync(BatteryPoller poller, RecordedBms bms)
    {
        var result = await poller.PollOnceAsync(CancellationToken.None);
        foreach (var pack in result.Snapshot.Packs.Where(p => p.Fresh))
        {
            // Every value shown is the last reply that left the simulator intact: a damaged one never wins.
            SimulatorAssertions.Equal(bms.LastSentAnalog(pack.Pack)!, pack.Analog!);
            if (pack.Alarm is { } alarm)
            {
                SimulatorAssertions.Equal(bms.LastSentAlarm(pack.Pack)!, alarm);
            }
        }

        return result;
    }
}
