using System.Text;
using BmsPace.Configuration;
using BmsPace.Polling;
using BmsPace.Protocol.Commands;
using BmsPace.Protocol.Dialects;
using BmsPace.Protocol.Wire;
using BmsPace.Simulator;
using BmsPace.Tests.Simulation;
using BmsPace.Transport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace BmsPace.Tests.Polling;

/// <summary><c>protocol: auto</c> in the poller: detection at connect time, PACE first and free, again after a reconnect.</summary>
public sealed class DialectDetectionTests
{
    private static readonly BmsPaceOptions Options = new()
    {
        RequestGap = TimeSpan.Zero,
        RequestTimeout = TimeSpan.FromMilliseconds(1500), // real time: an answer on a loaded machine can take over 500 ms
        Retries = 0,
        ReconnectAfterFailures = 2,
    };

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task A_pace_battery_is_detected_with_no_extra_request_and_the_detection_is_logged_once()
    {
        var bms = new RecordedBms(new SimulatedBmsOptions { Packs = 2 });
        await using var transport = Connect(bms);
        var log = new ListLogger();
        var poller = new BatteryPoller(new BatteryOptions { Name = "garage", Protocol = "auto" }, Options, transport, _time, log);

        var first = await poller.PollOnceAsync(CancellationToken.None);
        var second = await poller.PollOnceAsync(CancellationToken.None);

        // The same four requests in the same order as a battery configured as pace (then pack 2's own version and
        // serial, once), then two a cycle.
        Assert.Equal(new byte[] { 0xC1, 0xC2, 0x42, 0x44, 0xC1, 0xC2, 0x42, 0x44 }, bms.ReceivedCid2s);
        Assert.Equal("pace", first.Snapshot.Protocol);
        Assert.Equal("pace", second.Snapshot.Protocol);
        Assert.True(first.AnalogAnswered && first.AlarmAnswered);
        Assert.Equal(bms.Options.SoftwareVersion, first.Snapshot.Identity.SoftwareVersion);
        Assert.Single(log.Lines, line => line.Contains("speaks pace", StringComparison.Ordinal));
    }

