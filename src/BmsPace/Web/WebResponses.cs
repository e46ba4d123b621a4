using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace BmsPace.Web;

/// <summary>How every endpoint of the web host answers: one buffer, an exact length, HEAD without a body.</summary>
public static class WebResponses
{
    public static readonly string[] GetAndHead = [HttpMethods.Get, HttpMethods.Head];

    public const string Json = "application/json; charset=utf-8";

    /// <summary>True when the client lists gzip without q=0 (Prometheus and browsers send <c>Accept-Encoding: gzip</c>).</summary>
    public static bool AcceptsGzip(StringValues acceptEncoding)
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

    /// <summary>True when the request's If-None-Match names <paramref name="etag"/> (or is <c>*</c>).</summary>
    public static bool Matches(HttpRequest request, string etag)
    {
        foreach (string? header in request.Headers.IfNoneMatch)
        {
            foreach (string tag in (header ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (tag == "*" || tag == etag || tag == "W/" + etag)
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>Writes <paramref name="body"/> whole with its length and <c>Cache-Control: no-store</c> unless the caller set one.</summary>
    public static async Task WriteAsync(HttpContext context, string contentType, ReadOnlyMemory<byte> body)
    {
        var response = context.Response;
        response.ContentType = contentType;
        response.ContentLength = body.Length;
        if (!response.Headers.ContainsKey("Cache-Control"))
        {
            response.Headers.CacheControl = "no-store";
        }

        if (HttpMethods.IsHead(context.Request.Method))
        {
            // HEAD answers with the headers GET would send, Content-Length included, and no body.
            return;
        }

        // Headers first: a span asked for before them is a side buffer Kestrel copies again when it writes the headers.
        // After them the body goes straight into the output pipe, in one buffer of the body's size, and is sent with
        // the headers in one send.
        await response.StartAsync(context.RequestAborted);
        var writer = response.BodyWriter;
        body.Span.CopyTo(writer.GetSpan(body.Length));
        writer.Advance(body.Length);
        await writer.FlushAsync(context.RequestAborted);
    }
}
