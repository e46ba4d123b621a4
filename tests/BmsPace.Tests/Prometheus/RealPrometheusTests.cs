using System.Text;
using System.Text.RegularExpressions;
using BmsPace.Configuration;

namespace BmsPace.Tests.Prometheus;

/// <summary>An exporter fed with snapshots of two batteries, and a real Prometheus scraping it every second.</summary>
public sealed class ScrapedExporterFixture : IAsyncLifetime
{
    internal ExporterHost Exporter { get; private set; } = null!;

    internal PrometheusServer Prometheus { get; private set; } = null!;

    /// <summary>The exposition as published, series by normalised key.</summary>
    internal Dictionary<string, double> Published { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var options = new BmsPaceOptions { Batteries = [new BatteryOptions { Name = "garage" }, new BatteryOptions { Name = "shed" }] };
        Exporter = await ExporterHost.StartAsync(options);
        await Exporter.Sink.PublishAsync(TestSnapshots.Battery("garage", [TestSnapshots.FreshPack(1), TestSnapshots.FreshPack(2), TestSnapshots.StalePack(3)], at: DateTimeOffset.UtcNow), CancellationToken.None);
        await Exporter.Sink.PublishAsync(TestSnapshots.Bank("shed", 2, cells: 15, sensors: 4, at: DateTimeOffset.UtcNow), CancellationToken.None);
        string text = Encoding.UTF8.GetString((await Exporter.Sink.GetRenderedAsync(CancellationToken.None)).Plain);
        Published = Exposition.Parse(text).ToDictionary(s => SeriesKey.FromExposition(s.Key), s => s.Value, StringComparer.Ordinal);
        Prometheus = await PrometheusServer.StartAsync(Exporter.Address, [RepoPaths.Grafana("alerts", "bms-pace.rules.yml")]);
    }

    public async Task DisposeAsync()
    {
        if (Prometheus is not null)
        {
            await Prometheus.DisposeAsync();
        }

        if (Exporter is not null)
        {
            await Exporter.DisposeAsync();
        }
    }
}

/// <summary>A series as <c>name{a="1",b="2"}</c> with labels sorted, so the exposition and Prometheus answers compare.</summary>
internal static partial class SeriesKey
{
    public static string FromExposition(string series)
    {
        int brace = series.IndexOf('{', StringComparison.Ordinal);
        if (brace < 0)
        {
            return series + "{}";
        }

        // Prometheus stores no label whose value is empty (an unknown protocol, an identity the BMS does not give).
        var labels = Label().Matches(series[brace..]).Select(m => (m.Groups[1].Value, m.Groups[2].Value)).Where(l => l.Item2.Length > 0);
        return Format(series[..brace], labels);
    }

    public static string FromPrometheus(PromSample sample) =>
        Format(sample.Labels["__name__"], sample.Labels.Where(l => l.Key is not ("__name__" or "job" or "instance")).Select(l => (l.Key, l.Value)));

    private static string Format(string name, IEnumerable<(string Name, string Value)> labels) =>
        name + "{" + string.Join(",", labels.OrderBy(l => l.Name, StringComparer.Ordinal).Select(l => $"{l.Name}=\"{l.Value}\"")) + "}";

    [GeneratedRegex("""(\w+)="((?:[^"\\]|\\.)*)"\s*,?""")]
    private static partial Regex Label();
}

public sealed class RealPrometheusTests(ScrapedExporterFixture fixture) : IClassFixture<ScrapedExporterFixture>
{
    /// <summary>The first scrape lands 5-6 s after Prometheus starts; rates need a few more.</summary>
    private static readonly TimeSpan ScrapeDeadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Prometheus_holds_exactly_the_values_the_exporter_published()
    {
        var answer = await fixture.Prometheus.QueryUntilAsync("{__name__=~\"pace_bms_.+\"}", r => r.Count >= fixture.Published.Count, ScrapeDeadline);
        var scraped = answer.ToDictionary(SeriesKey.FromPrometheus, s => s.Number, StringComparer.Ordinal);

        Assert.Equal(fixture.Published.Keys.Order(StringComparer.Ordinal), scraped.Keys.Order(StringComparer.Ordinal));
        foreach (var (series, value) in fixture.Published)
        {
            Assert.True(value.Equals(scraped[series]), $"{series}: published {value}, Prometheus holds {scraped[series]}");
        }

        // The stale pack is in Prometheus only as pack_up 0 and its timestamp.
        Assert.Equal(2, scraped.Keys.Count(k => k.Contains("battery=\"garage\",pack=\"3\"", StringComparison.Ordinal)));
        Assert.Equal(0, scraped["pace_bms_pack_up{battery=\"garage\",pack=\"3\"}"]);
    }

