using BmsPace.Configuration;
using BmsPace.Polling;
using BmsPace.Outputs.Influx;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Prometheus;

namespace BmsPace.Tests.Influx;

public class InfluxServiceCollectionTests
{
    [Fact]
    public async Task Enabled_RegistersOneSinkAsReadingSinkAndHostedService_ThatWritesOnShutdown()
    {
        await using var server = await InfluxDbServer.StartAsync();
        await server.CreateDatabaseAsync("bms");
        var registry = Metrics.NewCustomRegistry();
        var options = new BmsPaceOptions
        {
            ZeroPadNumberPacks = 2,
            InfluxDb = new InfluxDbOptions { Enabled = true, Url = server.Url, Api = InfluxApi.V1, Database = "bms", FlushInterval = TimeSpan.FromHours(1) },
        };
        var services = new ServiceCollection().AddLogging().AddSingleton(registry);

        services.AddInfluxSink(options);

        await using var provider = services.BuildServiceProvider();
        var sink = Assert.Single(provider.GetServices<IReadingSink>());
        var hosted = Assert.Single(provider.GetServices<IHostedService>());
        Assert.Same(sink, hosted);
        Assert.Same(sink, provider.GetRequiredService<InfluxSink>());

        await hosted.StartAsync(CancellationToken.None);
        await sink.PublishAsync(TestSnapshots.Cycle("garage", 0), CancellationToken.None);
        await hosted.StopAsync(CancellationToken.None);

        var packs = await server.SelectAsync("SELECT voltage_volts, pack FROM pace_bms_pack", "bms");
        Assert.Equal(["01", "02"], packs.Select(r => r["pack"].GetString()).Order(StringComparer.Ordinal));
        Assert.Equal(2 * TestSnapshots.PointsPerPack(), await MetricReader.ValueAsync(registry, "pace_bms_influxdb_points_written_total"));
    }

    [Fact]
    public void Disabled_RegistersNothing()
    {
        var services = new ServiceCollection();

        services.AddInfluxSink(new BmsPaceOptions());

        Assert.Empty(services);
    }
}
