using BmsPace.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace BmsPace.Polling;

public static class BatteryBoardServices
{
    /// <summary>Registers the <see cref="BatteryBoard"/>, first among the sinks so it is current before any output runs.</summary>
    public static IServiceCollection AddBatteryBoard(this IServiceCollection services, BmsPaceOptions options)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new BatteryBoard(sp.GetRequiredService<TimeProvider>(), options.Batteries.Select(b => b.Name)));
        services.AddSingleton<IReadingSink>(sp => sp.GetRequiredService<BatteryBoard>());
        return services;
    }
}
