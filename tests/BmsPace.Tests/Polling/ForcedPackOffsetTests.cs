using System.Net;
using BmsPace.Configuration;
using BmsPace.Hosting;
using BmsPace.Polling;
using BmsPace.Protocol.Framing;
using BmsPace.Simulator;
using BmsPace.Tests.EndToEnd;
using BmsPace.Tests.Simulation;
using BmsPace.Tests.Transport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace BmsPace.Tests.Polling;

/// <summary>
/// <c>force_pack_offset</c> describes the analog answer's tail only: with the value that fits a 14-byte analog tail the
/// alarm answer (another tail length) is still read, and an alarm answer that cannot be read is said once at
/// debug_output 0, then only counted.
/// </summary>
public sealed class ForcedPackOffsetTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public async Task Force_pack_offset_28_reads_both_answers_of_every_pack_of_a_14_byte_tail_stack(int alarmTailBytes)
    {
        var bms = new RecordedBms(new SimulatedBmsOptions { Packs = 3, Cells = 16, TailBytes = 14, AlarmTailBytes = alarmTailBytes, Seed = 21 });
        await using var server = SimulatorTcpServer.Start(bms, new IPEndPoint(IPAddress.Loopback, 0));
        var battery = new BatteryOptions { Name = "garage", Connection = new TcpConnectionSpec("127.0.0.1", server.EndPoint.Port) };
        var options = new BmsPaceOptions { RequestTimeout = TimeSpan.FromSeconds(5), RequestGap = TimeSpan.Zero, Retries = 0, ForcePackOffset = 28 };
        using var log = new RecordingLoggers(logging => BmsPaceHost.AddLogFilters(logging, debugOutput: 0));
        await using var transport = TransportFactory.Create(battery.Connection, log.Factory);
        var poller = new BatteryPoller(battery, options, transport, TimeProvider.System, log.Factory.CreateLogger($"{LogCategories.Battery}.garage"));

        for (int cycle = 0; cycle < 2; cycle++)
        {
            var result = await poller.PollOnceAsync(CancellationToken.None);

            Assert.True(result.AnalogAnswered);
            Assert.True(result.AlarmAnswered, log.AllText);
            Assert.Equal([1, 2, 3], result.Snapshot.Packs.Select(p => p.Pack));
            foreach (var pack in result.Snapshot.Packs)
            {
                Assert.True(pack.AlarmReadThisCycle);
                SimulatorAssertions.Equal(bms.LastSentAnalog(pack.Pack)!, pack.Analog!);
                SimulatorAssertions.Equal(bms.LastSentAlarm(pack.Pack)!, pack.Alarm!);
                Assert.Equal(28, pack.Analog!.TailHex.Length);
                Assert.Equal(2 * alarmTailBytes, pack.Alarm!.TailHex.Length);
            }

            Assert.DoesNotContain(result.Snapshot.Counters.Failures, f => f.Value > 0);
        }

        Assert.DoesNotContain(log.Entries, e => e.Level >= LogLevel.Warning);
    }

    [Fact]
    public async Task An_alarm_answer_that_cannot_be_read_is_one_warning_at_debug_output_0_then_only_counted()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero));

        // The master declares three packs in its alarm answer but sends two blocks.
        var info = FrameDecoder.Parse(Frames.Alarm(2), 0x25).Info.ToArray();
        info[1] = 3;
        string shortAlarm = FrameEncoder.EncodeResponse(0x25, 0x01, 0x46, 0x00, info);
        var transport = new ScriptedTransport(request => Frames.Cid2Of(request) switch
        {
            0x42 => Frames.Analog3Packs,
            0x44 => shortAlarm,
            0xC1 => Frames.SoftwareVersion,
            0xC2 => Frames.Serials,
            _ => Frames.UnknownCommand,
        });
        using var log = new RecordingLoggers(logging => BmsPaceHost.AddLogFilters(logging, debugOutput: 0));
        var options = new BmsPaceOptions { RequestGap = TimeSpan.Zero, Retries = 1 };
        var poller = new BatteryPoller(new BatteryOptions { Name = "garage", Protocol = "pace" }, options, transport, time, log.Factory.CreateLogger($"{LogCategories.Battery}.garage"));

        PollCycleResult last = null!;
        for (int cycle = 0; cycle < 4; cycle++)
        {
            last = await poller.PollOnceAsync(CancellationToken.None);
            time.Advance(TimeSpan.FromSeconds(5));
        }

        Assert.True(last.AnalogAnswered);
        Assert.False(last.AlarmAnswered);
        var warning = Assert.Single(log.Entries, e => e.Level >= LogLevel.Warning);
        Assert.StartsWith("garage: alarm failed (decode): ", warning.Message, StringComparison.Ordinal);
        Assert.Equal(4, last.Snapshot.Counters.Failures[("alarm", "decode")]);
    }
}
