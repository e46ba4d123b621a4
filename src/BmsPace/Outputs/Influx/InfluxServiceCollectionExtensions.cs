using BmsPace.Configuration;
using BmsPace.Polling;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace BmsPace.Outputs.Influx;

public static class InfluxServiceCollectionExtensions
{
    /// <summary>
    /// Registers the InfluxDB writer when <c>influxdb.enabled</c>: one <see cref="InfluxSink"/> singleton, exposed as an
    /// <see cref="IReadingSink"/> and run as a hosted service (its flush loop). Uses the <see cref="CollectorRegistry"/>
    /// singleton for its self-metrics, or <see cref="Metrics.DefaultRegistry"/> when none is registered.
    /// </summary>
    public static IServiceCollection AddInfluxSink(this IServiceCollection services, BmsPaceOptions options)
    {
        return services.AddSink(options.InfluxDb.Enabled, provider => new InfluxSink(
            options.InfluxDb,
            options.ScanInterval,
            LabelFormatter.FromOptions(options),
            provider.GetService<CollectorRegistry>() ?? Metrics.DefaultRegistry,
            provider.GetRequiredService<ILogger<InfluxSink>>()));
    }
}
