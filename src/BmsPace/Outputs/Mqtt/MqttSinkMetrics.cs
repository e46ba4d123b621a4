using Prometheus;

namespace BmsPace.Outputs.Mqtt;

/// <summary>The MQTT output's own series on /metrics (docs/MQTT.md), in the registry of every other self-metric.</summary>
internal sealed class MqttSinkMetrics(CollectorRegistry registry)
{
    /// <summary>Starts at 0: the series exists before the first connection attempt.</summary>
    public Gauge Connected { get; } = Disconnected(registry.Gauge(
        "pace_bms_mqtt_connected",
        "1 while the MQTT broker connection is up, else 0."));

    public Counter Messages { get; } = registry.Counter(
        "pace_bms_mqtt_messages_total",
        "MQTT messages the broker accepted, by kind (state, availability, discovery, status).",
        "kind");

    public Counter Errors { get; } = registry.Counter(
        "pace_bms_mqtt_errors_total",
        "MQTT failures, by reason (unreachable, refused, tls, timeout, disconnected, publish, connection).",
        "reason");

    private static Gauge Disconnected(Gauge gauge)
    {
        gauge.Set(0);
        return gauge;
    }
}
