using Prometheus;

namespace BmsPace.Outputs.Influx;

/// <summary>The InfluxDB writer's own series on /metrics (declared once here).</summary>
internal sealed class InfluxSinkMetrics
{
    public InfluxSinkMetrics(CollectorRegistry registry)
    {
        var factory = Metrics.WithCustomRegistry(registry);
        PointsWritten = factory.CreateCounter(
            "pace_bms_influxdb_points_written_total",
            "Points the InfluxDB server accepted.");
        BatchesFailed = factory.CreateCounter(
            "pace_bms_influxdb_batches_failed_total",
            "InfluxDB write requests that failed, by reason (bad_request, unauthorized, forbidden, not_found, too_large, throttled, server_error, http_error, io, timeout).",
            "reason");
        PointsDropped = factory.CreateCounter(
            "pace_bms_influxdb_points_dropped_total",
            "Points lost: the oldest dropped while the buffer was full, or refused by the server (400).");
        BufferPoints = factory.CreateGauge(
            "pace_bms_influxdb_buffer_points",
            "Points waiting to be written to InfluxDB.");
        BufferCapacityPoints = factory.CreateGauge(
            "pace_bms_influxdb_buffer_capacity_points",
            "Points the InfluxDB buffer holds before it drops the oldest (with buffer_points 0: one hour of the largest snapshots seen).");
    }

    public Counter PointsWritten { get; }

    public Counter BatchesFailed { get; }

    public Counter PointsDropped { get; }

    public Gauge BufferPoints { get; }

    public Gauge BufferCapacityPoints { get; }
}
