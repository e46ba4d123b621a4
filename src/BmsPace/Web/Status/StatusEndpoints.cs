using BmsPace.Polling;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace BmsPace.Web.Status;

/// <summary>
/// The live status page: <c>/</c> with its style and script, <c>/api/v1/status</c> (the JSON), and
/// <c>/api/v1/events</c> (the same JSON as server-sent events, one per publication). Every path the page uses is
/// relative, so it works under any prefix a reverse proxy adds (Home Assistant ingress).
/// </summary>
internal sealed class StatusEndpoints(StatusDocument document, BatteryBoard board, TimeSpan scanInterval) : IWebEndpoints
{
    /// <summary>
    /// Live pages served at once; one more is told 503 and its page falls back to fetching the JSON once per scan.
    /// Far below Kestrel's connection bound, so scrapes always find room.
    /// </summary>
    public const int MaxLiveClients = 256;

    /// <summary>A ping event this often tells the page (and proxies) that the stream is alive while nothing changes.</summary>
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(15);

    /// <summary>
    /// After a publication, a short wait lets the other batteries of the same cycle in, so a live page gets one event
    /// per cycle rather than one per battery.
    /// </summary>
    private static readonly TimeSpan Gather = TimeSpan.FromMilliseconds(200);

    private static readonly byte[] Preamble = "retry: 3000\n\n"u8.ToArray();
    /// <summary>An event, not a comment: the page cannot see comments, and uses these to tell a quiet exporter from a gone one.</summary>
    private static readonly byte[] Ping = "event: ping\ndata: {}\n\n"u8.ToArray();

    private int _liveClients;
    private CancellationToken _stopping;

    public void Map(IEndpointRouteBuilder endpoints)
    {
        // Live streams end when the host stops; otherwise shutdown would wait for every open page.
        _stopping = endpoints.ServiceProvider.GetService<IHostApplicationLifetime>()?.ApplicationStopping ?? CancellationToken.None;
        foreach (var asset in StatusAssets.All)
        {
            endpoints.MapMethods(asset.Path, WebResponses.GetAndHead, context => ServeAssetAsync(context, asset));
        }

        endpoints.MapMethods("/api/v1/status", WebResponses.GetAndHead, ServeStatusAsync);
        endpoints.MapGet("/api/v1/events", StreamAsync);
    }

    private static Task ServeAssetAsync(HttpContext context, StatusAsset asset)
    {
        var response = context.Response;
        response.Headers.ETag = asset.ETag;
        response.Headers.Vary = "Accept-Encoding";
        // Revalidated on every load (a new version of the program brings a new page), answered 304 when unchanged.
        response.Headers.CacheControl = "no-cache";
        response.Headers.XContentTypeOptions = "nosniff";
        if (WebResponses.Matches(context.Request, asset.ETag))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return Task.CompletedTask;
        }

        if (WebResponses.AcceptsGzip(context.Request.Headers.AcceptEncoding))
        {
            response.Headers.ContentEncoding = "gzip";
            return WebResponses.WriteAsync(context, asset.ContentType, asset.Gzip);
        }

        return WebResponses.WriteAsync(context, asset.ContentType, asset.Plain);
    }

    private Task ServeStatusAsync(HttpContext context)
    {
        var rendering = document.Current;
        var response = context.Response;
        response.Headers.ETag = rendering.ETag;
        response.Headers.CacheControl = "no-cache";
        if (WebResponses.Matches(context.Request, rendering.ETag))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return Task.CompletedTask;
        }

        return WebResponses.WriteAsync(context, WebResponses.Json, rendering.Json);
    }

    /// <summary>
    /// The current status at once, then each new one as it is published (gathered per cycle), with a ping event
    /// while nothing changes. A client that reads too slowly is dropped by Kestrel's minimum data rate.
    /// </summary>
    private async Task StreamAsync(HttpContext context)
    {
        var response = context.Response;
        if (Interlocked.Increment(ref _liveClients) > MaxLiveClients)
        {
            Interlocked.Decrement(ref _liveClients);
            response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            response.Headers.RetryAfter = ((int)Math.Ceiling(scanInterval.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return;
        }

        using var ended = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping);
        var aborted = ended.Token;
        try
        {
            response.ContentType = "text/event-stream; charset=utf-8";
            response.Headers.CacheControl = "no-store";
            // nginx (and the proxies built on it) would otherwise hold events back in its buffer.
            response.Headers["X-Accel-Buffering"] = "no";
            await response.Body.WriteAsync(Preamble, aborted);
            long sent = -1;
            while (!aborted.IsCancellationRequested)
            {
                // Taken before the rendering, so a publication between the two is never missed.
                var next = board.NextChange;
                var rendering = document.Current;
                if (rendering.Version != sent)
                {
                    await response.Body.WriteAsync(rendering.Event, aborted);
                    sent = rendering.Version;
                }

                await response.Body.FlushAsync(aborted);
                try
                {
                    await next.WaitAsync(Heartbeat, aborted);
                    await Task.Delay(Gather, aborted);
                }
                catch (TimeoutException)
                {
                    await response.Body.WriteAsync(Ping, aborted);
                }
            }
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The page went away.
        }
        catch (IOException) when (aborted.IsCancellationRequested)
        {
        }
        finally
        {
            Interlocked.Decrement(ref _liveClients);
        }
    }
}
