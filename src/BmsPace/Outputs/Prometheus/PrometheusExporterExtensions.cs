using System.Reflection;
using BmsPace.Configuration;
using BmsPace.Polling;
using BmsPace.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Prometheus;

namespace BmsPace.Outputs.Prometheus;

/// <summary>Wiring of the Prometheus exporter: the sink, its registry, and its one endpoint on the web host.</summary>
public static class PrometheusExporterExtensions
{
    /// <summary>Room for the largest exposition (16 packs x 16 cells is about 200 KB) with margin.</summary>
    private const long ResponseBufferBytes = 1024 * 1024;

    /// <summary>
    /// Registers a dedicated <see cref="CollectorRegistry"/> (no process or runtime collectors, so a scrape reads
    /// nothing from /proc), the <see cref="PrometheusSink"/> (also as an <see cref="IReadingSink"/>) and
    /// the <c>/metrics</c> endpoint of the web host. Other parts may add collectors to the registry singleton; a scrape shows them
    /// at most <see cref="PrometheusSink.CacheLifetime"/> late.
    /// </summary>
    public static IServiceCollection AddPrometheusExporter(this IServiceCollection services, BmsPaceOptions options)
    {
        if (!options.Prometheus.Enabled)
        {
            return services;
        }

        // A 16-pack exposition is about 200 KB: with Kestrel's default 64 KB response buffer every scrape would wait
        // on several socket flushes; one buffer that holds the whole body lets it go out in one write.
        services.Configure<KestrelServerOptions>(kestrel =>
        {
            if (kestrel.Limits.MaxResponseBufferSize is { } limit && limit < ResponseBufferBytes)
            {
                kestrel.Limits.MaxResponseBufferSize = ResponseBufferBytes;
            }
        });
        services.TryAddSingleton(_ => Metrics.NewCustomRegistry());
        services.AddSink<PrometheusSink>(enabled: true, parts => new PrometheusSink(
            parts.Registry, LabelFormatter.FromOptions(options), ExporterVersion, parts.Time, options.Batteries.Select(b => b.Name)));
        services.AddSingleton<IWebEndpoints>(sp => new MetricsEndpoint(sp.GetRequiredService<PrometheusSink>()));
        return services;
    }

    /// <summary>The version label of <c>pace_bms_exporter_build_info</c>: the informational version without the commit suffix.</summary>
    public static string ExporterVersion { get; } = PrometheusSink.FormatVersion(
        typeof(PrometheusSink).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion);
}

/// <summary><c>/metrics</c> on the web host, for GET and HEAD: the exposition, gzip-compressed when the scraper asks.</summary>
internal sealed class MetricsEndpoint(PrometheusSink sink) : IWebEndpoints
{
    public void Map(IEndpointRouteBuilder endpoints) =>
        endpoints.MapMethods("/metrics", WebResponses.GetAndHead, WriteMetricsAsync);

    private async Task WriteMetricsAsync(HttpContext context)
    {
        var rendered = await sink.GetRenderedAsync(context.RequestAborted);
        context.Response.Headers.Vary = "Accept-Encoding";
        if (WebResponses.AcceptsGzip(context.Request.Headers.AcceptEncoding))
        {
            context.Response.Headers.ContentEncoding = "gzip";
            await WebResponses.WriteAsync(context, PrometheusSink.ContentType, rendered.Gzip);
        }
        else
        {
            await WebResponses.WriteAsync(context, PrometheusSink.ContentType, rendered.Plain);
        }
    }
}
