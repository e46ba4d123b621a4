using YamlDotNet.RepresentationModel;

namespace BmsPace.Tests.Prometheus;

[Trait("Category", "ShippedFiles")]
public sealed class AlertRulesTests
{
    private static string RulesFile => RepoPaths.Grafana("alerts", "bms-pace.rules.yml");

    private static string RulesTestFile => RepoPaths.Grafana("alerts", "bms-pace.rules.test.yml");

    private static YamlMappingNode Load(string path)
    {
        var yaml = new YamlStream();
        using var reader = new StringReader(File.ReadAllText(path));
        yaml.Load(reader);
        return (YamlMappingNode)yaml.Documents[0].RootNode;
    }

    private static IEnumerable<YamlMappingNode> Items(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlSequenceNode sequence
            ? sequence.Children.Cast<YamlMappingNode>()
            : [];

    private static string Scalar(YamlMappingNode node, string key) => ((YamlScalarNode)node.Children[new YamlScalarNode(key)]).Value!;

    [Fact]
    public async Task Promtool_accepts_the_rules_and_their_unit_tests_pass()
    {
        var check = await ProcessRunner.RunAsync("promtool", ["check", "rules", RulesFile]);
        Assert.True(check.ExitCode == 0, check.All);

        var test = await ProcessRunner.RunAsync("promtool", ["test", "rules", Path.GetFileName(RulesTestFile)], workingDirectory: Path.GetDirectoryName(RulesTestFile));
        Assert.True(test.ExitCode == 0 && test.All.Contains("SUCCESS", StringComparison.Ordinal), test.All);
    }

    [Fact]
    public void Every_rule_has_a_firing_and_a_not_firing_unit_test()
    {
        var alerts = Items(Load(RulesFile), "groups").SelectMany(g => Items(g, "rules")).Select(r => Scalar(r, "alert")).ToList();
        var cases = Items(Load(RulesTestFile), "tests").SelectMany(t => Items(t, "alert_rule_test")).ToList();

        Assert.Equal(15, alerts.Count);
        foreach (string alert in alerts)
        {
            var mine = cases.Where(c => Scalar(c, "alertname") == alert).ToList();
            Assert.True(mine.Any(c => Items(c, "exp_alerts").Any()), $"{alert} has no firing case");
            Assert.True(mine.Any(c => !Items(c, "exp_alerts").Any()), $"{alert} has no not-firing case");
        }
    }
}
