using BmsPace.Configuration;
using BmsPace.Outputs.Influx;
using Prometheus;

namespace BmsPace.Tests.Influx;

/// <summary>The v2 write API (<c>/api/v2/write?org=&amp;bucket=</c> with a Token header) against a real VictoriaMetrics.</summary>
public class VictoriaMetricsV2Tests
{
    [Fact]
    public async Task V2Endpoint_DeliversPointsThatReadBack()
    {
        await using var server = await VictoriaMetricsServer.StartAsync();
        var registry = Metrics.NewCustomRegistry();
        var logger = new CapturingLogger<InfluxSink>();
        var options = new InfluxDbOptions
        {
            Enabled = true,
            Url = server.Url,
            Api = InfluxApi.V2,
            Org = "home",
            Bucket = "bms",
            Token = new Secret("vm-token-abc"),
            Precision = "ms",
            Gzip = true,
        };
        await using var sink = new InfluxSink(options, TimeSpan.FromSeconds(5), new LabelFormatter(0, 0), registry, logger);
        var snapshots = new[] { TestSnapshots.Cycle("garage", 0), TestSnapshots.Cycle("garage", 1) };

        foreach (var snapshot in snapshots)
        {
            await sink.PublishAsync(snapshot, CancellationToken.None);
        }

        Assert.True(await sink.FlushAsync(CancellationToken.None), logger.AllText);

        // VictoriaMetrics names an Influx field <measurement>_<field> and keeps the tags as labels.
        var voltage = await server.ExportAsync("{__name__=\"pace_bms_pack_voltage_volts\"}", expectedSeries: 2);
        Assert.Equal(2, voltage.Count);
        foreach (var (labels, values, timestamps) in voltage)
        {
            Assert.Equal("garage", labels["battery"]);
            int pack = int.Parse(labels["pack"], System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(snapshots.Select(s => s.Packs[pack - 1].Analog!.VoltageVolts), values);
            Assert.Equal(snapshots.Select(s => s.Timestamp.ToUnixTimeMilliseconds()), timestamps);
        }

        var cells = await server.ExportAsync("{__name__=\"pace_bms_cell_voltage_volts\"}", expectedSeries: 32);
        Assert.Equal(32, cells.Count);
        var cell7 = Assert.Single(cells, s => s.Labels["pack"] == "2" && s.Labels["cell"] == "7");
        Assert.Equal(snapshots.Select(s => s.Packs[1].Analog!.CellVoltagesVolts[6]), cell7.Values);

        var cycleCount = Assert.Single(await server.ExportAsync("{__name__=\"pace_bms_pack_cycle_count\",pack=\"1\"}", expectedSeries: 1));
        Assert.Equal([141.0, 141.0], cycleCount.Values);
        Assert.DoesNotContain("vm-token-abc", logger.AllText, StringComparison.Ordinal);
    }
}
