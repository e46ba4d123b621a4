using System.Text;
using BmsPace.Protocol.Wire;
using BmsPace.Configuration;
using BmsPace.Polling;
using BmsPace.Simulator;
using BmsPace.Tests.EndToEnd;
using BmsPace.Tests.Simulation;
using BmsPace.Transport;
using Microsoft.Extensions.Logging.Abstractions;

namespace BmsPace.Tests.Polling;

/// <summary>
/// The soak's one wrong scrape: under load an analog reply arrived after its request had timed out and was taken as
/// the answer to the alarm request that followed. Its blocks walk as plausible alarm blocks (cell voltages read as
/// warning codes, a voltage's high byte as the sensor count), so the poller compares the counts with the analog answer.
/// </summary>
public sealed class LateReplyTests
{
    private static readonly BmsPaceOptions Options = new()
    {
        RequestTimeout = TimeSpan.FromSeconds(5),
        RequestGap = TimeSpan.Zero,
        Retries = 0,
        ReconnectAfterFailures = 10,
        StaleAfterCycles = 3,
    };

    [Theory]
    [InlineData(1, 16, 6)]
    [InlineData(3, 16, 4)]
    [InlineData(2, 15, 6)]
    public async Task An_analog_reply_taken_for_the_alarm_answer_is_refused_and_the_last_alarm_values_stand(int packs, int cells, int sensors)
    {
        var (delivered, first, result) = await PollWithALateReplyAsync(packs, cells, sensors, lateFor: "44");
        Assert.True(first.AlarmAnswered);

        Assert.True(result.AnalogAnswered);
        Assert.False(result.AlarmAnswered);
        Assert.Equal(1, result.Snapshot.Counters.Failures[("alarm", "decode")]);
        foreach (var pack in result.Snapshot.Packs)
        {
            // The flags shown are the last ones the battery really sent, marked as not read this cycle.
            Assert.False(pack.AlarmReadThisCycle);
            SimulatorAssertions.Equal(delivered[pack.Pack], pack.Alarm!);
        }
    }

    [Theory]
    [InlineData(1, 16, 6)]
    [InlineData(3, 16, 4)]
    [InlineData(2, 15, 6)]
    public async Task An_alarm_reply_taken_for_the_analog_answer_exports_no_value(int packs, int cells, int sensors)
    {
        var (_, first, result) = await PollWithALateReplyAsync(packs, cells, sensors, lateFor: "42");
        Assert.True(first.AnalogAnswered);

        Assert.False(result.AnalogAnswered);
        Assert.Empty(result.AnalogPacks);
        Assert.Equal(1, result.Snapshot.Counters.Failures[("analog", "decode")]);
    }

    /// <summary>One clean cycle, then one in which the request of CID2 <paramref name="lateFor"/> gets the reply before.</summary>
    private static async Task<(Dictionary<int, SentAlarmPack> AlarmsSentFirst, PollCycleResult First, PollCycleResult Late)> PollWithALateReplyAsync(int packs, int cells, int sensors, string lateFor)
    {
        var bms = new RecordedBms(new SimulatedBmsOptions { Packs = packs, Cells = cells, Temperatures = sensors, TailBytes = 14, Seed = 11 });
        var line = new LateReplies(bms, lateFor);
        var link = new SimulatorLink(line);
        await using var transport = new InProcessTransport("simulator", link.Connect, link);
        var poller = new BatteryPoller(new BatteryOptions { Name = "garage", Protocol = "pace" }, Options, transport, TimeProvider.System, NullLogger.Instance);
        var first = await poller.PollOnceAsync(CancellationToken.None);
        var alarmsSentFirst = first.Snapshot.Packs.ToDictionary(p => p.Pack, p => bms.LastSentAlarm(p.Pack)!);
        line.Armed = true;
        return (alarmsSentFirst, first, await poller.PollOnceAsync(CancellationToken.None));
    }

    /// <summary>Answers the request of one CID2 with the reply it sent to the request before, as a late reply does.</summary>
    private sealed class LateReplies(RecordedBms bms, string lateFor) : ISimulatedDevice
    {
        private SimulatorReply? _previous;

        public bool Armed { get; set; }

        public LineTiming Line => bms.Line;

        public IWireFormat Wire => bms.Wire;

        public SimulatorReply Respond(ReadOnlySpan<byte> bytes)
        {
            string request = Encoding.Latin1.GetString(bytes);
            var reply = bms.Respond(request);
            bool target = request.Length > 8 && request.AsSpan(7, 2).SequenceEqual(lateFor);
            if (!target)
            {
                _previous = reply;
            }

            return target && Armed && _previous is { } late ? late : reply;
        }
    }
}
