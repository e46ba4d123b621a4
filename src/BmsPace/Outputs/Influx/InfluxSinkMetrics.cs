using Prometheus;

namespace BmsPace.Outputs.Influx;

/// <summary>The InfluxDB writer's own series on /metrics (declared once here).</summary>
internal sealed class InfluxSinkMetrics(CollectorRegistry registry)
{
    public Counter PointsWritten { get; } = registry.Counter(
        "pace_bms_influxdb_points_written_total",
        "Points the InfluxDB server accepted.");

    public Counter BatchesFailed { get; } = registry.Counter(
        "pace_bms_influxdb_batches_failed_total",
        "InfluxDB write requests that failed, by reason (bad_request, unauthorized, forbidden, not_found, too_large, throttled, server_error, http_error, io, timeout).",
        "reason");

    public Counter PointsDropped { get; } = registry.Counter(
        "pace_bms_influxdb_points_dropped_total",
        "Points lost: the oldest dropped while the buffer was full, or refused by the server (400).");

    public Gauge BufferPoints { get; } = registry.Gauge(
        "pace_bms_influxdb_buffer_points",
        "Points waiting to be written to InfluxDB.");

    public Gauge BufferCapacityPoints { get; } = registry.Gauge(
        "pace_bms_influxdb_buffer_capacity_points",
        "Points the InfluxDB buffer holds before it drops the oldest (with buffer_points 0: one hour of the largest snapshots seen).");
}
