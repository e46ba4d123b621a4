using System.Text.Json;
using System.Text.RegularExpressions;

namespace BmsPace.Tests.Prometheus;

/// <summary>The dashboard JSON and the METRICS.md name list, read the way the tests need them.</summary>
internal static partial class DashboardModel
{
    public static string DashboardPath => RepoPaths.Grafana("dashboards", "bms-pace.json");

    public static JsonDocument Load() => JsonDocument.Parse(File.ReadAllText(DashboardPath));

    /// <summary>Every panel, rows and nested row panels included.</summary>
    public static IEnumerable<JsonElement> Panels(JsonElement dashboard)
    {
        foreach (var panel in dashboard.GetProperty("panels").EnumerateArray())
        {
            yield return panel;
            if (panel.TryGetProperty("panels", out var nested))
            {
                foreach (var inner in nested.EnumerateArray())
                {
                    yield return inner;
                }
            }
        }
    }

    public static IEnumerable<(string Panel, string Expr)> PanelExpressions(JsonElement dashboard) =>
        from panel in Panels(dashboard)
        where panel.TryGetProperty("targets", out _)
        from target in panel.GetProperty("targets").EnumerateArray()
        select (panel.GetProperty("title").GetString()!, target.GetProperty("expr").GetString()!);

    public static IEnumerable<JsonElement> Variables(JsonElement dashboard) => dashboard.GetProperty("templating").GetProperty("list").EnumerateArray();

    /// <summary>The PromQL of <c>label_values(SELECTOR, label)</c> variable queries: the selector.</summary>
    public static IEnumerable<(string Variable, string Selector, string Label)> VariableQueries(JsonElement dashboard)
    {
        foreach (var variable in Variables(dashboard).Where(v => v.GetProperty("type").GetString() == "query"))
        {
            string query = variable.GetProperty("query").GetProperty("query").GetString()!;
            var match = LabelValues().Match(query);
            if (!match.Success)
            {
                throw new InvalidOperationException($"variable query not understood: {query}");
            }

            yield return (variable.GetProperty("name").GetString()!, match.Groups[1].Value.Trim(), match.Groups[2].Value.Trim());
        }
    }

    /// <summary>Grafana's variables replaced by values that exist in the test Prometheus.</summary>
    public static string Substitute(string expr, string battery, string pack) => expr
        .Replace("$__rate_interval", "10s", StringComparison.Ordinal)
        .Replace("$__interval", "2s", StringComparison.Ordinal)
        .Replace("$__range", "1m", StringComparison.Ordinal)
        .Replace("$battery", battery, StringComparison.Ordinal)
        .Replace("$pack", pack, StringComparison.Ordinal);

    public static IEnumerable<string> UsedVariables(string text) =>
        VariableUse().Matches(text).Select(m => m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value);

    public static IEnumerable<string> MetricNames(string expr) => MetricName().Matches(expr).Select(m => m.Value).Distinct();

    /// <summary>The family names METRICS.md lists (backticked <c>pace_bms_*</c> names; <c>`_max_volts`</c> shorthands expanded).</summary>
    public static IReadOnlySet<string> ContractNames()
    {
        string path = Path.Combine(RepoPaths.Root, "docs", "METRICS.md");
        var names = new HashSet<string>(StringComparer.Ordinal);
        // The Prometheus part ends where the InfluxDB measurements (also pace_bms_*) begin.
        var prometheusPart = File.ReadLines(path).TakeWhile(l => !l.StartsWith("## InfluxDB", StringComparison.Ordinal));
        foreach (string line in prometheusPart.Where(l => l.StartsWith("| `pace_bms_", StringComparison.Ordinal)))
        {
            string firstCell = line.Split('|')[1];
            string? previous = null;
            foreach (Match token in Backticked().Matches(firstCell))
            {
                string name = token.Groups[1].Value;
                if (name.StartsWith('_') && previous is not null)
                {
                    // `pace_bms_cell_voltage_min_volts`, `_max_volts`: the shorthand replaces the last two words.
                    string stem = previous[..previous.LastIndexOf('_', previous.LastIndexOf('_') - 1)];
                    name = stem + name;
                }

                names.Add(name);
                previous = name;
            }
        }

        return names;
    }

    [GeneratedRegex(@"^label_values\((.*),\s*(\w+)\)$")]
    private static partial Regex LabelValues();

    [GeneratedRegex(@"\$(?:\{(\w+)(?::\w+)?\}|(\w+))")]
    private static partial Regex VariableUse();

    [GeneratedRegex(@"\bpace_bms_[a-z_]+\b")]
    private static partial Regex MetricName();

    [GeneratedRegex(@"`([a-z_]+)`")]
    private static partial Regex Backticked();
}
