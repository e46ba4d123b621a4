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
        Assert.Equal((await host.Sink.GetExpositionAsync(CancellationToken.None)).ToArray(), body);
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
        Assert.Equal((await host.Sink.GetExpositionAsync(CancellationToken.None)).ToArray(), plain.ToArray());
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
        Assert.Equal(expected, BmsPace.Sinks.Prometheus.PrometheusExporterExtensions.AcceptsGzip(header));

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
}
