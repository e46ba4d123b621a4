using BmsPace.Configuration;
using BmsPace.Polling;
using BmsPace.Outputs.Prometheus;
using Microsoft.Extensions.DependencyInjection;

namespace BmsPace.Outputs.Mqtt;

public static class MqttServiceCollectionExtensions
{
    /// <summary>
    /// Registers the MQTT output when <c>mqtt.enabled</c>: one <see cref="MqttSink"/> singleton, exposed as an
    /// <see cref="IReadingSink"/> and run as a hosted service (its connection loop).
    /// </summary>
    public static IServiceCollection AddMqttSink(this IServiceCollection services, BmsPaceOptions options) =>
        services.AddSink<MqttSink>(options.Mqtt.Enabled, parts =>
            new MqttSink(options, PrometheusExporterExtensions.ExporterVersion, parts.Registry, parts.Time, parts.Logger));
}
