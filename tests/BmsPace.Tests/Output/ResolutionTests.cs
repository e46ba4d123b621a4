using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using BmsPace.Configuration;
using BmsPace.Outputs.Documents;
using BmsPace.Polling;
using BmsPace.Outputs.Influx;
using BmsPace.Outputs.Mqtt;
using BmsPace.Outputs.Prometheus;
using BmsPace.Tests.Polling;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace BmsPace.Tests.Output;

/// <summary>
/// Values computed from the wire (ratios, power, the exporter's energy) are rounded once, where they are computed, so
/// every output shows 0.465784 and never 0.46578388... The Jakiper pack of PROTOCOL.md 10.2 is polled twice, 7 s
/// apart, and its snapshot rendered by all four outputs.
/// </summary>
public sealed partial class ResolutionTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task Every_output_carries_computed_values_at_a_fixed_resolution()
    {
        var snapshot = await PollJakiperTwiceAsync();
        var pack = Assert.Single(snapshot.Packs);
        var analog = pack.Analog!;

        // 48.19 / 103.46 = 0.46578388..., 103.46 / 100.00 = 1.0346, 52.429 V x -2.25 A = -117.96525 W,
        // 117.96525 W for 7 s = 0.229376875 Wh, shown as 0.22938.
        Assert.Equal(0.465784, analog.StateOfChargeRatio);
        Assert.Equal(0.465784, analog.StateOfChargeCalculatedRatio);
        Assert.Equal(1.0346, analog.StateOfHealthCalculatedRatio);
        Assert.Equal(-117.96525, analog.PowerWatts);
        Assert.Equal(0.22938, pack.DischargedWattHours);
        Assert.Equal(0, pack.ChargedWattHours);

        string json = Json(analog, pack.Alarm);
        string metrics = await MetricsAsync(snapshot);
        string lines = LineProtocol(snapshot);
        string mqtt = Encoding.UTF8.GetString(MqttStatePayloads.Pack(snapshot, pack)!);

        Assert.Contains("\"state_of_charge_calculated_ratio\":0.465784,", json, StringComparison.Ordinal);
        Assert.Contains("pace_bms_state_of_charge_ratio{battery=\"shed\",pack=\"1\"} 0.465784\n", metrics, StringComparison.Ordinal);
        Assert.Contains("pace_bms_pack_power_watts{battery=\"shed\",pack=\"1\"} -117.96525\n", metrics, StringComparison.Ordinal);
        Assert.Contains("pace_bms_discharged_watt_hours_total{battery=\"shed\",pack=\"1\"} 0.22938\n", metrics, StringComparison.Ordinal);
        Assert.Contains("soc_ratio=0.465784,", lines, StringComparison.Ordinal);
        Assert.Contains("power_watts=-117.96525,", lines, StringComparison.Ordinal);
        Assert.Contains("\"power_watts\":-117.96525,", mqtt, StringComparison.Ordinal);
        Assert.Contains("\"discharged_watt_hours\":0.22938}", mqtt, StringComparison.Ordinal);
        foreach (var (output, text) in new[] { ("JSON", json), ("/metrics", metrics), ("InfluxDB", lines), ("MQTT", mqtt) })
        {
            Assert.True(!LongFraction().IsMatch(text), $"{output} carries a number with more than six decimals: {LongFraction().Match(text).Value}\n{text}");
        }
    }

    private async Task<BatterySnapshot> PollJakiperTwiceAsync()
    {
        var transport = new ScriptedTransport(request => Frames.Cid2Of(request) switch
        {
            0x42 => Frames.AnalogJakiper,
            0x44 => Frames.Alarm(1, cells: 16),
            0xC1 => Frames.SoftwareVersion,
            0xC2 => Frames.Serials,
            _ => Frames.UnknownCommand,
        });
        var options = new BmsPaceOptions { RequestGap = TimeSpan.Zero, Retries = 0 };
        var poller = new BatteryPoller(new BatteryOptions { Name = "shed", Protocol = "pace" }, options, transport, _time, NullLogger.Instance);
        await poller.PollOnceAsync(CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(7));
        return (await poller.PollOnceAsync(CancellationToken.None)).Snapshot;
    }

    private static string Json(Protocol.Readings.AnalogPack analog, Protocol.Readings.AlarmPack? alarm) => JsonOutput.Text(writer =>
    {
        writer.WriteStartObject();
        ReadingJson.WriteMergedPackFields(writer, analog, alarm);
        writer.WriteEndObject();
    });

    private async Task<string> MetricsAsync(BatterySnapshot snapshot)
    {
        using var sink = new PrometheusSink(global::Prometheus.Metrics.NewCustomRegistry(), new LabelFormatter(0, 0), "0.0.0-test", _time, ["shed"]);
        await sink.PublishAsync(snapshot, CancellationToken.None);
        return Encoding.UTF8.GetString((await sink.GetRenderedAsync(CancellationToken.None)).Plain);
    }

    private static string LineProtocol(BatterySnapshot snapshot)
    {
        var writer = new LineProtocolWriter(InfluxPrecision.Milliseconds);
        return string.Join('\n', SnapshotPoints.From(snapshot, new LabelFormatter(0, 0)).Select(p => writer.Format(p)));
    }

    /// <summary>A decimal number with seven or more digits after the point.</summary>
    [GeneratedRegex(@"\d\.\d{7,}")]
    private static partial Regex LongFraction();
}