    [Fact]
    public async Task Every_dashboard_query_returns_at_least_one_series()
    {
        using var json = DashboardModel.Load();
        var failures = new List<string>();
        foreach (var (variable, selector, label) in DashboardModel.VariableQueries(json.RootElement))
        {
            string query = DashboardModel.Substitute(selector, "garage", "1");
            var result = await fixture.Prometheus.QueryUntilAsync(query, r => r.Count > 0, ScrapeDeadline);
            Assert.All(result, r => Assert.True(r.Labels.ContainsKey(label), $"variable {variable}: {query} has no label {label}"));
        }

        foreach (var (battery, pack) in new[] { ("garage", "1"), (".+", ".+"), ("shed", "2") })
        {
            foreach (var (panel, expr) in DashboardModel.PanelExpressions(json.RootElement))
            {
                string query = DashboardModel.Substitute(expr, battery, pack);
                try
                {
                    await fixture.Prometheus.QueryUntilAsync(query, r => r.Count > 0, ScrapeDeadline);
                }
                catch (TimeoutException)
                {
                    failures.Add($"{panel}: {query}");
                }
            }
        }

        Assert.Empty(failures);
    }

    [Fact]
    public async Task Prometheus_loads_every_alert_rule_and_evaluates_it_without_error()
    {
        await fixture.Prometheus.QueryUntilAsync("pace_bms_up", r => r.Count == 2, ScrapeDeadline);
        // An evaluation that ran before the first scrape saw absent(pace_bms_up) and left a pending alert behind;
        // only evaluations that started after the series arrived judge the published data.
        var scrapedBy = DateTimeOffset.UtcNow;
        var deadline = DateTime.UtcNow + ScrapeDeadline;
        while (true)
        {
            using var rules = await fixture.Prometheus.GetJsonAsync("api/v1/rules");
            var all = rules.RootElement.GetProperty("data").GetProperty("groups").EnumerateArray()
                .SelectMany(g => g.GetProperty("rules").EnumerateArray()).ToList();
            bool evaluated = all.Count == 15 && all.All(r => r.GetProperty("health").GetString() == "ok"
                && r.TryGetProperty("lastEvaluation", out var at) && at.GetDateTimeOffset() > scrapedBy);
            if (evaluated)
            {
                // The published data trip exactly one rule at once: pack 3 of garage is stale (pending for 2 minutes).
                var active = all.Where(r => r.GetProperty("alerts").GetArrayLength() > 0).Select(r => r.GetProperty("name").GetString()).ToList();
                Assert.Equal(["PaceBmsPackStale"], active);
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"rules not all evaluated healthy: {rules.RootElement}");
            await Task.Delay(200);
        }
    }
}

public sealed class RealPrometheusStalenessTests
{
    private static readonly TimeSpan ScrapeDeadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Prometheus_stops_returning_a_stale_pack_and_forgets_a_vanished_one()
    {
        var options = new BmsPaceOptions { Batteries = [new BatteryOptions { Name = "main" }] };
        await using var exporter = await ExporterHost.StartAsync(options);
        await exporter.Sink.PublishAsync(TestSnapshots.Bank("main", 2, at: DateTimeOffset.UtcNow), CancellationToken.None);
        await using var prometheus = await PrometheusServer.StartAsync(exporter.Address, []);
        const string voltage = "pace_bms_pack_voltage_volts{battery=\"main\",pack=\"2\"}";
        const string packUp = "pace_bms_pack_up{battery=\"main\",pack=\"2\"}";
        await prometheus.QueryUntilAsync(voltage, r => r.Count == 1, ScrapeDeadline);

        await exporter.Sink.PublishAsync(TestSnapshots.Battery("main", [TestSnapshots.FreshPack(1), TestSnapshots.StalePack(2)], at: DateTimeOffset.UtcNow), CancellationToken.None);
        await prometheus.QueryUntilAsync(voltage, r => r.Count == 0, ScrapeDeadline);
        var up = await prometheus.QueryAsync(packUp);
        Assert.Equal(0, Assert.Single(up).Number);
        Assert.Single(await prometheus.QueryAsync("pace_bms_pack_voltage_volts{battery=\"main\",pack=\"1\"}"));

        await exporter.Sink.PublishAsync(TestSnapshots.Battery("main", [TestSnapshots.FreshPack(1)], at: DateTimeOffset.UtcNow), CancellationToken.None);
        await prometheus.QueryUntilAsync("{battery=\"main\",pack=\"2\"}", r => r.Count == 0, ScrapeDeadline);

        await exporter.Sink.PublishAsync(TestSnapshots.Bank("main", 2, at: DateTimeOffset.UtcNow), CancellationToken.None);
        var back = await prometheus.QueryUntilAsync(voltage, r => r.Count == 1, ScrapeDeadline);
        Assert.Equal(TestSnapshots.FreshPack(2).Analog!.VoltageVolts, back[0].Number);
    }
}
