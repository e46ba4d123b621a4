using System.Text;
using BmsPace.Configuration;
using BmsPace.Polling;
using BmsPace.Protocol.Framing;
using BmsPace.Simulator;
using BmsPace.Outputs.Influx;
using BmsPace.Outputs.Prometheus;
using BmsPace.Tests.Simulation;
using BmsPace.Transport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace BmsPace.Tests.Polling;

/// <summary>
/// Each pack's version and serials are its own: asked at the pack's address where the link answers per pack (an RS485
/// bus, the simulator), left empty where only the master answers (RS232), never the master's repeated; asked at start
/// and hourly, not every cycle.
/// </summary>
public sealed class PackIdentityTests
{
    private static readonly BmsPaceOptions Options = new() { RequestTimeout = TimeSpan.FromSeconds(5), RequestGap = TimeSpan.Zero, Retries = 0 };

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task Every_pack_of_a_stack_that_answers_per_pack_carries_its_own_serials_in_metrics_and_points()
    {
        var bms = new RecordedBms(new SimulatedBmsOptions { Packs = 3, Cells = 8, Seed = 4 });
        await using var transport = Connect(bms);
        var poller = new BatteryPoller(new BatteryOptions { Name = "rack" }, Options, transport, _time, NullLogger.Instance);

        var snapshot = (await poller.PollOnceAsync(CancellationToken.None)).Snapshot;

        Assert.Equal([1, 2, 3], snapshot.Packs.Select(p => p.Pack));
        foreach (var pack in snapshot.Packs)
        {
            var (bmsSerial, packSerial) = bms.Options.SerialsOf(pack.Pack);
            Assert.Equal(new BatteryIdentity(bms.Options.SoftwareVersion, bmsSerial, packSerial), pack.Identity);
        }

        Assert.Equal(3, snapshot.Packs.Select(p => p.Identity.BmsSerial).Distinct().Count());
        Assert.Equal(snapshot.Identity, snapshot.Packs[0].Identity);

        string metrics = await MetricsAsync(snapshot);
        var lines = LineProtocol(snapshot);
        foreach (var pack in snapshot.Packs)
        {
            var (bmsSerial, packSerial) = bms.Options.SerialsOf(pack.Pack);
            Assert.Contains(
                $"pace_bms_pack_info{{battery=\"rack\",pack=\"{pack.Pack}\",software_version=\"{bms.Options.SoftwareVersion}\",serial_number=\"{bmsSerial}\",pack_serial_number=\"{packSerial}\",protocol_version=\"25\",protocol=\"pace\"}} 1\n",
                metrics,
                StringComparison.Ordinal);
            string point = Assert.Single(lines, l => l.StartsWith($"pace_bms_pack,battery=rack,pack={pack.Pack},", StringComparison.Ordinal));
            Assert.Contains($"serial_number=\"{bmsSerial}\"", point, StringComparison.Ordinal);
            Assert.Contains($"pack_serial_number=\"{packSerial}\"", point, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Packs_asked_one_by_one_on_an_rs485_bus_each_carry_their_own_serials()
    {
        var bms = new RecordedBms(new SimulatedBmsOptions { Packs = 3, Cells = 8, Seed = 6 });
        await using var transport = Connect(bms);
        var poller = new BatteryPoller(new BatteryOptions { Name = "bus", Packs = [1, 2, 3] }, Options, transport, _time, NullLogger.Instance);

        var snapshot = (await poller.PollOnceAsync(CancellationToken.None)).Snapshot;

        Assert.Equal([1, 2, 3], snapshot.Packs.Select(p => p.Pack));
        foreach (var pack in snapshot.Packs)
        {
            Assert.Equal(bms.Options.SerialsOf(pack.Pack).BmsSerial, pack.Identity.BmsSerial);
            Assert.Equal(bms.Options.SerialsOf(pack.Pack).PackSerial, pack.Identity.PackSerial);
        }

        // Packs 2 and 3 were asked at their own addresses, once each for version and serial.
        Assert.Equal(2, bms.ReceivedRequests.Count(r => r.StartsWith("~250246C", StringComparison.Ordinal)));
        Assert.Equal(2, bms.ReceivedRequests.Count(r => r.StartsWith("~250346C", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_master_that_answers_every_address_for_itself_leaves_the_other_packs_without_identity(bool echoesAddress)
    {
        // RS232 to the master: whatever ADR is asked, the master answers with its own serial, and with its own ADR
        // (or, on some firmware, the ADR that was asked).
        var transport = new ScriptedTransport(request =>
        {
            var asked = FrameDecoder.ParseRequest(request);
            byte address = echoesAddress ? asked.Address : (byte)0x01;
            return Frames.Cid2Of(request) switch
            {
                0x42 => Frames.Analog3Packs,
                0x44 => Frames.Alarm(3),
                0xC1 => Readdress(Frames.SoftwareVersion, address),
                0xC2 => Readdress(Frames.Serials, address),
                _ => Frames.UnknownCommand,
            };
        });
        var poller = new BatteryPoller(new BatteryOptions { Name = "rack", Protocol = "pace" }, Options, transport, _time, NullLogger.Instance);

        var snapshot = (await poller.PollOnceAsync(CancellationToken.None)).Snapshot;

        Assert.Equal("216061024400003A", snapshot.Packs[0].Identity.BmsSerial);
        Assert.Equal(BatteryIdentity.Unknown, snapshot.Packs[1].Identity);
        Assert.Equal(BatteryIdentity.Unknown, snapshot.Packs[2].Identity);
        Assert.Empty(snapshot.Counters.Failures);

        // Pack 2 was asked, pack 3 not: once pack 2 answered for the master, the link does not answer per pack.
        Assert.DoesNotContain(transport.Requests, r => r.StartsWith("~2503", StringComparison.Ordinal));
        Assert.Contains(transport.Requests, r => r.StartsWith("~2502", StringComparison.Ordinal));

        string metrics = await MetricsAsync(snapshot);
        Assert.Contains("pace_bms_pack_info{battery=\"rack\",pack=\"2\",software_version=\"\",serial_number=\"\",pack_serial_number=\"\",protocol_version=\"25\",protocol=\"pace\"} 1\n", metrics, StringComparison.Ordinal);
        Assert.Equal(1, metrics.Split('\n').Count(l => l.Contains("216061024400003A", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Identity_is_asked_at_start_and_again_after_an_hour_not_every_cycle()
    {
        var bms = new RecordedBms(new SimulatedBmsOptions { Packs = 2, Cells = 8, Seed = 4 });
        await using var transport = Connect(bms);
        var poller = new BatteryPoller(new BatteryOptions { Name = "rack" }, Options, transport, _time, NullLogger.Instance);

        await poller.PollOnceAsync(CancellationToken.None);
        int afterStart = bms.RequestCount;
        for (int cycle = 0; cycle < 5; cycle++)
        {
            _time.Advance(TimeSpan.FromMinutes(10));
            await poller.PollOnceAsync(CancellationToken.None);
        }

        int afterFiftyMinutes = bms.RequestCount;
        _time.Advance(TimeSpan.FromMinutes(10));
        var refreshed = await poller.PollOnceAsync(CancellationToken.None);

        // Start: master version and serial, analog, alarm, pack 2's version and serial at ADR 02.
        Assert.Equal(new byte[] { 0xC1, 0xC2, 0x42, 0x44, 0xC1, 0xC2 }, bms.ReceivedCid2s.Take(afterStart));
        Assert.Equal("~250246C10000FD99\r", bms.ReceivedRequests[4]);
        Assert.All(bms.ReceivedCid2s.Skip(afterStart).Take(afterFiftyMinutes - afterStart), cid2 => Assert.True(cid2 is 0x42 or 0x44));
        Assert.Equal(new byte[] { 0xC1, 0xC2, 0x42, 0x44, 0xC1, 0xC2 }, bms.ReceivedCid2s.Skip(afterFiftyMinutes));
        Assert.Equal(bms.Options.SerialsOf(2).BmsSerial, refreshed.Snapshot.Packs[1].Identity.BmsSerial);
    }

    /// <summary>The same answer with another ADR (CHKSUM recomputed).</summary>
    private static string Readdress(string frame, byte address)
    {
        var parsed = FrameDecoder.Parse(frame, 0x25);
        return FrameEncoder.EncodeResponse(parsed.Version, address, parsed.Cid1, 0x00, parsed.Info.AsSpan());
    }

    private async Task<string> MetricsAsync(BatterySnapshot snapshot)
    {
        using var sink = new PrometheusSink(global::Prometheus.Metrics.NewCustomRegistry(), new LabelFormatter(0, 0), "0.0.0-test", _time, ["rack"]);
        await sink.PublishAsync(snapshot, CancellationToken.None);
        return Encoding.UTF8.GetString((await sink.GetRenderedAsync(CancellationToken.None)).Plain);
    }

    private static List<string> LineProtocol(BatterySnapshot snapshot)
    {
        var writer = new LineProtocolWriter(InfluxPrecision.Milliseconds);
        return [.. SnapshotPoints.From(snapshot, new LabelFormatter(0, 0)).Select(p => writer.Format(p)!)];
    }

    private static InProcessTransport Connect(ISimulatedDevice device)
    {
        var link = new SimulatorLink(device);
        return new InProcessTransport("simulator", link.Connect, link);
    }
}
