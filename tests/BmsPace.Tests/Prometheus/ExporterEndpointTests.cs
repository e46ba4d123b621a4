using System.Net;
using System.Text.Json;
using BmsPace.Configuration;
using Microsoft.Extensions.Time.Testing;

namespace BmsPace.Tests.Prometheus;

public sealed class ExporterEndpointTests
{
    private static BmsPaceOptions TwoBatteries() => new()
    {
        ScanInterval = TimeSpan.FromSeconds(5),
        RequestTimeout = TimeSpan.FromSeconds(2),
        RequestGap = TimeSpan.FromMilliseconds(200),
        Retries = 1,
        Batteries = [new BatteryOptions { Name = "garage" }, new BatteryOptions { Name = "shed" }],
    };

    [Fact]
    public async Task Metrics_serves_the_published_exposition_with_the_text_format_content_type()
    {
        await using var host = await ExporterHost.StartAsync(TwoBatteries());
        using var http = new HttpClient { BaseAddress = host.Address };
        await host.Sink.PublishAsync(TestSnapshots.Bank("garage", 3), CancellationToken.None);

        using var response = await http.GetAsync(new Uri("/metrics", UriKind.Relative));
        byte[] body = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType!.ToString());
        Assert.Equal((await host.Sink.GetRenderedAsync(CancellationToken.None)).Plain, body);
        Assert.Contains("pace_bms_pack_voltage_volts{battery=\"garage\",pack=\"3\"}", System.Text.Encoding.UTF8.GetString(body), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_serves_the_same_exposition_gzip_compressed_when_asked_as_Prometheus_does()
    {
        await using var host = await ExporterHost.StartAsync(TwoBatteries());
        using var http = new HttpClient { BaseAddress = host.Address };
        await host.Sink.PublishAsync(TestSnapshots.Bank("garage", 2), CancellationToken.None);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.AcceptEncoding.ParseAdd("gzip");

        using var response = await http.SendAsync(request);
        await using var gzip = new System.IO.Compression.GZipStream(await response.Content.ReadAsStreamAsync(), System.IO.Compression.CompressionMode.Decompress);
        using var plain = new MemoryStream();
        await gzip.CopyToAsync(plain);

        Assert.Equal(["gzip"], response.Content.Headers.ContentEncoding);
        Assert.Equal((await host.Sink.GetRenderedAsync(CancellationToken.None)).Plain, plain.ToArray());
    }

    [Fact]
    public async Task Metrics_before_the_first_poll_shows_every_configured_battery_down_with_its_counters_at_zero()
    {
        await using var host = await ExporterHost.StartAsync(TwoBatteries());
        using var http = new HttpClient { BaseAddress = host.Address };

        var series = Exposition.Parse(await http.GetStringAsync(new Uri("/metrics", UriKind.Relative)));

        Assert.Equal(0, series["pace_bms_up{battery=\"garage\"}"]);
        Assert.Equal(0, series["pace_bms_up{battery=\"shed\"}"]);
        Assert.Equal(0, series["pace_bms_request_failures_total{battery=\"shed\",command=\"alarm\",reason=\"timeout\"}"]);
        Assert.Equal(0, series["pace_bms_reconnects_total{battery=\"garage\"}"]);
    }

    [Theory]
    [InlineData("gzip", true)]
    [InlineData("deflate, gzip;q=0.5", true)]
    [InlineData("GZIP", true)]
    [InlineData("gzip;q=0", false)]
    [InlineData("identity", false)]
    [InlineData("", false)]
    public void Gzip_is_chosen_only_when_the_client_accepts_it(string header, bool expected) =>
        Assert.Equal(expected, BmsPace.Web.WebResponses.AcceptsGzip(header));

    [Fact]
    public async Task Landing_page_links_to_metrics_and_healthz()
    {
        await using var host = await ExporterHost.StartAsync(TwoBatteries());
        using var http = new HttpClient { BaseAddress = host.Address };

        using var response = await http.GetAsync(new Uri("/", UriKind.Relative));
        string html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType!.MediaType);
        Assert.Contains("href=\"metrics\"", html, StringComparison.Ordinal);
        Assert.Contains("href=\"healthz\"", html, StringComparison.Ordinal);
        Assert.Contains("href=\"readyz\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Healthz_is_ok_while_every_battery_publishes_and_503_once_one_falls_silent()
    {
        var time = new FakeTimeProvider(TestSnapshots.Start);
        await using var host = await ExporterHost.StartAsync(TwoBatteries(), time);
        using var http = new HttpClient { BaseAddress = host.Address };
        async Task<(HttpStatusCode Status, JsonElement Body)> HealthAsync()
        {
            using var response = await http.GetAsync(new Uri("/healthz", UriKind.Relative));
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            return (response.StatusCode, json.RootElement.Clone());
        }

        // Before any snapshot: within the start-up grace.
        Assert.Equal(HttpStatusCode.OK, (await HealthAsync()).Status);

        // window = 3 x 5 s + (2 s + 0.2 s) x 2 attempts x 4 requests = 32.6 s
        time.Advance(TimeSpan.FromSeconds(20));
        await host.Sink.PublishAsync(TestSnapshots.Bank("garage", 2, at: time.GetUtcNow()), CancellationToken.None);
        await host.Sink.PublishAsync(TestSnapshots.Bank("shed", 1, at: time.GetUtcNow()), CancellationToken.None);
        var (status, body) = await HealthAsync();
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("ok", body.GetProperty("status").GetString());
        var garage = body.GetProperty("batteries").EnumerateArray().Single(b => b.GetProperty("battery").GetString() == "garage");
        Assert.Equal(time.GetUtcNow(), garage.GetProperty("last_success").GetDateTimeOffset());
        Assert.Equal(time.GetUtcNow(), garage.GetProperty("packs").GetProperty("2").GetDateTimeOffset());
        Assert.Equal(32.6, garage.GetProperty("window_seconds").GetDouble(), 6);

        time.Advance(TimeSpan.FromSeconds(30));
        await host.Sink.PublishAsync(TestSnapshots.Bank("garage", 2, at: time.GetUtcNow()), CancellationToken.None);
        time.Advance(TimeSpan.FromSeconds(5));
        (status, body) = await HealthAsync();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("unhealthy", body.GetProperty("status").GetString());
        var shed = body.GetProperty("batteries").EnumerateArray().Single(b => b.GetProperty("battery").GetString() == "shed");
        Assert.False(shed.GetProperty("polling").GetBoolean());
        Assert.Equal(time.GetUtcNow().AddSeconds(-35), shed.GetProperty("last_success").GetDateTimeOffset());
    }

    [Fact]
    public async Task Healthz_is_503_when_a_configured_battery_never_publishes()
    {
        var time = new FakeTimeProvider(TestSnapshots.Start);
        await using var host = await ExporterHost.StartAsync(TwoBatteries(), time);
        using var http = new HttpClient { BaseAddress = host.Address };
        await host.Sink.PublishAsync(TestSnapshots.Bank("garage", 1, at: time.GetUtcNow()), CancellationToken.None);
        time.Advance(TimeSpan.FromSeconds(33));
        await host.Sink.PublishAsync(TestSnapshots.Bank("garage", 1, at: time.GetUtcNow()), CancellationToken.None);

        using var response = await http.GetAsync(new Uri("/healthz", UriKind.Relative));
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var shed = json.RootElement.GetProperty("batteries").EnumerateArray().Single(b => b.GetProperty("battery").GetString() == "shed");
        Assert.Equal(JsonValueKind.Null, shed.GetProperty("last_snapshot").ValueKind);
    }

    [Fact]
    public async Task Readyz_tells_a_silent_battery_from_a_live_one_while_healthz_stays_ok()
    {
        var time = new FakeTimeProvider(TestSnapshots.Start);
        await using var host = await ExporterHost.StartAsync(TwoBatteries(), time);
        using var http = new HttpClient { BaseAddress = host.Address };
        async Task<(HttpStatusCode Status, string Text, Dictionary<string, string> States)> ProbeAsync(string path)
        {
            using var response = await http.GetAsync(new Uri(path, UriKind.Relative));
            Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            var states = path == "/readyz"
                ? json.RootElement.GetProperty("batteries").EnumerateArray().ToDictionary(b => b.GetProperty("battery").GetString()!, b => b.GetProperty("state").GetString()!)
                : [];
            return (response.StatusCode, json.RootElement.GetProperty("status").GetString()!, states);
        }

        var starting = await ProbeAsync("/readyz");
        Assert.Equal((HttpStatusCode.ServiceUnavailable, "not_ready"), (starting.Status, starting.Text));
        Assert.Equal(new Dictionary<string, string> { ["garage"] = "starting", ["shed"] = "starting" }, starting.States);

        // garage answers, shed is switched off: its poller still publishes, with no pack fresh.
        time.Advance(TimeSpan.FromSeconds(5));
        await host.Sink.PublishAsync(TestSnapshots.Bank("garage", 2, at: time.GetUtcNow()), CancellationToken.None);
        await host.Sink.PublishAsync(TestSnapshots.Battery("shed", [TestSnapshots.StalePack(1)], at: time.GetUtcNow()), CancellationToken.None);
        var oneLive = await ProbeAsync("/readyz");
        Assert.Equal((HttpStatusCode.OK, "ready"), (oneLive.Status, oneLive.Text));
        Assert.Equal(new Dictionary<string, string> { ["garage"] = "fresh", ["shed"] = "silent" }, oneLive.States);

        // Both off: not ready, but alive, so a container health check does not restart the exporter.
        time.Advance(TimeSpan.FromSeconds(5));
        await host.Sink.PublishAsync(TestSnapshots.Battery("garage", [TestSnapshots.StalePack(1), TestSnapshots.StalePack(2)], at: time.GetUtcNow()), CancellationToken.None);
        await host.Sink.PublishAsync(TestSnapshots.Battery("shed", [TestSnapshots.StalePack(1)], at: time.GetUtcNow()), CancellationToken.None);
        var noneLive = await ProbeAsync("/readyz");
        Assert.Equal((HttpStatusCode.ServiceUnavailable, "not_ready"), (noneLive.Status, noneLive.Text));
        Assert.Equal(new Dictionary<string, string> { ["garage"] = "silent", ["shed"] = "silent" }, noneLive.States);
        var alive = await ProbeAsync("/healthz");
        Assert.Equal((HttpStatusCode.OK, "ok"), (alive.Status, alive.Text));

        // A poller that stops publishing is stalled, even though its last cycle was fresh.
        await host.Sink.PublishAsync(TestSnapshots.Bank("garage", 2, at: time.GetUtcNow()), CancellationToken.None);
        Assert.Equal(HttpStatusCode.OK, (await ProbeAsync("/readyz")).Status);
        time.Advance(TimeSpan.FromSeconds(40));
        var stalled = await ProbeAsync("/readyz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, stalled.Status);
        Assert.Equal("stalled", stalled.States["garage"]);
    }

    [Theory]
    [InlineData("/metrics")]
    [InlineData("/readyz")]
    [InlineData("/healthz")]
    [InlineData("/")]
    public async Task Head_answers_with_the_headers_of_get_and_no_body(string path)
    {
        await using var host = await ExporterHost.StartAsync(TwoBatteries());
        using var http = new HttpClient { BaseAddress = host.Address };
        await host.Sink.PublishAsync(TestSnapshots.Bank("garage", 2), CancellationToken.None);

        using var get = await http.GetAsync(new Uri(path, UriKind.Relative));
        byte[] body = await get.Content.ReadAsByteArrayAsync();
        using var head = await http.SendAsync(new HttpRequestMessage(HttpMethod.Head, path));
        byte[] headBody = await head.Content.ReadAsByteArrayAsync();

        Assert.Equal(get.StatusCode, head.StatusCode);
        Assert.Equal(get.Content.Headers.ContentType, head.Content.Headers.ContentType);
        Assert.Empty(headBody);
        if (path == "/metrics")
        {
            Assert.Equal(body.Length, head.Content.Headers.ContentLength);
        }
        else
        {
            Assert.True(head.Content.Headers.ContentLength > 0, $"HEAD {path} names no length");
        }
    }
}
