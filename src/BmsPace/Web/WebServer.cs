using BmsPace.Configuration;
using BmsPace.Polling;
using BmsPace.Web.Status;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace BmsPace.Web;

/// <summary>
/// The web host: Kestrel on the listen address, the web configuration file's TLS and basic auth in front of every
/// route, the connection limits, and the endpoints every <see cref="IWebEndpoints"/> part registers (the status page,
/// health, and <c>/metrics</c> when the Prometheus output is on).
/// </summary>
public static class WebServer
{
    /// <summary>
    /// How long a client may take to send its request headers (or finish a TLS handshake) before the connection is
    /// closed: a scraper sends them at once, so idle or trickling connections are dropped long before they pile up.
    /// </summary>
    internal static readonly TimeSpan HeaderTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Builds the web application; <paramref name="configure"/> adds logging and the services of the other parts.</summary>
    public static WebApplication Build(WebHostSettings settings, Action<WebApplicationBuilder> configure)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        configure(builder);
        // Handlers answer from bytes rendered beforehand and never block, so they run on the transport's own threads
        // instead of a thread-pool hop per request (see SocketEvents for the runtime's half).
        builder.WebHost.UseSockets(sockets => sockets.UnsafePreferInlineScheduling = true);
        builder.WebHost.UseKestrel(kestrel =>
        {
            LimitConnections(kestrel.Limits);
            kestrel.Listen(settings.Listen, listen =>
            {
                if (settings.WebConfig?.Tls is not null)
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
        if (settings.WebConfig is { } webConfig)
        {
            builder.Services.AddSingleton(sp => new WebConfigGuard(
                settings.WebConfigFile!, webConfig, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILoggerFactory>().CreateLogger<WebConfigGuard>()));
        }

        var app = builder.Build();
        if (settings.WebConfig is not null)
        {
            app.Use(app.Services.GetRequiredService<WebConfigGuard>().AuthenticateAsync);
        }

        app.MapWebEndpoints();
        return app;
    }

    /// <summary>
    /// The web host's own parts: liveness and readiness from the pollers' <see cref="BatteryBoard"/>, and the live
    /// status page with <c>/api/v1/status</c>. The board itself is the pollers' (see <see cref="BatteryBoardServices"/>).
    /// </summary>
    public static IServiceCollection AddWebParts(this IServiceCollection services, BmsPaceOptions options)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new ExporterHealth(
            sp.GetRequiredService<BatteryBoard>(),
            HealthPolicy.FromOptions(options),
            LabelFormatter.FromOptions(options),
            sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IWebEndpoints>(sp => new HealthEndpoints(sp.GetRequiredService<ExporterHealth>()));
        services.TryAddSingleton(sp => new StatusDocument(sp.GetRequiredService<BatteryBoard>(), options, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IWebEndpoints>(sp => new StatusEndpoints(sp.GetRequiredService<StatusDocument>(), sp.GetRequiredService<BatteryBoard>(), options.ScanInterval));
        return services;
    }

    /// <summary>Maps the routes of every registered <see cref="IWebEndpoints"/>.</summary>
    public static IEndpointRouteBuilder MapWebEndpoints(this IEndpointRouteBuilder endpoints)
    {
        foreach (var part in endpoints.ServiceProvider.GetServices<IWebEndpoints>())
        {
            part.Map(endpoints);
        }

        return endpoints;
    }

    /// <summary>
    /// Kestrel limits so idle and slow clients cannot starve /metrics: the endpoints take no request bodies, headers
    /// of a scrape are small, a connection silent for 20 s is closed (Kestrel times a connection that never sent a
    /// byte by the keep-alive timeout; a 15 s scrape interval still reuses its connection), and the number of open
    /// connections is bounded far below the process's descriptor limit. Live pages hold a response open (server-sent
    /// events, at most <see cref="StatusEndpoints.MaxLiveClients"/> of them): such a connection is busy, not idle, so
    /// the keep-alive timeout does not apply, and it stays well inside the connection bound. No route upgrades a
    /// connection; the bound on upgraded connections is there for a part that will.
    /// </summary>
    internal static void LimitConnections(KestrelServerLimits limits)
    {
        limits.MaxConcurrentConnections = 1024;
        limits.MaxConcurrentUpgradedConnections = 256;
        limits.RequestHeadersTimeout = HeaderTimeout;
        limits.KeepAliveTimeout = TimeSpan.FromSeconds(20);
        limits.MaxRequestHeadersTotalSize = 16 * 1024;
        limits.MaxRequestHeaderCount = 50;
        limits.MaxRequestLineSize = 4 * 1024;
        limits.MaxRequestBodySize = 16 * 1024;
        limits.MinRequestBodyDataRate = new MinDataRate(bytesPerSecond: 240, gracePeriod: HeaderTimeout);
        limits.MinResponseDataRate = new MinDataRate(bytesPerSecond: 240, gracePeriod: HeaderTimeout);
    }
}
