using System.IO.Compression;
using System.Net;
using System.Text;
using BmsPace.Configuration;
using BmsPace.Outputs.Influx;

namespace BmsPace.Tests.Influx;

/// <summary>
/// The exact request the writer sends, seen by a recording HTTP listener on loopback. The real servers prove the lines
/// are stored; this proves the headers they do not check (VictoriaMetrics ignores the token, InfluxDB takes both bodies).
/// </summary>
public class RequestShapeTests
{
    private static readonly string[] Lines = ["m,t=1 v=1.0 1000", "m,t=2 v=2.5 1000"];

    [Fact]
    public async Task V2_PostsToApiV2Write_WithTokenHeaderAndGzipBody()
    {
        await using var server = RecordingServer.Start();
        var options = new InfluxDbOptions
        {
            Url = new Uri(server.Url, "/prefix/"),
            Api = InfluxApi.V2,
            Org = "my org",
            Bucket = "bms/autogen",
            Token = new Secret("tok-123"),
            Gzip = true,
        };
        using var writer = new InfluxHttpWriter(options, InfluxPrecision.Microseconds);

        var result = await writer.WriteAsync(Lines, CancellationToken.None);

        Assert.Equal(WriteStatus.Written, result.Status);
        var request = Assert.Single(server.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/prefix/api/v2/write?org=my%20org&bucket=bms%2Fautogen&precision=us", request.PathAndQuery);
        Assert.Equal("Token tok-123", request.Headers["Authorization"]);
        Assert.Equal("gzip", request.Headers["Content-Encoding"]);
        Assert.Equal("text/plain; charset=utf-8", request.Headers["Content-Type"]);
        Assert.Equal("m,t=1 v=1.0 1000\nm,t=2 v=2.5 1000\n", Gunzip(request.Body));
        Assert.Equal($"{server.Url}prefix/api/v2/write", writer.SafeUrl);
    }

    [Fact]
    public async Task V1_PostsToWrite_WithBasicAuthAndPlainBody()
    {
        await using var server = RecordingServer.Start();
        var options = new InfluxDbOptions
        {
            Url = server.Url,
            Api = InfluxApi.V1,
            Database = "bms",
            RetentionPolicy = "one year",
            Username = "writer",
            Password = new Secret("p@ss:word"),
            Gzip = false,
        };
        using var writer = new InfluxHttpWriter(options, InfluxPrecision.Nanoseconds);

        await writer.WriteAsync(Lines, CancellationToken.None);

        var request = Assert.Single(server.Requests);
        Assert.Equal("/write?db=bms&rp=one%20year&precision=n", request.PathAndQuery);
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("writer:p@ss:word")), request.Headers["Authorization"]);
        Assert.Null(request.Headers["Content-Encoding"]);
        Assert.Equal("m,t=1 v=1.0 1000\nm,t=2 v=2.5 1000\n", Encoding.UTF8.GetString(request.Body));
        Assert.DoesNotContain("p@ss", writer.SafeUrl, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoCredentials_SendNoAuthorizationHeader()
    {
        await using var server = RecordingServer.Start();
        using var writer = new InfluxHttpWriter(new InfluxDbOptions { Url = server.Url, Api = InfluxApi.V2 }, InfluxPrecision.Milliseconds);

        await writer.WriteAsync(Lines, CancellationToken.None);

        Assert.Null(Assert.Single(server.Requests).Headers["Authorization"]);
    }

    [Fact]
    public async Task AV2ErrorBody_GivesItsMessage()
    {
        await using var server = RecordingServer.Start(HttpStatusCode.NotFound, "{\"code\":\"not found\",\"message\":\"bucket \\\"bms\\\" not found\"}");
        using var writer = new InfluxHttpWriter(new InfluxDbOptions { Url = server.Url, Api = InfluxApi.V2 }, InfluxPrecision.Milliseconds);

        var result = await writer.WriteAsync(Lines, CancellationToken.None);

        Assert.Equal(WriteStatus.Retry, result.Status);
        Assert.Equal("not_found", result.Reason);
        Assert.Equal("bucket \"bms\" not found", result.Message);
    }

    private static string Gunzip(byte[] body)
    {
        using var input = new GZipStream(new MemoryStream(body), CompressionMode.Decompress);
        using var reader = new StreamReader(input, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    private sealed record RecordedRequest(string Method, string PathAndQuery, System.Collections.Specialized.NameValueCollection Headers, byte[] Body);

    /// <summary>An HttpListener on a free loopback port that records each request and answers with a fixed status.</summary>
    private sealed class RecordingServer : IAsyncDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly List<RecordedRequest> _requests = [];
        private readonly Task _loop;

        private RecordingServer(HttpStatusCode status, string body)
        {
            int port = ServerProcess.FreePort();
            Url = new Uri($"http://127.0.0.1:{port}/");
            _listener.Prefixes.Add(Url.ToString());
            _listener.Start();
            _loop = Task.Run(() => ServeAsync(status, body));
        }

        public Uri Url { get; }

        public IReadOnlyList<RecordedRequest> Requests
        {
            get
            {
                lock (_requests)
                {
                    return [.. _requests];
                }
            }
        }

        public static RecordingServer Start(HttpStatusCode status = HttpStatusCode.NoContent, string body = "") => new(status, body);

        public async ValueTask DisposeAsync()
        {
            _listener.Stop();
            _listener.Close();
            try
            {
                await _loop;
            }
            catch (HttpListenerException)
            {
                // The listener was stopped while waiting for a request.
            }
            catch (ObjectDisposedException)
            {
                // Likewise.
            }
        }

        private async Task ServeAsync(HttpStatusCode status, string body)
        {
            while (_listener.IsListening)
            {
                var context = await _listener.GetContextAsync();
                using var content = new MemoryStream();
                await context.Request.InputStream.CopyToAsync(content);
                lock (_requests)
                {
                    _requests.Add(new RecordedRequest(context.Request.HttpMethod, context.Request.RawUrl ?? "", context.Request.Headers, content.ToArray()));
                }

                context.Response.StatusCode = (int)status;
                byte[] answer = Encoding.UTF8.GetBytes(body);
                if (answer.Length > 0)
                {
                    context.Response.ContentType = "application/json";
                    await context.Response.OutputStream.WriteAsync(answer);
                }

                context.Response.Close();
            }
        }
    }
}
