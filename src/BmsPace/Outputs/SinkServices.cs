using BmsPace.Polling;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace BmsPace.Outputs;

/// <summary>The one registration shape every output's <c>Add...Sink</c> uses.</summary>
internal static class SinkServices
{
    /// <summary>
    /// When the output is <paramref name="enabled"/>: registers <typeparamref name="TSink"/> once, hands it every snapshot as an <see cref="IReadingSink"/>, and runs it
    /// as a hosted service when it has a loop of its own (a connection, a flush timer).
    /// </summary>
    public static IServiceCollection AddSink<TSink>(this IServiceCollection services, bool enabled, Func<IServiceProvider, TSink> create)
        where TSink : class, IReadingSink
    {
        if (!enabled)
        {
            return services;
        }

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(create);
        services.AddSingleton<IReadingSink>(provider => provider.GetRequiredService<TSink>());
        if (typeof(TSink).IsAssignableTo(typeof(IHostedService)))
        {
            services.AddSingleton(provider => (IHostedService)provider.GetRequiredService<TSink>());
        }

        return services;
    }
}
