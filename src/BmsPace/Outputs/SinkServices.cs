using BmsPace.Polling;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace BmsPace.Outputs;

/// <summary>The one registration shape every output's <c>Add...Sink</c> uses.</summary>
internal static class SinkServices
{
    /// <summary>
    /// When the output is <paramref name="enabled"/>: registers <typeparamref name="TSink"/> once, hands it every snapshot as an <see cref="IReadingSink"/>, and runs it
    /// as a hosted service when it has a loop of its own (a connection, a flush timer).
    /// </summary>
    public static IServiceCollection AddSink<TSink>(this IServiceCollection services, bool enabled, Func<SinkParts<TSink>, TSink> create)
        where TSink : class, IReadingSink
    {
        if (!enabled)
        {
            return services;
        }

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(provider => create(new SinkParts<TSink>(provider)));
        services.AddSingleton<IReadingSink>(provider => provider.GetRequiredService<TSink>());
        if (typeof(TSink).IsAssignableTo(typeof(IHostedService)))
        {
            services.AddSingleton(provider => (IHostedService)provider.GetRequiredService<TSink>());
        }

        return services;
    }
}

/// <summary>What every output is built from besides its own options.</summary>
internal readonly struct SinkParts<TSink>(IServiceProvider provider)
{
    /// <summary>The registry the output's self-metrics join: the Prometheus exporter's, or the default one when no exporter registered one.</summary>
    public CollectorRegistry Registry => provider.GetService<CollectorRegistry>() ?? Metrics.DefaultRegistry;

    public TimeProvider Time => provider.GetRequiredService<TimeProvider>();

    public ILogger<TSink> Logger => provider.GetRequiredService<ILogger<TSink>>();
}
