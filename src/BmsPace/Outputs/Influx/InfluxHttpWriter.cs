using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using BmsPace.Configuration;

namespace BmsPace.Outputs.Influx;

/// <summary>How one write request ended.</summary>
internal enum WriteStatus
{
    /// <summary>2xx: every line was stored.</summary>
    Written,

    /// <summary>400: the server refused some or all lines; sending them again cannot help.</summary>
    Rejected,

    /// <summary>The batch may succeed later (server down, credentials or database being fixed).</summary>
    Retry,

    /// <summary>413: the body was too big; send smaller batches.</summary>
    TooLarge,
}

/// <param name="Reason">The <c>reason</c> label of <c>pace_bms_influxdb_batches_failed_total</c>; empty when written.</param>
/// <param name="HttpStatus">0 when no answer arrived.</param>
/// <param name="Message">The server's own error text (or the transport error), never containing a secret.</param>
/// <param name="RejectedLines">For 400: lines the server says it dropped (<c>dropped=N</c>), or the whole batch when it does not say.</param>
internal sealed record WriteResult(WriteStatus Status, string Reason, int HttpStatus, string Message, int RejectedLines)
{
    public static WriteResult Written { get; } = new(WriteStatus.Written, "", 204, "", 0);
}

/// <summary>
/// Sends batches of lines to one InfluxDB-compatible server: v1 <c>POST /write?db=&amp;rp=&amp;precision=</c> with HTTP
/// Basic credentials, or v2 <c>POST /api/v2/write?org=&amp;bucket=&amp;precision=</c> with <c>Authorization: Token</c>.
/// </summary>
/// <remarks>Secrets travel only in the Authorization header, so <see cref="SafeUrl"/> and every message are safe to log.</remarks>
internal sealed partial class InfluxHttpWriter : IDisposable
{
    private const int MaxMessageLength = 500;
    private readonly HttpClient _client;
    private readonly AuthenticationHeaderValue? _authorization;
    private readonly bool _gzip;
    private readonly TimeSpan _timeout;

