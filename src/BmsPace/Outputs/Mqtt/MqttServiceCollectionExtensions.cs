using BmsPace.Configuration;
using BmsPace.Polling;
using BmsPace.Outputs.Prometheus;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace BmsPace.Outputs.Mqtt;

public static class MqttServiceCollectionExtensions
{
    /// <summary>
    /// Registers the MQTT output when <c>mqtt.enabled</c>: one <see cref="MqttSink"/> singleton, exposed as an
    /// <see cref="IReadingSink"/> and run as a hosted service (its connection loop).
    /// </summary>
    public static IServiceCollection AddMqttSink(this IServiceCollection services, BmsPaceOptions options)
    {
        return services.AddSink(options.Mqtt.Enabled, provider => new MqttSink(
            options,
            PrometheusExporterExtensions.ExporterVersion,
            provider.GetService<CollectorRegistry>() ?? Metrics.DefaultRegistry,
            provider.GetRequiredService<TimeProvider>(),
            provider.GetRequiredService<ILogger<MqttSink>>()));
    }
}
