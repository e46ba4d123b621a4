using System.Text;
using BmsPace.Configuration;
using BmsPace.Polling;
using BmsPace.Outputs.Prometheus;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Prometheus;

namespace BmsPace.Tests.Prometheus;

public sealed class PrometheusWiringTests
{
    [Fact]
    public async Task The_registry_singleton_is_shared_so_other_parts_can_add_collectors_to_metrics_and_a_scrape_shows_them_within_the_cache_lifetime()
    {
        var time = new FakeTimeProvider(TestSnapshots.Start);
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(time);
        services.AddPrometheusExporter(new BmsPaceOptions { ZeroPadNumberPacks = 2 });
        await using var provider = services.BuildServiceProvider();
        var sink = provider.GetRequiredService<PrometheusSink>();

        Assert.Same(sink, Assert.Single(provider.GetServices<IReadingSink>()));

        var influxWrites = Metrics.WithCustomRegistry(provider.GetRequiredService<CollectorRegistry>())
            .CreateCounter("pace_bms_test_influx_writes_total", "A collector another part adds.");
        influxWrites.Inc(3);
        await provider.GetRequiredService<IReadingSink>().PublishAsync(TestSnapshots.Bank("main", 1), CancellationToken.None);
        string text = Encoding.UTF8.GetString((await sink.GetRenderedAsync(CancellationToken.None)).Plain);

        Assert.Contains("pace_bms_test_influx_writes_total 3", text, StringComparison.Ordinal);
        Assert.Contains("pace_bms_pack_up{battery=\"main\",pack=\"01\"} 1", text, StringComparison.Ordinal);
        Assert.Contains($"pace_bms_exporter_build_info{{version=\"{PrometheusExporterExtensions.ExporterVersion}\"}} 1", text, StringComparison.Ordinal);
        Assert.DoesNotContain("process_", text, StringComparison.Ordinal);
        Assert.DoesNotContain("dotnet_", text, StringComparison.Ordinal);

        // A collector another part owns marks no change: the rendering is served until its lifetime ends.
        influxWrites.Inc(2);
        Assert.Contains("pace_bms_test_influx_writes_total 3", Encoding.UTF8.GetString((await sink.GetRenderedAsync(CancellationToken.None)).Plain), StringComparison.Ordinal);
        time.Advance(PrometheusSink.CacheLifetime);
        Assert.Contains("pace_bms_test_influx_writes_total 5", Encoding.UTF8.GetString((await sink.GetRenderedAsync(CancellationToken.None)).Plain), StringComparison.Ordinal);
    }
}
