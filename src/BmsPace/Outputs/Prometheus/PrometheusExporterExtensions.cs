using System.Reflection;
using System.Text;
using BmsPace.Configuration;
using BmsPace.Polling;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Primitives;
using Prometheus;

namespace BmsPace.Outputs.Prometheus;

/// <summary>Wiring of the Prometheus exporter: services and the HTTP endpoints (/metrics, /, /healthz).</summary>
public static class PrometheusExporterExtensions
{
    /// <summary>Room for the largest exposition (16 packs x 16 cells is about 200 KB) with margin.</summary>
    private const long ResponseBufferBytes = 1024 * 1024;

    private static readonly byte[] LandingPage = Encoding.UTF8.GetBytes(
        """
        <!DOCTYPE html>
        <html lang="en">
        <head><meta charset="utf-8"><title>BmsPace exporter</title></head>
        <body>
        <h1>BmsPace exporter</h1>
        <p>PACE battery BMS readings for Prometheus.</p>
        <ul>
        <li><a href="metrics">/metrics</a>: the exposition (the values of the last poll cycle)</li>
        <li><a href="healthz">/healthz</a>: liveness, whether every poller is running, as JSON</li>
        <li><a href="readyz">/readyz</a>: readiness, whether at least one battery has fresh data, as JSON</li>
        </ul>
        </body>
        </html>

        """);

    /// <summary>
    /// Registers a dedicated <see cref="CollectorRegistry"/> (no process or runtime collectors, so a scrape reads
    /// nothing from /proc), the <see cref="PrometheusSink"/> (also as an <see cref="IReadingSink"/>) and
    /// <see cref="ExporterHealth"/>. Other parts may add collectors to the registry singleton; a scrape shows them
    /// at most <see cref="PrometheusSink.CacheLifetime"/> late.
    /// </summary>
    public static IServiceCollection AddPrometheusExporter(this IServiceCollection services, BmsPaceOptions options)
    {
        // A 16-pack exposition is about 200 KB: with Kestrel's default 64 KB response buffer every scrape would wait
        // on several socket flushes; one buffer that holds the whole body lets it go out in one write.
        services.Configure<KestrelServerOptions>(kestrel =>
        {
            if (kestrel.Limits.MaxResponseBufferSize is { } limit && limit < ResponseBufferBytes)
            {
                kestrel.Limits.MaxResponseBufferSize = ResponseBufferBytes;
            }
        });
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(_ => Metrics.NewCustomRegistry());
        services.TryAddSingleton(sp => new PrometheusSink(
            sp.GetRequiredService<CollectorRegistry>(),
            LabelFormatter.FromOptions(options),
            ExporterVersion,
            sp.GetRequiredService<TimeProvider>(),
            options.Batteries.Select(b => b.Name)));
        services.AddSingleton<IReadingSink>(sp => sp.GetRequiredService<PrometheusSink>());
        services.TryAddSingleton(sp => new ExporterHealth(
            sp.GetRequiredService<PrometheusSink>(),
            HealthPolicy.FromOptions(options),
            sp.GetRequiredService<TimeProvider>()));
        return services;
    }

    /// <summary>
    /// Maps <c>/metrics</c> (the exposition), <c>/</c> (landing page), <c>/healthz</c> (liveness: every poller runs,
    /// whatever its battery says) and <c>/readyz</c> (readiness: at least one battery has fresh data), each for GET and HEAD.
    /// </summary>
    public static IEndpointRouteBuilder MapBmsPaceEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var sink = endpoints.ServiceProvider.GetRequiredService<PrometheusSink>();
        var health = endpoints.ServiceProvider.GetRequiredService<ExporterHealth>();
        endpoints.MapMethods("/metrics", GetAndHead, context => WriteMetricsAsync(context, sink));
        endpoints.MapMethods("/", GetAndHead, context => WriteAsync(context, "text/html; charset=utf-8", ValueTask.FromResult<ReadOnlyMemory<byte>>(LandingPage)));
        endpoints.MapMethods("/healthz", GetAndHead, context =>
        {
            bool healthy = health.IsHealthy(out byte[] body);
            context.Response.StatusCode = healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
            return WriteAsync(context, "application/json; charset=utf-8", ValueTask.FromResult<ReadOnlyMemory<byte>>(body));
        });
        endpoints.MapMethods("/readyz", GetAndHead, context =>
        {
            bool ready = health.IsReady(out byte[] body);
            context.Response.StatusCode = ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
            return WriteAsync(context, "application/json; charset=utf-8", ValueTask.FromResult<ReadOnlyMemory<byte>>(body));
        });
        return endpoints;
    }

    private static readonly string[] GetAndHead = [HttpMethods.Get, HttpMethods.Head];

    /// <summary>The version label of <c>pace_bms_exporter_build_info</c>: the informational version without the commit suffix.</summary>
    public static string ExporterVersion { get; } = PrometheusSink.FormatVersion(
        typeof(PrometheusSink).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion);

    private static async Task WriteMetricsAsync(HttpContext context, PrometheusSink sink)
    {
        var rendered = await sink.GetRenderedAsync(context.RequestAborted);
        var response = context.Response;
        response.Headers.Vary = "Accept-Encoding";
        if (AcceptsGzip(context.Request.Headers.AcceptEncoding))
        {
            response.Headers.ContentEncoding = "gzip";
            await WriteAsync(context, PrometheusSink.ContentType, ValueTask.FromResult<ReadOnlyMemory<byte>>(rendered.Gzip));
        }
        else
        {
            await WriteAsync(context, PrometheusSink.ContentType, ValueTask.FromResult<ReadOnlyMemory<byte>>(rendered.Plain));
        }
    }

    /// <summary>True when the client lists gzip without q=0 (Prometheus sends <c>Accept-Encoding: gzip</c>).</summary>
    internal static bool AcceptsGzip(StringValues acceptEncoding)
    {
        foreach (string? header in acceptEncoding)
        {
            foreach (string coding in (header ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                string[] parts = coding.Split(';', StringSplitOptions.TrimEntries);
                if (parts[0].Equals("gzip", StringComparison.OrdinalIgnoreCase))
                {
                    return !parts.Skip(1).Any(p => p.Replace(" ", "", StringComparison.Ordinal) is "q=0" or "q=0.0" or "q=0.00" or "q=0.000");
                }
            }
        }

        return false;
    }

    private static async Task WriteAsync(HttpContext context, string contentType, ValueTask<ReadOnlyMemory<byte>> pendingBody)
    {
        var body = await pendingBody;
        var response = context.Response;
        response.ContentType = contentType;
        response.ContentLength = body.Length;
        response.Headers.CacheControl = "no-store";
        if (HttpMethods.IsHead(context.Request.Method))
        {
            // HEAD answers with the headers GET would send, Content-Length included, and no body.
            return;
        }

        // One buffer of the body's size: Kestrel then sends it in one piece instead of a chain of 4 KB pool blocks.
        var writer = response.BodyWriter;
        body.Span.CopyTo(writer.GetSpan(body.Length));
        writer.Advance(body.Length);
        await writer.FlushAsync(context.RequestAborted);
    }
}
