using BmsPace.Configuration;
using BmsPace.Polling;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace BmsPace.Outputs.Influx;

public static class InfluxServiceCollectionExtensions
{
    /// <summary>
    /// Registers the InfluxDB writer when <c>influxdb.enabled</c>: one <see cref="InfluxSink"/> singleton, exposed as an
    /// <see cref="IReadingSink"/> and run as a hosted service (its flush loop). Uses the <see cref="CollectorRegistry"/>
    /// singleton for its self-metrics, registering <see cref="Metrics.DefaultRegistry"/> if none is registered yet.
    /// </summary>
    public static IServiceCollection AddInfluxSink(this IServiceCollection services, BmsPaceOptions options)
    {
        if (!options.InfluxDb.Enabled)
        {
            return services;
        }

        services.TryAddSingleton(Metrics.DefaultRegistry);
        services.AddSingleton(provider => new InfluxSink(
            options.InfluxDb,
            options.ScanInterval,
            LabelFormatter.FromOptions(options),
            provider.GetRequiredService<CollectorRegistry>(),
            provider.GetRequiredService<ILogger<InfluxSink>>()));
        services.AddSingleton<IReadingSink>(provider => provider.GetRequiredService<InfluxSink>());
        services.AddHostedService(provider => provider.GetRequiredService<InfluxSink>());
        return services;
    }
}
