namespace BmsPace.Tests.Shipping;

/// <summary>The files the compose stack hands to Prometheus, checked by Prometheus' own tool.</summary>
public sealed class PrometheusFilesTests
{
    [Fact]
    public async Task Promtool_accepts_the_scrape_config_with_its_rule_files()
    {
        var result = await PromtoolAsync("check", "config", "deploy/prometheus/prometheus.yml");

        Assert.True(result.ExitCode == 0, result.Transcript);
        Assert.Contains("SUCCESS: 1 rule files found", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Promtool_accepts_the_alert_rules()
    {
        var result = await PromtoolAsync("check", "rules", "grafana/alerts/bms-pace.rules.yml");

        Assert.True(result.ExitCode == 0, result.Transcript);
    }

    [Fact]
    public async Task Promtool_accepts_the_multi_site_agent_config_in_agent_mode()
    {
        var result = await PromtoolAsync("check", "config", "--agent", "deploy/multi-site/prometheus-agent.yml");

        Assert.True(result.ExitCode == 0, result.Transcript);
    }

    [Fact]
    public void The_multi_site_stack_mounts_only_files_of_the_repository_and_each_site_scrape_target_is_a_service()
    {
        var services = YamlTree.LoadMapping(RepositoryFiles.PathOf("deploy", "multi-site", "compose.yaml")).Mapping("services");
        var sources = services.Children.Values.Cast<YamlDotNet.RepresentationModel.YamlMappingNode>()
            .SelectMany(s => s.Find("volumes") is YamlDotNet.RepresentationModel.YamlSequenceNode v ? v.Texts() : [])
            .Select(v => v.Split(':')[0])
            .Where(source => source.StartsWith('.'))
            .ToList();
        Assert.Contains("./prometheus-agent.yml", sources);
        Assert.All(sources, source => Assert.True(File.Exists(RepositoryFiles.PathOf("deploy", "multi-site", source)), $"{source} is not in deploy/multi-site"));

        var agent = YamlTree.LoadMapping(RepositoryFiles.PathOf("deploy", "multi-site", "prometheus-agent.yml"));
        var targets = agent.Sequence("scrape_configs").Children.Cast<YamlDotNet.RepresentationModel.YamlMappingNode>()
            .Single(job => job.Text("job_name") == "bmspace")
            .Sequence("static_configs").Children.Cast<YamlDotNet.RepresentationModel.YamlMappingNode>()
            .ToList();
        Assert.Equal(2, targets.Count);
        foreach (var target in targets)
        {
            string host = target.Sequence("targets").Texts().Single().Split(':')[0];
            Assert.True(services.Find(host) is not null, $"the agent scrapes {host}, which the stack does not run");
            Assert.False(string.IsNullOrEmpty(target.Mapping("labels").Text("site")), $"{host} has no site label");
        }

        string remoteWrite = agent.Sequence("remote_write").Children.Cast<YamlDotNet.RepresentationModel.YamlMappingNode>().Single().Text("url");
        Assert.True(services.Find(new Uri(remoteWrite).Host) is not null, $"the agent writes to {remoteWrite}, which the stack does not run");
        Assert.Contains("--enable-feature=agent", services.Mapping("prometheus-agent").Sequence("command").Texts());
    }

    private static Task<ToolResult> PromtoolAsync(params string[] arguments) =>
        ExternalTool.RunAsync(ExternalTool.Require("promtool", "the Debian package prometheus"), arguments, TimeSpan.FromMinutes(1));
}
