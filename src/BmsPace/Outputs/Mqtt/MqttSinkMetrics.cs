using Prometheus;

namespace BmsPace.Outputs.Mqtt;

/// <summary>The MQTT output's own series on /metrics (docs/MQTT.md), in the registry of every other self-metric.</summary>
internal sealed class MqttSinkMetrics
{
    public MqttSinkMetrics(CollectorRegistry registry)
    {
        var factory = Metrics.WithCustomRegistry(registry);
        Connected = factory.CreateGauge(
            "pace_bms_mqtt_connected",
            "1 while the MQTT broker connection is up, else 0.");
        Messages = factory.CreateCounter(
            "pace_bms_mqtt_messages_total",
            "MQTT messages the broker accepted, by kind (state, availability, discovery, status).",
            "kind");
        Errors = factory.CreateCounter(
            "pace_bms_mqtt_errors_total",
            "MQTT failures, by reason (unreachable, refused, tls, timeout, disconnected, publish, connection).",
            "reason");
        Connected.Set(0);
    }

    public Gauge Connected { get; }

    public Counter Messages { get; }

    public Counter Errors { get; }
}
