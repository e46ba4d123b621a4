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

    private static Task<ToolResult> PromtoolAsync(params string[] arguments) =>
        ExternalTool.RunAsync(ExternalTool.Require("promtool", "the Debian package prometheus"), arguments, TimeSpan.FromMinutes(1));
}
