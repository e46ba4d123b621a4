using BmsPace.Configuration;
using BmsPace.Polling;
using BmsPace.Outputs.Console;
using BmsPace.Outputs.Influx;
using BmsPace.Outputs.Mqtt;
using BmsPace.Outputs.Prometheus;
using BmsPace.Transport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace BmsPace.Hosting;

/// <summary>The composition root of <c>bmspace run</c>: one poller service per battery, the sinks, and the HTTP endpoints.</summary>
public static class BmsPaceHost
{
    /// <summary>Builds the host for <paramref name="options"/>; the caller runs it. Kestrel runs only when the exporter is on.</summary>
    public static IHost Build(BmsPaceOptions options, TextWriter consoleOutput)
    {
        if (!options.Prometheus.Enabled)
        {
            var plain = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [] });
            ConfigureLogging(plain.Logging, options);
            plain.Services.AddSystemd();
            AddBmsPace(plain.Services, options, consoleOutput);
            return plain.Build();
        }

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        ConfigureLogging(builder.Logging, options);
        builder.Services.AddSystemd();
        builder.WebHost.UseKestrel(kestrel =>
        {
            LimitConnections(kestrel.Limits);
            kestrel.Listen(ListenAddress.Parse(options.Prometheus.Listen), listen =>
            {
                if (options.Prometheus.WebConfig?.Tls is not null)
                {
                    var guard = kestrel.ApplicationServices.GetRequiredService<WebConfigGuard>();
                    listen.UseHttps(new TlsHandshakeCallbackOptions
                    {
                        OnConnection = connection => guard.TlsOptionsAsync(connection.CancellationToken),
                        HandshakeTimeout = HeaderTimeout,
                    });
                }
            });
        });
        if (options.Prometheus.WebConfig is { } webConfig)
        {
            builder.Services.AddSingleton(sp => new WebConfigGuard(
                options.Prometheus.WebConfigFile!, webConfig, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILoggerFactory>().CreateLogger<WebConfigGuard>()));
        }

        AddBmsPace(builder.Services, options, consoleOutput);
        var app = builder.Build();
        if (options.Prometheus.WebConfig is not null)
        {
            var guard = app.Services.GetRequiredService<WebConfigGuard>();
            app.Use(guard.AuthenticateAsync);
        }

        app.MapBmsPaceEndpoints();
        return app;
    }

    /// <summary>
    /// How long a client may take to send its request headers (or finish a TLS handshake) before the connection is
    /// closed: a scraper sends them at once, so idle or trickling connections are dropped long before they pile up.
    /// </summary>
    internal static readonly TimeSpan HeaderTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Kestrel limits so idle and slow clients cannot starve /metrics: the endpoints take no request bodies, headers
    /// of a scrape are small, a connection silent for 20 s is closed (Kestrel times a connection that never sent a
    /// byte by the keep-alive timeout; a 15 s scrape interval still reuses its connection), and the number of open
    /// connections is bounded far below the process's descriptor limit.
    /// </summary>
    internal static void LimitConnections(KestrelServerLimits limits)
    {
        limits.MaxConcurrentConnections = 1024;
        limits.MaxConcurrentUpgradedConnections = 0;
        limits.RequestHeadersTimeout = HeaderTimeout;
        limits.KeepAliveTimeout = TimeSpan.FromSeconds(20);
        limits.MaxRequestHeadersTotalSize = 16 * 1024;
        limits.MaxRequestHeaderCount = 50;
        limits.MaxRequestLineSize = 4 * 1024;
        limits.MaxRequestBodySize = 16 * 1024;
        limits.MinRequestBodyDataRate = new MinDataRate(bytesPerSecond: 240, gracePeriod: HeaderTimeout);
        limits.MinResponseDataRate = new MinDataRate(bytesPerSecond: 240, gracePeriod: HeaderTimeout);
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
        services.AddPrometheusExporter(options);

        // Hosted services stop in reverse order: the InfluxDB writer, registered before the pollers, flushes after
        // the last snapshot has been published.
        services.AddInfluxSink(options);
        services.AddMqttSink(options);
        if (options.Console.Enabled)
        {
            services.AddSingleton<IReadingSink>(provider => new ConsoleEchoSink(consoleOutput, provider.GetRequiredService<TimeProvider>()));
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
