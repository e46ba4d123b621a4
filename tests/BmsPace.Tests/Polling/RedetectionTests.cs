using System.Net;
using BmsPace.Configuration;
using BmsPace.Polling;
using BmsPace.Protocol.Dialects;
using BmsPace.Protocol.Readings;
using BmsPace.Protocol.Wire;
using BmsPace.Simulator;
using BmsPace.Transport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace BmsPace.Tests.Polling;

/// <summary>
/// <c>protocol: auto</c> over TCP to the simulator when the battery behind the port changes: one that goes away and
/// comes back, and one replaced by a battery of another dialect. Each is read as a fresh poller reads an identical
/// battery it meets first (the simulators' clock stands still, so identical batteries answer identically).
/// </summary>
public sealed class RedetectionTests
{
    private static readonly BmsPaceOptions Options = new()
    {
        RequestGap = TimeSpan.Zero,
        RequestTimeout = TimeSpan.FromMilliseconds(1500), // real time: an answer on a loaded machine can take over 500 ms
        Retries = 0,
        ReconnectAfterFailures = 2,
    };

    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));

    [Theory]
    [InlineData("pace")]
    [InlineData("eg4")]
    [InlineData("seplos")]
    [InlineData("pylontech")]
    public async Task A_battery_that_goes_away_and_comes_back_is_detected_again_and_read_as_when_first_met(string dialect)
    {
        var port = new Port(Battery(dialect, packs: 2, cells: 16));
        await using var server = SimulatorTcpServer.Start(port, new IPEndPoint(IPAddress.Loopback, 0));
        await using var transport = Connect(server);
        var poller = new BatteryPoller(new BatteryOptions { Name = "shed" }, Options, transport, _clock, NullLogger.Instance);
        Assert.Equal(dialect, (await poller.PollOnceAsync(CancellationToken.None)).Snapshot.Protocol);

        port.Occupant = null;
        var gone = await poller.PollOnceAsync(CancellationToken.None);
        Assert.False(gone.AnalogAnswered);
        Assert.True(gone.Snapshot.Counters.Reconnects >= 1);

        port.Occupant = Battery(dialect, packs: 2, cells: 16);
        var back = await poller.PollOnceAsync(CancellationToken.None);

        Assert.Equal(dialect, back.Snapshot.Protocol);
        Assert.True(back.AnalogAnswered && back.AlarmAnswered);
        await AssertReadAsFirstMetAsync(back, Battery(dialect, packs: 2, cells: 16));
    }

    [Theory]
    [InlineData("pace", "eg4")]
    [InlineData("eg4", "seplos")]
    [InlineData("seplos", "pylontech")]
    [InlineData("pylontech", "pace")]
    [InlineData("pace", "seplos")]
    [InlineData("eg4", "pylontech")]
    public async Task A_battery_replaced_by_one_of_another_dialect_is_detected_again_with_nothing_of_the_old_one(string before, string after)
    {
        // The old battery has more packs, cells and sensors: anything of it left over would show.
        var port = new Port(Battery(before, packs: 3, cells: 16));
        await using var server = SimulatorTcpServer.Start(port, new IPEndPoint(IPAddress.Loopback, 0));
        await using var transport = Connect(server);
        var poller = new BatteryPoller(new BatteryOptions { Name = "shed" }, Options, transport, _clock, NullLogger.Instance);
        Assert.Equal(before, (await poller.PollOnceAsync(CancellationToken.None)).Snapshot.Protocol);

        port.Occupant = Battery(after, packs: 1, cells: 8, temperatures: after == "eg4" ? 6 : 4);
        PollCycleResult? found = null;
        for (int cycle = 0; cycle < 6 && found is null; cycle++)
        {
            var result = await poller.PollOnceAsync(CancellationToken.None);
            Assert.DoesNotContain(result.AnalogPacks, p => p.CellCount == 8 && result.Snapshot.Protocol == before);
            found = result.Snapshot.Protocol == after ? result : null;
        }

        Assert.NotNull(found);
        Assert.True(found.AnalogAnswered && found.AlarmAnswered);
        await AssertReadAsFirstMetAsync(found, Battery(after, packs: 1, cells: 8, temperatures: after == "eg4" ? 6 : 4));
        Assert.All(found.Snapshot.Packs, p => Assert.Equal(8, p.Analog!.CellCount));
        Assert.All(found.AlarmPacks, p => Assert.Equal(8, p.CellWarnings.Length));
    }

    private SimulatedBms Battery(string dialect, int packs, int cells, int temperatures = 6)
    {
        Assert.True(BmsDialects.TryFind(dialect, out var speaks));
        return new SimulatedBms(new SimulatedBmsOptions { Packs = packs, Cells = cells, Temperatures = temperatures, Dialect = speaks }, _clock);
    }

    /// <summary>What <paramref name="result"/> exports equals what a fresh poller reads from <paramref name="twin"/>, an identical battery it meets first.</summary>
    private async Task AssertReadAsFirstMetAsync(PollCycleResult result, SimulatedBms twin)
    {
        await using var server = SimulatorTcpServer.Start(twin, new IPEndPoint(IPAddress.Loopback, 0));
        await using var transport = Connect(server);
        var fresh = await new BatteryPoller(new BatteryOptions { Name = "twin" }, Options, transport, _clock, NullLogger.Instance).PollOnceAsync(CancellationToken.None);

        Assert.Equal(fresh.Snapshot.Protocol, result.Snapshot.Protocol);
        Assert.Equal(fresh.Snapshot.PacksReported, result.Snapshot.PacksReported);
        Assert.Equal(fresh.Snapshot.Identity, result.Snapshot.Identity);
        Assert.Equal(fresh.Snapshot.Packs.Select(p => p.Pack), result.Snapshot.Packs.Select(p => p.Pack));
        foreach (var (expected, actual) in fresh.Snapshot.Packs.Zip(result.Snapshot.Packs))
        {
            Assert.Equal(expected.Identity, actual.Identity);
            AssertSameAnalog(expected.Analog!, actual.Analog!);
            Assert.Equal(Items(expected.Alarm!.CellWarnings), Items(actual.Alarm!.CellWarnings));
            Assert.Equal(Items(expected.Alarm.TemperatureWarnings), Items(actual.Alarm.TemperatureWarnings));
            Assert.Equal(Items(expected.Alarm.FlagDefinitions), Items(actual.Alarm.FlagDefinitions));
            Assert.Equal(expected.Alarm.FlagDefinitions.Select(expected.Alarm.IsSet), actual.Alarm.FlagDefinitions.Select(actual.Alarm.IsSet));
        }
    }

    private static void AssertSameAnalog(AnalogPack expected, AnalogPack actual)
    {
        Assert.Equal(Items(expected.CellVoltagesVolts), Items(actual.CellVoltagesVolts));
        Assert.Equal(Items(expected.TemperaturesCelsius), Items(actual.TemperaturesCelsius));
        Assert.Equal(Items(expected.TemperatureRoles), Items(actual.TemperatureRoles));
        Assert.Equal(expected.CurrentAmperes, actual.CurrentAmperes);
        Assert.Equal(expected.VoltageVolts, actual.VoltageVolts);
        Assert.Equal(expected.RemainingAmpHours, actual.RemainingAmpHours);
        Assert.Equal(expected.FullAmpHours, actual.FullAmpHours);
        Assert.Equal(expected.DesignAmpHours, actual.DesignAmpHours);
        Assert.Equal(expected.CycleCount, actual.CycleCount);
        Assert.Equal(expected.StateOfChargeRatio, actual.StateOfChargeRatio);
        Assert.Equal(expected.StateOfHealthRatio, actual.StateOfHealthRatio);
        Assert.Equal(expected.TailHex, actual.TailHex);
        Assert.Equal(Items(expected.DialectValues), Items(actual.DialectValues));
    }

    /// <summary>The elements, for comparison by value (ImmutableArray's own equality compares references).</summary>
    private static T[] Items<T>(System.Collections.Immutable.ImmutableArray<T> items) => items.IsDefault ? [] : [.. items];

    private static TcpTransport Connect(SimulatorTcpServer server) => new("127.0.0.1", server.EndPoint.Port);

    /// <summary>The far end of one TCP port: whichever battery is plugged in now, or none (silence).</summary>
    private sealed class Port(ISimulatedDevice occupant) : ISimulatedDevice
    {
        private static readonly LineTiming Idle = new(0, TimeSpan.Zero);

        public ISimulatedDevice? Occupant { get; set; } = occupant;

        public LineTiming Line => Occupant?.Line ?? Idle;

        public IWireFormat Wire => Occupant?.Wire ?? AsciiWire.Instance;

        public SimulatorReply Respond(ReadOnlySpan<byte> request) => Occupant?.Respond(request) ?? SimulatorReply.None;
    }
}
