using BmsPace.Configuration;
using BmsPace.Polling;
using Microsoft.Extensions.DependencyInjection;

namespace BmsPace.Outputs.Influx;

public static class InfluxServiceCollectionExtensions
{
    /// <summary>
    /// Registers the InfluxDB writer when <c>influxdb.enabled</c>: one <see cref="InfluxSink"/> singleton, exposed as an
    /// <see cref="IReadingSink"/> and run as a hosted service (its flush loop).
    /// </summary>
    public static IServiceCollection AddInfluxSink(this IServiceCollection services, BmsPaceOptions options) =>
        services.AddSink<InfluxSink>(options.InfluxDb.Enabled, parts =>
            new InfluxSink(options.InfluxDb, options.ScanInterval, LabelFormatter.FromOptions(options), parts.Registry, parts.Logger));
}
