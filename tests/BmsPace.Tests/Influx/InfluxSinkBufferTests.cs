using BmsPace.Configuration;
using BmsPace.Outputs.Influx;
using Prometheus;

namespace BmsPace.Tests.Influx;

/// <summary>Buffer sizing, read from the writer's own series; nothing listens on the URL (no write is attempted before disposal).</summary>
public class InfluxSinkBufferTests
{
    private readonly CollectorRegistry _registry = Metrics.NewCustomRegistry();

    private InfluxSink Sink(int bufferPoints, TimeSpan scanInterval) => new(
        new InfluxDbOptions { Url = new Uri($"http://127.0.0.1:{ServerProcess.FreePort()}"), Api = InfluxApi.V1, BufferPoints = bufferPoints, BatchSize = 5000, Timeout = TimeSpan.FromSeconds(2) },
        scanInterval,
        new LabelFormatter(0, 0),
        _registry,
        new CapturingLogger<InfluxSink>());

    private Task<double> CapacityAsync() => MetricReader.ValueAsync(_registry, "pace_bms_influxdb_buffer_capacity_points");

    private Task<double> PendingAsync() => MetricReader.ValueAsync(_registry, "pace_bms_influxdb_buffer_points");

    [Fact]
    public async Task DefaultBuffer_HoldsOneHourOfTheLargestSnapshotOfEachBattery()
    {
        await using var sink = Sink(bufferPoints: 0, TimeSpan.FromSeconds(5));
        Assert.Equal(10_000, await CapacityAsync());

        await sink.PublishAsync(TestSnapshots.Cycle("a", 0, packs: 2), CancellationToken.None);
        Assert.Equal(48 * 720, await CapacityAsync());

        await sink.PublishAsync(TestSnapshots.Cycle("b", 0, packs: 1), CancellationToken.None);
        await sink.PublishAsync(TestSnapshots.Cycle("a", 1, packs: 1), CancellationToken.None);
        Assert.Equal((48 + 24) * 720, await CapacityAsync());
        Assert.Equal(48 + 24 + 24, await PendingAsync());
    }

    [Fact]
    public async Task BackToBackPolling_IsSizedAsOneCycleASecond()
    {
        await using var sink = Sink(bufferPoints: 0, TimeSpan.Zero);

        await sink.PublishAsync(TestSnapshots.Cycle("a", 0, packs: 1), CancellationToken.None);

        Assert.Equal(24 * 3600, await CapacityAsync());
    }

    [Fact]
    public async Task ConfiguredBuffer_IsKeptAsGiven()
    {
        await using var sink = Sink(bufferPoints: 500, TimeSpan.FromSeconds(5));

        await sink.PublishAsync(TestSnapshots.Cycle("a", 0, packs: 3), CancellationToken.None);

        Assert.Equal(500, await CapacityAsync());
    }
}
