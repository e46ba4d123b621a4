using System.Text;
using System.Text.Json;
using BmsPace.Configuration;
using BmsPace.Outputs.Prometheus;
using Microsoft.Extensions.Time.Testing;
using Prometheus;

namespace BmsPace.Tests.Prometheus;

[Trait("Category", "ShippedFiles")]
public sealed class DashboardStructureTests
{
    private static readonly string[] HistogramSuffixes = ["_bucket", "_sum", "_count"];

    [Fact]
    public void Dashboard_has_uid_schema_version_inputs_and_the_battery_and_pack_variables()
    {
        using var json = DashboardModel.Load();
        var dashboard = json.RootElement;

        Assert.False(string.IsNullOrWhiteSpace(dashboard.GetProperty("uid").GetString()));
        Assert.True(dashboard.GetProperty("schemaVersion").GetInt32() >= 36);
        var input = Assert.Single(dashboard.GetProperty("__inputs").EnumerateArray());
        Assert.Equal("prometheus", input.GetProperty("pluginId").GetString());
        var variables = DashboardModel.Variables(dashboard).ToDictionary(v => v.GetProperty("name").GetString()!, StringComparer.Ordinal);
        Assert.Equal("datasource", variables["datasource"].GetProperty("type").GetString());
        Assert.Equal("query", variables["battery"].GetProperty("type").GetString());
        Assert.Equal("query", variables["pack"].GetProperty("type").GetString());
        Assert.Contains(DashboardModel.Panels(dashboard), p => p.GetProperty("type").GetString() == "row" && p.TryGetProperty("repeat", out var r) && r.GetString() == "pack");
        Assert.Contains(DashboardModel.Panels(dashboard), p => p.GetProperty("type").GetString() == "state-timeline");
    }

    [Fact]
    public void Every_panel_has_the_datasource_variable_and_a_unique_id()
    {
        using var json = DashboardModel.Load();
        var panels = DashboardModel.Panels(json.RootElement).ToList();

        foreach (var panel in panels)
        {
            string title = panel.GetProperty("title").GetString()!;
            Assert.True(panel.TryGetProperty("datasource", out var datasource), $"panel {title} has no datasource");
            Assert.Equal("${datasource}", datasource.GetProperty("uid").GetString());
            foreach (var target in panel.TryGetProperty("targets", out var targets) ? targets.EnumerateArray() : default)
            {
                Assert.Equal("${datasource}", target.GetProperty("datasource").GetProperty("uid").GetString());
            }
        }

        var ids = panels.Select(p => p.GetProperty("id").GetInt32()).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }

    [Fact]
    public void Every_variable_used_is_defined_and_the_panels_fit_the_grid()
    {
        using var json = DashboardModel.Load();
        var dashboard = json.RootElement;
        var defined = DashboardModel.Variables(dashboard).Select(v => v.GetProperty("name").GetString()!).ToHashSet(StringComparer.Ordinal);
        string everything = dashboard.GetRawText();
        var used = DashboardModel.UsedVariables(everything).Where(v => !v.StartsWith("__", StringComparison.Ordinal)).ToHashSet(StringComparer.Ordinal);
        // DS_PROMETHEUS is the import input, not a variable.
        used.Remove("DS_PROMETHEUS");

        Assert.Subset(defined, used);
        foreach (var panel in DashboardModel.Panels(dashboard))
        {
            var grid = panel.GetProperty("gridPos");
            Assert.True(grid.GetProperty("x").GetInt32() + grid.GetProperty("w").GetInt32() <= 24, $"{panel.GetProperty("title")} overflows the grid");
        }
    }

    [Fact]
    public void Every_metric_the_dashboard_and_alerts_name_is_in_METRICS_md()
    {
        using var json = DashboardModel.Load();
        var contract = DashboardModel.ContractNames();
        string rules = File.ReadAllText(RepoPaths.Grafana("alerts", "bms-pace.rules.yml"));
        var used = DashboardModel.PanelExpressions(json.RootElement).SelectMany(e => DashboardModel.MetricNames(e.Expr))
            .Concat(DashboardModel.VariableQueries(json.RootElement).SelectMany(v => DashboardModel.MetricNames(v.Selector)))
            .Concat(DashboardModel.MetricNames(rules))
            .Distinct();

        foreach (string name in used)
        {
            string family = HistogramSuffixes.Where(s => name.EndsWith(s, StringComparison.Ordinal) && contract.Contains(name[..^s.Length])).Select(s => name[..^s.Length]).FirstOrDefault() ?? name;
            Assert.True(contract.Contains(family), $"{name} is not a METRICS.md family");
        }
    }

    [Fact]
    public async Task The_exporter_serves_exactly_the_families_of_METRICS_md()
    {
        var contract = DashboardModel.ContractNames();
        Assert.True(contract.Count >= 30, $"only {contract.Count} names read from METRICS.md");
        using var sink = new PrometheusSink(Metrics.NewCustomRegistry(), new LabelFormatter(0, 0), "1", new FakeTimeProvider(), []);
        await sink.PublishAsync(TestSnapshots.Bank("main", 1), CancellationToken.None);
        // A battery whose bank master reports the stack's totals: the stack families are served for it.
        await sink.PublishAsync(TestSnapshots.Bank("rack", 1) with { Stack = TestSnapshots.Stack() }, CancellationToken.None);
        string text = Encoding.UTF8.GetString((await sink.GetRenderedAsync(CancellationToken.None)).Plain);
        var served = text.Split('\n').Where(l => l.StartsWith("# TYPE ", StringComparison.Ordinal)).Select(l => l.Split(' ')[2]).ToHashSet(StringComparer.Ordinal);

        Assert.Equal(contract.Order(StringComparer.Ordinal), served.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Provisioning_points_at_the_dashboard_directory_and_a_prometheus_datasource()
    {
        string dashboards = File.ReadAllText(RepoPaths.Grafana("provisioning", "dashboards", "bms-pace.yaml"));
        string datasources = File.ReadAllText(RepoPaths.Grafana("provisioning", "datasources", "prometheus.yaml"));

        Assert.Contains("path: /var/lib/grafana/dashboards", dashboards, StringComparison.Ordinal);
        Assert.Contains("type: prometheus", datasources, StringComparison.Ordinal);
        Assert.True(JsonDocument.Parse(File.ReadAllText(DashboardModel.DashboardPath)).RootElement.TryGetProperty("panels", out _));
    }
}
