using System.Text;
using System.Text.RegularExpressions;
using BmsPace.Outputs.Influx;
using BmsPace.Outputs.Mqtt;
using BmsPace.Tests.Prometheus;
using Prometheus;

namespace BmsPace.Tests.Shipping;

/// <summary>
/// Issue 22 item 8: the README's metrics table names every metric family the program serves (the exporter's, InfluxDB's
/// and MQTT's self-metrics), with the labels the program puts on it, and nothing the program does not serve.
/// </summary>
[Trait("Category", "ShippedFiles")]
public sealed partial class ReadmeMetricsTableTests
{
    [Fact]
    public async Task The_readme_metrics_table_names_every_family_the_program_serves_with_its_labels()
    {
        var served = Families(await PrometheusSinkTests.RenderGoldenAsync() + await SelfMetricsAsync());
        var table = ReadmeTable();

        var missing = served.Keys.Where(name => !table.ContainsKey(name)).ToList();
        Assert.True(missing.Count == 0, "the README metrics table lacks " + string.Join(", ", missing));
        var unknown = table.Keys.Where(name => !served.ContainsKey(name)).ToList();
        Assert.True(unknown.Count == 0, "the README metrics table names metrics the program does not serve: " + string.Join(", ", unknown));
        foreach (var (name, labels) in served.Where(f => f.Value is not null))
        {
            Assert.True(labels!.SetEquals(table[name]), $"{name}: the program's labels are {string.Join(", ", labels!.Order())}, the README says {string.Join(", ", table[name].Order())}");
        }
    }

    /// <summary>The MQTT and InfluxDB self-metrics, each labelled family with one child so its labels show.</summary>
    private static async Task<string> SelfMetricsAsync()
    {
        var registry = Metrics.NewCustomRegistry();
        var mqtt = new MqttSinkMetrics(registry);
        mqtt.Messages.WithLabels("state").Inc();
        mqtt.Errors.WithLabels("timeout").Inc();
        var influx = new InfluxSinkMetrics(registry);
        influx.BatchesFailed.WithLabels("io").Inc();
        using var stream = new MemoryStream();
        await registry.CollectAndExportAsTextAsync(stream);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>Family name to its label names (null when the exposition shows no sample of it).</summary>
    private static Dictionary<string, HashSet<string>?> Families(string exposition)
    {
        var families = new Dictionary<string, HashSet<string>?>(StringComparer.Ordinal);
        foreach (string line in exposition.Split('\n'))
        {
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                families.TryAdd(line.Split(' ')[2], null);
                continue;
            }

            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var sample = SampleLine().Match(line);
            string family = families.Keys.Where(f => sample.Groups["name"].Value.StartsWith(f, StringComparison.Ordinal)).MaxBy(f => f.Length)!;
            var labels = LabelName().Matches(sample.Groups["labels"].Value).Select(m => m.Groups[1].Value).Where(l => l != "le").ToHashSet(StringComparer.Ordinal);
            families[family] = labels;
        }

        return families;
    }

    /// <summary>The rows of the README's Metrics section: each name in the first cell, the labels in the second.</summary>
    private static Dictionary<string, HashSet<string>> ReadmeTable()
    {
        string readme = File.ReadAllText(RepositoryFiles.PathOf("README.md"));
        int start = readme.IndexOf("\n## Metrics", StringComparison.Ordinal);
        int end = readme.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        var table = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (string row in readme[start..end].Split('\n').Where(l => l.StartsWith("| `pace_bms_", StringComparison.Ordinal)))
        {
            var cells = row.Split('|');
            var labels = cells[2].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
            foreach (Match name in MetricName().Matches(cells[1]))
            {
                table[name.Groups[1].Value] = labels;
            }
        }

        return table;
    }

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})?\s")]
    private static partial Regex SampleLine();

    [GeneratedRegex(@"([a-zA-Z_][a-zA-Z0-9_]*)=""")]
    private static partial Regex LabelName();

    [GeneratedRegex(@"`(pace_bms_[a-z_]+)`")]
    private static partial Regex MetricName();
}