    public InfluxHttpWriter(InfluxDbOptions options, InfluxPrecision precision, HttpMessageHandler? handler = null)
    {
        Api = options.Api;
        _gzip = options.Gzip;
        _timeout = options.Timeout > TimeSpan.Zero ? options.Timeout : TimeSpan.FromSeconds(10);
        _client = handler is null
            ? new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
            : new HttpClient(handler, disposeHandler: false);
        _client.Timeout = Timeout.InfiniteTimeSpan;

        string baseUrl = options.Url.GetLeftPart(UriPartial.Path).TrimEnd('/');
        string query;
        if (options.Api == InfluxApi.V1)
        {
            query = "/write?db=" + Uri.EscapeDataString(options.Database);
            if (options.RetentionPolicy.Length > 0)
            {
                query += "&rp=" + Uri.EscapeDataString(options.RetentionPolicy);
            }

            query += "&precision=" + precision.ToV1QueryValue();
            string password = options.Password.Value;
            if (options.Username.Length > 0)
            {
                string pair = options.Username + ":" + password;
                _authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(pair)));
            }
        }
        else
        {
            query = "/api/v2/write?org=" + Uri.EscapeDataString(options.Org)
                + "&bucket=" + Uri.EscapeDataString(options.Bucket)
                + "&precision=" + precision.ToV2QueryValue();
            string token = options.Token.Value;
            if (token.Length > 0)
            {
                _authorization = new AuthenticationHeaderValue("Token", token);
            }
        }

        WriteUri = new Uri(baseUrl + query);
        var safe = new UriBuilder(WriteUri) { UserName = "", Password = "" };
        SafeUrl = safe.Uri.GetLeftPart(UriPartial.Path);
    }

    public InfluxApi Api { get; }

    public Uri WriteUri { get; }

    /// <summary>The write endpoint without query or user info, for log lines.</summary>
    public string SafeUrl { get; }

    /// <summary>Posts the lines as one request; never throws for server or network failures (they become a result).</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<WriteResult> WriteAsync(IReadOnlyList<string> lines, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, WriteUri) { Content = BuildBody(lines) };
        request.Headers.Authorization = _authorization;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_timeout);
        try
        {
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token);
            if (response.IsSuccessStatusCode)
            {
                return WriteResult.Written;
            }

            string body = await response.Content.ReadAsStringAsync(timeout.Token);
            return Classify(response.StatusCode, ErrorText(response, body), lines.Count);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new WriteResult(WriteStatus.Retry, "timeout", 0, $"no answer within {_timeout.TotalSeconds:0.###} s", 0);
        }
        catch (HttpRequestException exception)
        {
            return new WriteResult(WriteStatus.Retry, "io", 0, exception.Message, 0);
        }
    }

    public void Dispose() => _client.Dispose();

    internal static WriteResult Classify(HttpStatusCode status, string message, int lineCount)
    {
        int code = (int)status;
        return code switch
        {
            400 => new WriteResult(WriteStatus.Rejected, "bad_request", code, message, RejectedCount(message, lineCount)),
            401 => new WriteResult(WriteStatus.Retry, "unauthorized", code, message, 0),
            403 => new WriteResult(WriteStatus.Retry, "forbidden", code, message, 0),
            404 => new WriteResult(WriteStatus.Retry, "not_found", code, message, 0),
            413 => new WriteResult(WriteStatus.TooLarge, "too_large", code, message, 0),
            429 => new WriteResult(WriteStatus.Retry, "throttled", code, message, 0),
            >= 500 => new WriteResult(WriteStatus.Retry, "server_error", code, message, 0),
            _ => new WriteResult(WriteStatus.Retry, "http_error", code, message, 0),
        };
    }

    /// <summary>InfluxDB 1.x ends a partial write with <c>dropped=N</c>; otherwise count the whole batch as refused.</summary>
    private static int RejectedCount(string message, int lineCount)
    {
        var match = DroppedPattern().Match(message);
        return match.Success && int.TryParse(match.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out int dropped)
            ? Math.Min(dropped, lineCount)
            : lineCount;
    }

    /// <summary>1.x answers <c>{"error": ...}</c>, 2.x <c>{"code": ..., "message": ...}</c>; anything else is shown as sent.</summary>
    private static string ErrorText(HttpResponseMessage response, string body)
    {
        string text = body.Trim();
        if (text.StartsWith('{'))
        {
            try
            {
                using var json = JsonDocument.Parse(text);
                if (json.RootElement.ValueKind == JsonValueKind.Object)
                {
                    foreach (string name in new[] { "error", "message" })
                    {
                        if (json.RootElement.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String)
                        {
                            text = value.GetString() ?? text;
                            break;
                        }
                    }
                }
            }
            catch (JsonException)
            {
                // Not JSON after all: keep the raw text.
            }
        }

        if (text.Length == 0)
        {
            text = response.ReasonPhrase ?? ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
        }

        return text.Length > MaxMessageLength ? text[..MaxMessageLength] + "..." : text;
    }

    private ByteArrayContent BuildBody(IReadOnlyList<string> lines)
    {
        var text = new StringBuilder(lines.Count * 96);
        foreach (string line in lines)
        {
            text.Append(line).Append('\n');
        }

        byte[] raw = Encoding.UTF8.GetBytes(text.ToString());
        ByteArrayContent content;
        if (_gzip)
        {
            using var compressed = new MemoryStream(raw.Length / 4 + 64);
            using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
            {
                gzip.Write(raw);
            }

            content = new ByteArrayContent(compressed.ToArray());
            content.Headers.ContentEncoding.Add("gzip");
        }
        else
        {
            content = new ByteArrayContent(raw);
        }

        content.Headers.ContentType = new MediaTypeHeaderValue("text/plain") { CharSet = "utf-8" };
        return content;
    }

    [GeneratedRegex(@"dropped=(\d+)")]
    private static partial Regex DroppedPattern();
}