    [Fact]
    public async Task After_a_reconnect_the_dialect_is_detected_again()
    {
        var bms = new RecordedBms(new SimulatedBmsOptions { Packs = 1 });
        await using var transport = Connect(bms);
        var log = new ListLogger();
        var poller = new BatteryPoller(new BatteryOptions { Name = "garage" }, Options, transport, _time, log);
        Assert.Equal("pace", (await poller.PollOnceAsync(CancellationToken.None)).Snapshot.Protocol);

        // Two failures in a row reopen the link; the cycle that reconnected knows no dialect until it detects again.
        bms.SetFault(SimulatorFault.Parse("silent:1"));
        var lost = await poller.PollOnceAsync(CancellationToken.None);
        Assert.True(lost.Snapshot.Counters.Reconnects >= 1);
        Assert.Null(lost.Snapshot.Protocol);

        bms.ClearFaults();
        Assert.Equal("pace", (await poller.PollOnceAsync(CancellationToken.None)).Snapshot.Protocol);
        Assert.Equal(2, log.Lines.Count(line => line.Contains("speaks pace", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_configured_dialect_refuses_another_dialects_frames_with_decode_and_names_them()
    {
        // Whatever is asked, the far end answers with PACE frames (a PACE pack behind a converter that ignores VER).
        var pace = new SimulatedBms(new SimulatedBmsOptions { Packs = 1 }, _time);
        var transport = new ScriptedTransport(request =>
        {
            byte cid2 = Frames.Cid2Of(request);
            var kind = cid2 == 0x44 ? CommandKind.Alarm : CommandKind.Analog;
            return Encoding.ASCII.GetString(pace.Respond(AsciiDialectCalls.PaceRequest(kind, 0x25, 1)).Bytes);
        });
        var log = new ListLogger();
        var poller = new BatteryPoller(new BatteryOptions { Name = "shed", Protocol = "eg4" }, Options, transport, _time, log);

        var result = await poller.PollOnceAsync(CancellationToken.None);

        Assert.False(result.AnalogAnswered);
        Assert.Empty(result.AnalogPacks);
        Assert.Equal("eg4", result.Snapshot.Protocol);
        Assert.True(result.Snapshot.Counters.Failures.GetValueOrDefault(("analog", "decode")) >= 1);
        Assert.Contains(log.Lines, line => line.Contains("analog failed (decode)", StringComparison.Ordinal) && line.Contains("pace", StringComparison.Ordinal));
        Assert.DoesNotContain(result.Snapshot.Counters.Failures.Keys, key => key.Reason is "version" or "cid1");
    }

    [Fact]
    public async Task A_battery_no_dialect_answers_is_tried_in_every_dialect_and_stays_undetected()
    {
        var transport = new ScriptedTransport(_ => null);
        var poller = new BatteryPoller(new BatteryOptions { Name = "shed" }, Options with { ReconnectAfterFailures = 100 }, transport, _time, new ListLogger());

        var result = await poller.PollOnceAsync(CancellationToken.None);

        Assert.Null(result.Snapshot.Protocol);
        Assert.False(result.AnalogAnswered);

        // PACE identity first (as for every PACE battery), then one analog request per ASCII dialect, PACE first, then
        // the first analog read of each Modbus family.
        var analogs = transport.Requests.Where(r => r.StartsWith('~') && Frames.Cid2Of(r) == 0x42).Select(r => (r[1..3], r[5..7])).ToArray();
        Assert.Equal(new[] { ("25", "46"), ("20", "4A"), ("20", "46"), ("20", "46") }, analogs);
        var modbusFirstReads = BmsDialects.All.Where(d => d.Wire is not AsciiWire)
            .Select(d => AsciiDialectCalls.Text(d.BuildRequests(CommandKind.Analog, 1, 1)[0]));
        Assert.Equal(modbusFirstReads, transport.Requests.Where(r => !r.StartsWith('~')));
    }

    [Fact]
    public async Task A_dead_link_costs_one_request_a_cycle_after_its_first_round_and_every_dialect_takes_its_turn()
    {
        var transport = new ScriptedTransport(_ => null);
        var poller = new BatteryPoller(new BatteryOptions { Name = "shed" }, Options with { Retries = 1, ReconnectAfterFailures = 3 }, transport, _time, new ListLogger());
        await poller.PollOnceAsync(CancellationToken.None);

        var asked = new List<string>();
        for (int cycle = 0; cycle < 2 * BmsDialects.All.Length; cycle++)
        {
            int before = transport.Requests.Count;
            var result = await poller.PollOnceAsync(CancellationToken.None);
            Assert.Null(result.Snapshot.Protocol);
            asked.Add(Assert.Single(transport.Requests.Skip(before)));
        }

        // No identity read, no retry: each cycle one analog request, in each dialect in turn (a master for the stack
        // where the dialect has one, else the pack at address 1 itself).
        // A family that reads a command in several requests stops at the first unanswered one.
        string[] turns = [.. BmsDialects.All.Select(d => AsciiDialectCalls.Text(d.BuildRequests(CommandKind.Analog, 1, d.Addressing.MasterAnswersForEveryPack ? RequestBuilder.AllPacks : (byte)1)[0]))];
        Assert.Equal([.. turns, .. turns], asked);
    }

    [Theory]
    [InlineData("pace")]
    [InlineData("eg4")]
    [InlineData("seplos")]
    [InlineData("pylontech")]
    public async Task A_battery_switched_on_after_the_link_fell_silent_is_detected_within_one_cycle_per_dialect(string dialect)
    {
        Assert.True(BmsDialects.TryFind(dialect, out var speaks));
        var bms = new SimulatedBms(new SimulatedBmsOptions { Packs = 1, Dialect = speaks }, _time);
        bool on = false;
        var transport = new ScriptedTransport(request => on && bms.Respond(Encoding.Latin1.GetBytes(request)).Bytes is { Length: > 0 } reply ? Encoding.ASCII.GetString(reply) : null);
        var poller = new BatteryPoller(new BatteryOptions { Name = "shed" }, Options with { ReconnectAfterFailures = 3 }, transport, _time, new ListLogger());
        for (int cycle = 0; cycle < 3; cycle++)
        {
            Assert.Null((await poller.PollOnceAsync(CancellationToken.None)).Snapshot.Protocol);
        }

        on = true;
        PollCycleResult? found = null;
        for (int cycle = 0; cycle < BmsDialects.All.Length && found is null; cycle++)
        {
            var result = await poller.PollOnceAsync(CancellationToken.None);
            found = result.Snapshot.Protocol is null ? null : result;
        }

        Assert.NotNull(found);
        Assert.Equal(dialect, found.Snapshot.Protocol);
        Assert.True(found.AnalogAnswered && found.AlarmAnswered);
        Assert.Equal(16, Assert.Single(found.AnalogPacks).CellCount);
    }

    [Fact]
    public async Task Damaged_pace_frames_do_not_send_detection_on_to_the_other_dialects()
    {
        var transport = new ScriptedTransport(request => Frames.Cid2Of(request) == 0x42 ? Frames.Corrupt(Frames.Analog3Packs) : null);
        var poller = new BatteryPoller(new BatteryOptions { Name = "shed" }, Options with { Retries = 1, ReconnectAfterFailures = 100 }, transport, _time, new ListLogger());

        var result = await poller.PollOnceAsync(CancellationToken.None);

        Assert.Null(result.Snapshot.Protocol);
        Assert.Equal(2, result.Snapshot.Counters.Failures[("analog", "checksum")]);
        Assert.All(transport.Requests.Where(r => Frames.Cid2Of(r) == 0x42), r => Assert.StartsWith("~25", r, StringComparison.Ordinal));
    }

    private static InProcessTransport Connect(ISimulatedDevice device)
    {
        var link = new SimulatorLink(device);
        return new InProcessTransport("simulator", link.Connect, link);
    }

    /// <summary>Keeps every formatted log line, so a test can count what the poller said.</summary>
    private sealed class ListLogger : ILogger
    {
        private readonly List<string> _lines = [];

        public IReadOnlyList<string> Lines
        {
            get
            {
                lock (_lines)
                {
                    return [.. _lines];
                }
            }
        }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (_lines)
            {
                _lines.Add(formatter(state, exception));
            }
        }
    }
}
