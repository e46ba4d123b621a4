using BmsPace.Configuration;
using BmsPace.Polling;
using BmsPace.Protocol.Commands;
using BmsPace.Transport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace BmsPace.Tests.Polling;

public sealed class BatteryPollerTests
{
    private static readonly BmsPaceOptions Options = new()
    {
        RequestGap = TimeSpan.Zero,
        Retries = 1,
        ReconnectAfterFailures = 3,
        StaleAfterCycles = 2,
    };

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));

    private BatteryPoller Poller(IBmsTransport transport, BmsPaceOptions? options = null, BatteryOptions? battery = null) =>
        new(battery ?? new BatteryOptions { Name = "garage" }, options ?? Options, transport, _time, NullLogger.Instance);

    private static Func<string, string?> Healthy(int packs = 3) => request => Frames.Cid2Of(request) switch
    {
        0xC1 => Frames.SoftwareVersion,
        0xC2 => Frames.Serials,
        0x42 => Frames.Analog3Packs,
        0x44 => Frames.Alarm(packs),
        _ => Frames.UnknownCommand,
    };

    [Fact]
    public async Task A_healthy_cycle_reads_identity_then_every_pack_of_the_stack()
    {
        var transport = new ScriptedTransport(Healthy());
        var result = await Poller(transport).PollOnceAsync(CancellationToken.None);

        // Then pack 2 is asked for its own version at its address; the answer names ADR 01 (the master answering for
        // itself, as on RS232), so packs 2 and 3 are not asked further and keep no identity.
        Assert.Equal(["~250146C10000FD9A\r", "~250146C20000FD99\r", "~25014642E002FFFD05\r", "~25014644E002FFFD03\r", "~250246C10000FD99\r"], transport.Requests);
        var snapshot = result.Snapshot;
        Assert.True(result.AnalogAnswered);
        Assert.True(result.AlarmAnswered);
        Assert.True(snapshot.Up);
        Assert.Equal(3, snapshot.PacksReported);
        Assert.Equal(3, snapshot.PacksDecoded);
        Assert.Equal("25", snapshot.ProtocolVersion);
        Assert.Equal("P16S100A-1812-1.00", snapshot.Identity.SoftwareVersion);
        Assert.Equal("216061024400003A", snapshot.Identity.BmsSerial);
        Assert.Equal("GPSR2PC200YW28021109", snapshot.Identity.PackSerial);
        Assert.Equal([1, 2, 3], snapshot.Packs.Select(p => p.Pack));
        Assert.Equal(snapshot.Identity, snapshot.Packs[0].Identity);
        Assert.Equal(BatteryIdentity.Unknown, snapshot.Packs[1].Identity);
        Assert.Equal(BatteryIdentity.Unknown, snapshot.Packs[2].Identity);
        Assert.All(snapshot.Packs, p => Assert.True(p.Fresh));
        Assert.Equal(52.22, snapshot.Packs[0].Analog!.VoltageVolts, 3);
        Assert.Equal(52.113, snapshot.Packs[1].Analog!.VoltageVolts, 3);
        Assert.Equal(50.907, snapshot.Packs[2].Analog!.VoltageVolts, 3);
        Assert.Equal([1], snapshot.Packs[0].Alarm!.BalancingCells.ToArray());
        Assert.Equal([1, 2], snapshot.Packs[2].Alarm!.BalancingCells.ToArray());
        Assert.Equal(_time.GetUtcNow(), snapshot.Packs[0].LastSuccess);
        Assert.Equal(1, snapshot.Counters.Requests["analog"]);
        Assert.Equal(1, snapshot.Counters.Requests["alarm"]);
        Assert.Empty(snapshot.Counters.Failures);
    }

    [Fact]
    public async Task Identity_is_read_once_and_not_asked_again_while_the_link_holds()
    {
        var transport = new ScriptedTransport(Healthy());
        var poller = Poller(transport);
        await poller.PollOnceAsync(CancellationToken.None);
        transport.Requests.Clear();
        await poller.PollOnceAsync(CancellationToken.None);

        Assert.Equal([0x42, 0x44], transport.Requests.Select(Frames.Cid2Of));
    }

    [Fact]
    public async Task Firmware_without_identity_commands_still_polls_and_is_not_asked_every_cycle()
    {
        var transport = new ScriptedTransport(request => Frames.Cid2Of(request) switch
        {
            0x42 => Frames.Analog3Packs,
            0x44 => Frames.Alarm(3),
            _ => Frames.UnknownCommand,
        });
        var poller = Poller(transport);
        var first = await poller.PollOnceAsync(CancellationToken.None);
        transport.Requests.Clear();
        var second = await poller.PollOnceAsync(CancellationToken.None);

        Assert.True(first.Snapshot.Up);
        Assert.Null(first.Snapshot.Identity.SoftwareVersion);
        Assert.Null(first.Snapshot.Identity.BmsSerial);
        Assert.Equal(1, first.Snapshot.Counters.Failures[("software_version", "rtn")]);
        Assert.Equal(1, first.Snapshot.Counters.Failures[("serial_number", "rtn")]);
        Assert.Equal([0x42, 0x44], transport.Requests.Select(Frames.Cid2Of));
        Assert.True(second.Snapshot.Up);
    }

    [Fact]
    public async Task A_bad_checksum_is_counted_retried_and_never_reaches_the_snapshot()
    {
        int analogAnswers = 0;
        var transport = new ScriptedTransport(request => Frames.Cid2Of(request) switch
        {
            0x42 => ++analogAnswers == 1 ? Frames.Corrupt(Frames.Analog3Packs) : Frames.Analog3Packs,
            0x44 => Frames.Alarm(3),
            _ => Frames.UnknownCommand,
        });
        var result = await Poller(transport).PollOnceAsync(CancellationToken.None);

        Assert.Equal(1, result.Snapshot.Counters.Failures[("analog", "checksum")]);
        Assert.Equal(2, result.Snapshot.Counters.Requests["analog"]);
        Assert.Equal(52.22, result.Snapshot.Packs[0].Analog!.VoltageVolts, 3);
    }

    [Fact]
    public async Task Bad_frames_only_leave_no_pack_values_at_all()
    {
        var transport = new ScriptedTransport(request => Frames.Cid2Of(request) switch
        {
            0x42 => Frames.Corrupt(Frames.Analog3Packs),
            0x44 => Frames.Corrupt(Frames.Alarm(3)),
            _ => Frames.UnknownCommand,
        });

        // Configured as PACE: under auto no dialect is settled by damaged frames, so the alarm block would not be asked.
        var result = await Poller(transport, battery: new BatteryOptions { Name = "garage", Protocol = "pace" }).PollOnceAsync(CancellationToken.None);

        Assert.False(result.Snapshot.Up);
        Assert.False(result.AnalogAnswered);
        Assert.Empty(result.Snapshot.Packs);
        Assert.Equal(2, result.Snapshot.Counters.Failures[("analog", "checksum")]);
        Assert.Equal(2, result.Snapshot.Counters.Failures[("alarm", "checksum")]);
    }

    [Fact]
    public async Task An_alarm_kept_from_an_earlier_cycle_is_marked_as_not_read_this_cycle()
    {
        bool alarmBroken = false;
        var transport = new ScriptedTransport(request => alarmBroken && Frames.Cid2Of(request) == 0x44 ? Frames.Corrupt(Frames.Alarm(3)) : Healthy()(request));
        var poller = Poller(transport, Options with { ReconnectAfterFailures = 100 });
        var read = await poller.PollOnceAsync(CancellationToken.None);
        Assert.All(read.Snapshot.Packs, p => Assert.True(p.AlarmReadThisCycle));
        alarmBroken = true;

        var missed = await poller.PollOnceAsync(CancellationToken.None);

        Assert.All(missed.Snapshot.Packs, p =>
        {
            Assert.True(p.Fresh);
            Assert.NotNull(p.Alarm);
            Assert.False(p.AlarmReadThisCycle);
        });
    }

    [Fact]
    public async Task A_silent_pack_keeps_its_values_for_a_miss_and_is_withdrawn_when_stale()
    {
        bool silent = false;
        var transport = new ScriptedTransport(request => silent ? null : Healthy()(request));
        var poller = Poller(transport, Options with { ReconnectAfterFailures = 100 });
        var fresh = await poller.PollOnceAsync(CancellationToken.None);
        var lastSuccess = fresh.Snapshot.Packs[0].LastSuccess;
        silent = true;

        var oneMiss = await poller.PollOnceAsync(CancellationToken.None);
        Assert.False(oneMiss.Snapshot.Up);
        Assert.All(oneMiss.Snapshot.Packs, p => Assert.True(p.Fresh));
        Assert.All(oneMiss.Snapshot.Packs, p => Assert.False(p.AnalogReadThisCycle));
        Assert.All(fresh.Snapshot.Packs, p => Assert.True(p.AnalogReadThisCycle));

        var stale = await poller.PollOnceAsync(CancellationToken.None);
        Assert.Equal(3, stale.Snapshot.Packs.Length);
        Assert.All(stale.Snapshot.Packs, p =>
        {
            Assert.False(p.Fresh);
            Assert.Null(p.Analog);
            Assert.Null(p.Alarm);
            Assert.Equal(lastSuccess, p.LastSuccess);
        });
        Assert.Equal(4, stale.Snapshot.Counters.Failures[("analog", "timeout")]);

        silent = false;
        var back = await poller.PollOnceAsync(CancellationToken.None);
        Assert.All(back.Snapshot.Packs, p => Assert.True(p.Fresh));
    }

    [Fact]
    public async Task A_pack_that_leaves_the_stack_is_dropped_not_kept_stale()
    {
        bool onePack = false;
        var transport = new ScriptedTransport(request => Frames.Cid2Of(request) switch
        {
            0x42 => onePack ? Frames.AnalogJakiper : Frames.Analog3Packs,
            0x44 => Frames.Alarm(onePack ? 1 : 3),
            _ => Frames.UnknownCommand,
        });
        var poller = Poller(transport);
        Assert.Equal(3, (await poller.PollOnceAsync(CancellationToken.None)).Snapshot.Packs.Length);
        onePack = true;
        var after = await poller.PollOnceAsync(CancellationToken.None);

        Assert.Equal([1], after.Snapshot.Packs.Select(p => p.Pack));
        Assert.Equal(1, after.Snapshot.PacksReported);
    }

    [Fact]
    public async Task Repeated_failures_reopen_the_transport_and_count_a_reconnect()
    {
        var transport = new ScriptedTransport(_ => null);
        var pace = new BatteryOptions { Name = "garage", Protocol = "pace" };
        var result = await Poller(transport, Options with { Retries = 0, ReconnectAfterFailures = 2 }, pace).PollOnceAsync(CancellationToken.None);

        // A battery configured as PACE (auto would also try the other dialects): C1, C2, 42, 44, four timeouts, a reset after every second one.
        Assert.Equal(2, transport.Resets);
        Assert.Equal(2, result.Snapshot.Counters.Reconnects);
    }

    [Fact]
    public async Task Energy_is_integrated_between_consecutive_good_reads_only()
    {
        var transport = new ScriptedTransport(request => Frames.Cid2Of(request) switch
        {
            0x42 => Frames.AnalogJakiper,
            0x44 => Frames.Alarm(1, cells: 16),
            _ => Frames.UnknownCommand,
        });
        var poller = Poller(transport, battery: new BatteryOptions { Name = "garage", Packs = [1] });
        await poller.PollOnceAsync(CancellationToken.None);
        _time.Advance(TimeSpan.FromHours(1));
        var result = await poller.PollOnceAsync(CancellationToken.None);

        // -2.25 A at 52.429 V for one hour.
        Assert.Equal(2.25 * 52.429, result.Snapshot.Packs[0].DischargedWattHours, 6);
        Assert.Equal(0, result.Snapshot.Packs[0].ChargedWattHours);
    }

    [Fact]
    public async Task List_mode_asks_each_pack_at_its_own_address_and_rejects_answers_for_another_pack()
    {
        var transport = new ScriptedTransport(request => Frames.Cid2Of(request) switch
        {
            // The Jakiper frame echoes pack 01 whatever was asked.
            0x42 => Frames.AnalogJakiper,
            0x44 => Frames.Alarm(1, cells: 16),
            _ => Frames.UnknownCommand,
        });
        var result = await Poller(transport, battery: new BatteryOptions { Name = "rack", Packs = [1, 2] }).PollOnceAsync(CancellationToken.None);

        Assert.Contains("~25014642E00201FD30\r", transport.Requests);
        Assert.Contains("~25024642E00202FD2E\r", transport.Requests);
        Assert.Equal([1], result.Snapshot.Packs.Where(p => p.Fresh).Select(p => p.Pack));
        Assert.True(result.Snapshot.Counters.Failures[("analog", "wrong_address")] >= 1);
        Assert.False(result.AnalogAnswered);
    }

    [Fact]
    public async Task Every_request_the_poller_sends_is_a_read_only_command()
    {
        // Analog (0x42) stays silent, so auto detection goes on to every dialect, the Modbus families included.
        var transport = new ScriptedTransport(request => !request.StartsWith('~') || Frames.Cid2Of(request) % 3 == 0 ? null : Healthy()(request));
        var poller = Poller(transport, battery: new BatteryOptions { Name = "rack", Packs = [1, 2, 3] });
        for (int cycle = 0; cycle < 5; cycle++)
        {
            await poller.PollOnceAsync(CancellationToken.None);
        }

        Assert.NotEmpty(transport.Requests);
        // An ASCII request by its CID2; a Modbus RTU request (slave, function, ...) by its function: read coils, holding or input registers.
        Assert.All(transport.Requests, r => Assert.True(r.StartsWith('~') ? ReadOnlyCommandSet.IsReadOnly(Frames.Cid2Of(r)) : r[1] is '\x01' or '\x03' or '\x04', r));
    }
}
