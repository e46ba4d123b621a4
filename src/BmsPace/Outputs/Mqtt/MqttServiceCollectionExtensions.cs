using BmsPace.Configuration;
using BmsPace.Polling;
using BmsPace.Outputs.Prometheus;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace BmsPace.Outputs.Mqtt;

public static class MqttServiceCollectionExtensions
{
    /// <summary>
    /// Registers the MQTT output when <c>mqtt.enabled</c>: one <see cref="MqttSink"/> singleton, exposed as an
    /// <see cref="IReadingSink"/> and run as a hosted service (its connection loop). Register it before the pollers:
    /// hosted services stop in reverse order, so the last snapshot is handed over before <c>offline</c> is published.
    /// </summary>
    public static IServiceCollection AddMqttSink(this IServiceCollection services, BmsPaceOptions options)
    {
        if (!options.Mqtt.Enabled)
        {
            return services;
        }

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(Metrics.DefaultRegistry);
        services.AddSingleton(provider => new MqttSink(
            options,
            PrometheusExporterExtensions.ExporterVersion,
            provider.GetRequiredService<CollectorRegistry>(),
            provider.GetRequiredService<TimeProvider>(),
            provider.GetRequiredService<ILogger<MqttSink>>()));
        services.AddSingleton<IReadingSink>(provider => provider.GetRequiredService<MqttSink>());
        services.AddHostedService(provider => provider.GetRequiredService<MqttSink>());
        return services;
    }
}
