using BmsPace.Configuration;
using BmsPace.Polling;
using BmsPace.Protocol.Dialects;
using BmsPace.Protocol.Simulation;
using BmsPace.Protocol.Wire;
using BmsPace.Simulator;
using BmsPace.Transport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace BmsPace.Tests.Polling;

/// <summary>
/// The poller with an EG4 LL v2 bank whose unit 1 is the bank master (the simulator's <c>bank-master</c> bus): the
/// master's summary is the snapshot's stack, never a pack, and when the master falls silent its summary is kept like a
/// pack's values, then withdrawn after <c>stale_after_cycles</c>, while the packs stay.
/// </summary>
public sealed class BankMasterPollingTests
{
    private static readonly BmsPaceOptions Options = new()
    {
        RequestGap = TimeSpan.Zero,
        RequestTimeout = TimeSpan.FromMilliseconds(500),
        Retries = 0,
        ReconnectAfterFailures = 100,
        StaleAfterCycles = 2,
    };

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task A_silent_bank_master_keeps_its_stack_for_stale_after_cycles_then_loses_it_and_is_never_a_pack()
    {
        Assert.True(BmsDialects.TryFind("eg4-ll", out var dialect));
        var bms = new SilenceableSlave(new SimulatedBms(new SimulatedBmsOptions { Dialect = dialect, Packs = 2, Seed = 4, TimeScale = 0, Bus = SimulatedBus.BankMaster }), slave: 1);
        var link = new SimulatorLink(bms);
        await using var transport = new InProcessTransport("simulator", link.Connect, link);
        var poller = new BatteryPoller(new BatteryOptions { Name = "rack", Protocol = "eg4-ll", Packs = [1, 2, 3] }, Options, transport, _time, NullLogger.Instance);

        var answered = await poller.PollOnceAsync(CancellationToken.None);
        Assert.True(answered.AnalogAnswered && answered.AlarmAnswered);
        Assert.Equal([2, 3], answered.Snapshot.Packs.Select(p => p.Pack));
        Assert.Equal(2, answered.Snapshot.PacksReported);
        var stack = Assert.IsType<StackState>(answered.Snapshot.Stack);
        Assert.True(stack.ReadThisCycle);
        Assert.NotNull(stack.Values.FullAmpHours);
        // Only the packs' status is asked for: the master's status words came with its summary.
        Assert.Equal(0, answered.Snapshot.Counters.Failures.Values.Sum());

        bms.Silent = true;
        _time.Advance(TimeSpan.FromSeconds(5));
        var kept = await poller.PollOnceAsync(CancellationToken.None);
        Assert.False(kept.AnalogAnswered);
        Assert.Equal([2, 3], kept.Snapshot.Packs.Select(p => p.Pack));
        Assert.Equal(stack.Values, kept.Snapshot.Stack!.Values);
        Assert.False(kept.Snapshot.Stack.ReadThisCycle);
        Assert.Equal(stack.LastSuccess, kept.Snapshot.Stack.LastSuccess);

        _time.Advance(TimeSpan.FromSeconds(5));
        var withdrawn = await poller.PollOnceAsync(CancellationToken.None);
        Assert.Null(withdrawn.Snapshot.Stack);
        Assert.Equal([2, 3], withdrawn.Snapshot.Packs.Select(p => p.Pack));
        Assert.All(withdrawn.Snapshot.Packs, p => Assert.True(p.Fresh));
        Assert.Equal(2, withdrawn.Snapshot.PacksReported);

        bms.Silent = false;
        _time.Advance(TimeSpan.FromSeconds(5));
        var back = await poller.PollOnceAsync(CancellationToken.None);
        Assert.Equal(stack.Values.VoltageVolts, back.Snapshot.Stack!.Values.VoltageVolts);
        Assert.True(back.Snapshot.Stack.ReadThisCycle);
    }

    /// <summary>A bus on which one slave can fall silent while the others keep answering.</summary>
    private sealed class SilenceableSlave(ISimulatedDevice inner, byte slave) : ISimulatedDevice
    {
        private volatile bool _silent;

        public bool Silent
        {
            get => _silent;
            set => _silent = value;
        }

        public LineTiming Line => inner.Line;

        public IWireFormat Wire => inner.Wire;

        public SimulatorReply Respond(ReadOnlySpan<byte> request) =>
            _silent && request.Length > 0 && request[0] == slave ? SimulatorReply.None : inner.Respond(request);
    }
}
