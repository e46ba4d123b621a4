using BmsPace.Configuration;
using BmsPace.Polling;
using BmsPace.Simulator;
using BmsPace.Tests.EndToEnd;
using BmsPace.Tests.Simulation;
using BmsPace.Transport;
using Microsoft.Extensions.Logging.Abstractions;

namespace BmsPace.Tests.Polling;

/// <summary>
/// An RTN other than 04 is a transient refusal: the poller asks again within its retry budget, as after a bad checksum,
/// and the battery sees the extra request. RTN 04 (command unknown) is never asked again in the same cycle.
/// </summary>
public sealed class RefusalRetryTests
{
    private static readonly BmsPaceOptions Options = new()
    {
        RequestTimeout = TimeSpan.FromSeconds(5),
        RequestGap = TimeSpan.Zero,
        Retries = 2,
        ReconnectAfterFailures = 10,
        StaleAfterCycles = 3,
    };

    private static readonly BatteryOptions Battery = new() { Name = "shed", Protocol = "pace" };

    [Fact]
    public async Task Rtn_09_on_every_other_reply_is_retried_and_both_answers_arrive()
    {
        var bms = new RecordedBms(new SimulatedBmsOptions { Packs = 2, Cells = 8, TailBytes = 14, Seed = 5 });
        await using var transport = Connect(bms);
        var poller = new BatteryPoller(Battery, Options, transport, TimeProvider.System, NullLogger.Instance);
        await poller.PollOnceAsync(CancellationToken.None);
        int before = bms.RequestCount;

        // Every second reply is RTN 09: analog is answered, alarm refused once and answered on the retry.
        bms.SetFault(SimulatorFault.Parse("rtn:2"), returnCode: 0x09);
        var result = await poller.PollOnceAsync(CancellationToken.None);

        Assert.Equal([0x42, 0x44, 0x44], bms.ReceivedCid2s.Skip(before));
        Assert.True(result.AnalogAnswered);
        Assert.True(result.AlarmAnswered);
        Assert.Equal(1, result.Snapshot.Counters.Failures[("alarm", "rtn")]);
        Assert.Equal(3, result.Snapshot.Counters.Requests["alarm"]);
        Assert.All(result.Snapshot.Packs, p => Assert.True(p.Alarm is not null && p.AlarmReadThisCycle, $"pack {p.Pack} has no alarm read this cycle"));
        foreach (var pack in result.Snapshot.Packs)
        {
            SimulatorAssertions.Equal(bms.LastSentAlarm(pack.Pack)!, pack.Alarm!);
        }
    }

    [Fact]
    public async Task A_refusal_on_every_reply_uses_the_whole_retry_budget_and_no_more()
    {
        var bms = new RecordedBms(new SimulatedBmsOptions { Packs = 2, Cells = 8, Seed = 5 });
        await using var transport = Connect(bms);
        var poller = new BatteryPoller(Battery, Options, transport, TimeProvider.System, NullLogger.Instance);
        await poller.PollOnceAsync(CancellationToken.None);
        int before = bms.RequestCount;

        bms.SetFault(SimulatorFault.Parse("rtn:1"), returnCode: 0x09);
        var result = await poller.PollOnceAsync(CancellationToken.None);

        // 1 + retries for each of analog and alarm, like a bad checksum on every reply.
        Assert.Equal([0x42, 0x42, 0x42, 0x44, 0x44, 0x44], bms.ReceivedCid2s.Skip(before));
        Assert.False(result.AnalogAnswered);
        Assert.Equal(3, result.Snapshot.Counters.Failures[("analog", "rtn")]);
        Assert.Equal(3, result.Snapshot.Counters.Failures[("alarm", "rtn")]);
    }

    [Fact]
    public async Task Rtn_04_command_unknown_is_not_asked_again_in_the_cycle()
    {
        var bms = new RecordedBms(new SimulatedBmsOptions { Packs = 2, Cells = 8, Seed = 5 });
        await using var transport = Connect(bms);
        var poller = new BatteryPoller(Battery, Options, transport, TimeProvider.System, NullLogger.Instance);
        await poller.PollOnceAsync(CancellationToken.None);
        int before = bms.RequestCount;

        bms.SetFault(SimulatorFault.Parse("rtn:1"), returnCode: 0x04);
        var result = await poller.PollOnceAsync(CancellationToken.None);

        Assert.Equal([0x42, 0x44], bms.ReceivedCid2s.Skip(before));
        Assert.Equal(1, result.Snapshot.Counters.Failures[("analog", "rtn")]);
        Assert.Equal(1, result.Snapshot.Counters.Failures[("alarm", "rtn")]);
    }

    private static InProcessTransport Connect(ISimulatedDevice device)
    {
        var link = new SimulatorLink(device);
        return new InProcessTransport("simulator", link.Connect, link);
    }
}
