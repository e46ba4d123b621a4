using BmsPace.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace BmsPace.Outputs.Console;

public static class ConsoleServiceCollectionExtensions
{
    /// <summary>Registers the console echo when <c>console.enabled</c>: a summary of every cycle on <paramref name="output"/>.</summary>
    public static IServiceCollection AddConsoleSink(this IServiceCollection services, BmsPaceOptions options, TextWriter output) =>
        services.AddSink<ConsoleEchoSink>(options.Console.Enabled, parts => new ConsoleEchoSink(output, parts.Time));
}
