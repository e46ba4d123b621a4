using BmsPace.Configuration;
using BmsPace.Polling;
using BmsPace.Outputs.Console;
using BmsPace.Outputs.Influx;
using BmsPace.Outputs.Mqtt;
using BmsPace.Outputs.Prometheus;
using BmsPace.Transport;
using BmsPace.Web;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace BmsPace.Hosting;

/// <summary>The composition root of <c>bmspace run</c>: one poller service per battery, the board and the sinks, and the web host.</summary>
public static class BmsPaceHost
{
    /// <summary>
    /// Builds the host for <paramref name="options"/>; the caller runs it. Its web host (see
    /// <see cref="WebHostSettings.LoadAsync"/>) serves the status page and health, and <c>/metrics</c> when the
    /// Prometheus output is on.
    /// </summary>
    public static IHost Build(BmsPaceOptions options, WebHostSettings web, TextWriter consoleOutput)
    {
        return WebServer.Build(web, builder =>
        {
            ConfigureLogging(builder.Logging, options);
            builder.Services.AddSystemd();
            AddBmsPace(builder.Services, options, consoleOutput);
            builder.Services.AddWebParts(options);
        });
    }

    /// <summary>Disposes either kind of host asynchronously (both the generic host and the web application support it).</summary>
    public static ValueTask DisposeHostAsync(this IHost host)
    {
        if (host is IAsyncDisposable asyncDisposable)
        {
            return asyncDisposable.DisposeAsync();
        }

        host.Dispose();
        return ValueTask.CompletedTask;
    }

    public static void AddBmsPace(IServiceCollection services, BmsPaceOptions options, TextWriter consoleOutput)
    {
        services.AddSingleton(options);
        services.AddSingleton(TimeProvider.System);
        services.AddBatteryBoard(options);

        // The host stops hosted services in the reverse order of their registration, and the pollers come after the
        // outputs: registering the outputs in reverse of OutputsInShutdownOrder makes that list the order they finish.
        foreach (var addOutput in OutputsInShutdownOrder(consoleOutput).Reverse())
        {
            addOutput(services, options);
        }

        foreach (var battery in options.Batteries)
        {
            services.AddSingleton<IHostedService>(sp =>
            {
                var loggerFactory = sp.GetRequiredService<ILoggerFactory>();
                var transport = TransportFactory.Create(battery.Connection, loggerFactory);
                var poller = new BatteryPoller(
                    battery,
                    options,
                    transport,
                    sp.GetRequiredService<TimeProvider>(),
                    loggerFactory.CreateLogger($"{LogCategories.Battery}.{battery.Name}"),
                    loggerFactory.CreateLogger(LogCategories.Frames));
                return new BatteryPollerService(poller, transport, options, sp.GetServices<IReadingSink>(), sp.GetRequiredService<TimeProvider>(), loggerFactory.CreateLogger<BatteryPollerService>());
            });
        }
    }

    /// <summary>
    /// Every output, in the order they finish at shutdown once the pollers have stopped: MQTT publishes <c>offline</c>
    /// after the last snapshot was handed over, then InfluxDB sends its last points. Prometheus, with nothing to finish,
    /// is last so that it registers first: its registry (no process collectors) is the one the others' series join.
    /// </summary>
    private static IEnumerable<Func<IServiceCollection, BmsPaceOptions, IServiceCollection>> OutputsInShutdownOrder(TextWriter consoleOutput) =>
    [
        (services, options) => services.AddConsoleSink(options, consoleOutput),
        (services, options) => services.AddMqttSink(options),
        (services, options) => services.AddInfluxSink(options),
        (services, options) => services.AddPrometheusExporter(options),
    ];

    public static void ConfigureLogging(ILoggingBuilder logging, BmsPaceOptions options)
    {
        logging.ClearProviders();
        logging.AddSimpleConsole(console =>
        {
            console.SingleLine = true;
            console.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffzzz ";
            // Colour only on a terminal: docker logs and journald get plain text.
            console.ColorBehavior = LoggerColorBehavior.Default;
        });
        AddLogFilters(logging, options.DebugOutput);
    }

    /// <summary>
    /// <c>debug_output</c> as filter rules, decided once here: 0 shows link changes, warnings and start-up; 1 adds every
    /// failed request with its detail and the transports' own notes; 2 adds every frame as text; 3 adds frames and raw
    /// bytes in hex.
    /// </summary>
    public static void AddLogFilters(ILoggingBuilder logging, int debugOutput)
    {
        logging.SetMinimumLevel(LogLevel.Information);
        logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        logging.AddFilter("Microsoft.Hosting", LogLevel.Information);

        // This category only writes request start and end lines (Information and Debug); while it is enabled at any
        // level, the host opens a log scope and an Activity for every request, which a scrape or a page never uses.
        logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);

        // The host logs a failed start with the whole stack; the run command reports it in one line instead.
        logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
        logging.AddFilter(LogCategories.Battery, debugOutput >= 1 ? LogLevel.Debug : LogLevel.Information);
        logging.AddFilter(LogCategories.Transport, debugOutput >= 1 ? LogLevel.Debug : LogLevel.Information);
        logging.AddFilter(LogCategories.Frames, debugOutput switch
        {
            >= 3 => LogLevel.Trace,
            2 => LogLevel.Debug,
            _ => LogLevel.None,
        });
    }
}
