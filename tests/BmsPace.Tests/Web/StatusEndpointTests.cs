using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using BmsPace.Tests.Influx;
using BmsPace.Tests.Prometheus;

namespace BmsPace.Tests.Web;

/// <summary>
/// The status page's endpoints over HTTP against the real host reading three simulated PACE packs and a simulated
/// Seplos battery over TCP: HEAD, and many live pages held open beside a scrape.
/// </summary>
public sealed class StatusEndpointTests
{
    [Fact]
    public async Task Head_on_the_page_answers_the_headers_get_would_send_with_the_same_etag_and_no_body_plain_and_gzip()
    {
        await using var rig = await StatusPageRig.StartAsync();
        using var http = new HttpClient(new HttpClientHandler { AutomaticDecompression = DecompressionMethods.None }) { BaseAddress = rig.Address };
        foreach (bool gzip in new[] { false, true })
        {
            using var get = await GetAsync(http, "", gzip);
            byte[] body = await get.Content.ReadAsByteArrayAsync();
            var head = await RawHeadAsync(rig.Port, "/", gzip);

            Assert.Equal(HttpStatusCode.OK, get.StatusCode);
            Assert.Equal(200, head.Status);
            Assert.Empty(head.Body);
            Assert.Equal(get.Headers.ETag!.ToString(), head.Headers["etag"]);
            Assert.Equal(body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), head.Headers["content-length"]);
            Assert.Equal(get.Content.Headers.ContentType!.ToString(), head.Headers["content-type"]);
            Assert.Equal("no-cache", head.Headers["cache-control"]);
            Assert.Equal(gzip ? "gzip" : null, head.Headers.GetValueOrDefault("content-encoding"));
            string html = Encoding.UTF8.GetString(gzip ? Gunzip(body) : body);
            Assert.Contains("status.js", html, StringComparison.Ordinal);

            // The same entity tag on HEAD revalidates to 304 as GET does.
            var unchanged = await RawHeadAsync(rig.Port, "/", gzip, ifNoneMatch: head.Headers["etag"]);
            Assert.Equal(304, unchanged.Status);
            Assert.Empty(unchanged.Body);
        }
    }

    [Fact]
    public async Task Head_on_the_status_json_answers_the_headers_of_the_same_snapshot_get_would_send_and_no_body()
    {
        await using var rig = await StatusPageRig.StartAsync();
        using var http = new HttpClient(new HttpClientHandler { AutomaticDecompression = DecompressionMethods.None }) { BaseAddress = rig.Address };
        await Eventually.TrueAsync(
            async () => JsonDocument.Parse(await http.GetStringAsync("api/v1/status")).RootElement.GetProperty("batteries").EnumerateArray().All(b => b.GetProperty("state").GetString() == "fresh"),
            "both batteries fresh");

        // A new snapshot every scan changes the entity tag: HEAD is compared with GETs on either side of it that saw
        // the same snapshot.
        RawResponse? head = null;
        HttpResponseMessage? get = null;
        byte[] body = [];
        for (int attempt = 0; attempt < 20 && head is null; attempt++)
        {
            using var before = await GetAsync(http, "api/v1/status", gzip: false);
            var candidate = await RawHeadAsync(rig.Port, "/api/v1/status", gzip: false);
            var after = await GetAsync(http, "api/v1/status", gzip: false);
            if (before.Headers.ETag!.ToString() == after.Headers.ETag!.ToString())
            {
                head = candidate;
                get = after;
                body = await after.Content.ReadAsByteArrayAsync();
            }
            else
            {
                after.Dispose();
            }
        }

        Assert.NotNull(head);
        using (get)
        {
            Assert.Equal(200, head.Status);
            Assert.Empty(head.Body);
            Assert.Equal(get!.Headers.ETag!.ToString(), head.Headers["etag"]);
            Assert.Equal(body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), head.Headers["content-length"]);
            Assert.Equal("application/json; charset=utf-8", head.Headers["content-type"]);
            Assert.Equal(get.Content.Headers.ContentType!.ToString(), head.Headers["content-type"]);
            Assert.Equal("no-cache", head.Headers["cache-control"]);
            Assert.Equal(2, JsonDocument.Parse(body).RootElement.GetProperty("batteries").GetArrayLength());
        }

        // HEAD with the current tag: 304 until the next snapshot (retried if one came in between).
        await Eventually.TrueAsync(
            async () =>
            {
                using var current = await GetAsync(http, "api/v1/status", gzip: false);
                var revalidated = await RawHeadAsync(rig.Port, "/api/v1/status", gzip: false, ifNoneMatch: current.Headers.ETag!.ToString());
                Assert.Empty(revalidated.Body);
                return revalidated.Status == 304;
            },
            "HEAD with the current entity tag answered 304");
    }

    [Fact]
    public async Task A_hundred_open_live_pages_do_not_starve_metrics_a_scrape_answers_in_full_and_every_page_stays_live()
    {
        await using var rig = await StatusPageRig.StartAsync();
        using var http = new HttpClient(new HttpClientHandler { AutomaticDecompression = DecompressionMethods.None }) { BaseAddress = rig.Address, Timeout = TimeSpan.FromSeconds(60) };
        await Eventually.TrueAsync(
            async () => JsonDocument.Parse(await http.GetStringAsync("api/v1/status")).RootElement.GetProperty("batteries").EnumerateArray().All(b => b.GetProperty("state").GetString() == "fresh"),
            "both batteries fresh");

        await using var pages = LiveClients.Open(new Uri(rig.Address, "api/v1/events"), 100);
        await pages.EveryOneGotAnotherAsync(null, TimeSpan.FromSeconds(60));
        Assert.Empty(pages.Refused());
        var seen = pages.StatusEvents();

        // A scrape as Prometheus sends it, with a generous timeout: it must be answered, whole and right.
        using var request = new HttpRequestMessage(HttpMethod.Get, "metrics");
        request.Headers.AcceptEncoding.ParseAdd("gzip");
        using var scrape = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, scrape.StatusCode);
        Assert.Equal(["gzip"], scrape.Content.Headers.ContentEncoding);
        var series = Exposition.Parse(Encoding.UTF8.GetString(Gunzip(await scrape.Content.ReadAsByteArrayAsync())));
        var status = JsonDocument.Parse(await http.GetStringAsync("api/v1/status")).RootElement;
        Assert.True(status.GetProperty("metrics").GetBoolean());
        foreach (var battery in status.GetProperty("batteries").EnumerateArray())
        {
            string name = battery.GetProperty("name").GetString()!;
            Assert.Equal(1, series[$"pace_bms_up{{battery=\"{name}\"}}"]);
            Assert.Equal(battery.GetProperty("packs_decoded").GetInt32(), series[$"pace_bms_packs_decoded{{battery=\"{name}\"}}"]);
            foreach (var pack in battery.GetProperty("packs").EnumerateArray())
            {
                string labels = $"battery=\"{name}\",pack=\"{pack.GetProperty("pack").GetInt32()}\"";
                int cells = pack.GetProperty("cell_voltages_volts").GetArrayLength();
                Assert.Equal(cells, series.Named("pace_bms_cell_voltage_volts").Count(k => k.Contains(labels + ",", StringComparison.Ordinal)));
            }
        }

        Assert.Equal(3 * 16, series.Named("pace_bms_cell_voltage_volts").Count(k => k.Contains("battery=\"house\"", StringComparison.Ordinal)));

        // The pages were not dropped to make room: each gets the next snapshot too.
        await pages.EveryOneGotAnotherAsync(seen, TimeSpan.FromSeconds(60));
        Assert.Empty(pages.Ended());
    }

    private static async Task<HttpResponseMessage> GetAsync(HttpClient http, string path, bool gzip)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (gzip)
        {
            request.Headers.AcceptEncoding.ParseAdd("gzip");
        }

        return await http.SendAsync(request);
    }

    private sealed record RawResponse(int Status, Dictionary<string, string> Headers, byte[] Body);

    /// <summary>HEAD over a bare socket, read to the server's close: whatever follows the headers would be a body.</summary>
    private static async Task<RawResponse> RawHeadAsync(int port, string path, bool gzip, string? ifNoneMatch = null)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        await using var stream = client.GetStream();
        string request = $"HEAD {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n"
            + (gzip ? "Accept-Encoding: gzip\r\n" : "")
            + (ifNoneMatch is null ? "" : $"If-None-Match: {ifNoneMatch}\r\n")
            + "\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var received = new MemoryStream();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await stream.CopyToAsync(received, timeout.Token);
        byte[] bytes = received.ToArray();
        int end = bytes.AsSpan().IndexOf("\r\n\r\n"u8);
        Assert.True(end > 0, "no end of headers in: " + Encoding.ASCII.GetString(bytes));
        string[] lines = Encoding.ASCII.GetString(bytes, 0, end).Split("\r\n");
        var headers = lines.Skip(1)
            .Select(line => line.Split(':', 2))
            .ToDictionary(parts => parts[0].Trim().ToLowerInvariant(), parts => parts[1].Trim(), StringComparer.Ordinal);
        return new RawResponse(int.Parse(lines[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture), headers, bytes[(end + 4)..]);
    }

    private static byte[] Gunzip(byte[] gzip)
    {
        using var input = new GZipStream(new MemoryStream(gzip), CompressionMode.Decompress);
        using var plain = new MemoryStream();
        input.CopyTo(plain);
        return plain.ToArray();
    }
}
