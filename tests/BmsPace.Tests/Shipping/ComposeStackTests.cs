using YamlDotNet.RepresentationModel;

namespace BmsPace.Tests.Shipping;

/// <summary>
/// deploy/compose.yaml cannot be started here (no Docker engine), so every file it mounts is checked instead: that
/// it exists, and that the files which name each other (Prometheus target and rule files, Grafana datasource and
/// dashboard folder, bmspace's InfluxDB address) agree with the services and mounts of the stack.
/// </summary>
[Trait("Category", "ShippedFiles")]
public sealed class ComposeStackTests
{
    private static readonly string DeployDirectory = RepositoryFiles.PathOf("deploy");

    private static readonly YamlMappingNode Services = YamlTree.LoadMapping(Path.Combine(DeployDirectory, "compose.yaml")).Mapping("services");

    [Fact]
    public void Every_bind_mounted_path_exists_in_the_repository()
    {
        var mounts = Services.Children.Values.Cast<YamlMappingNode>().SelectMany(BindMounts).ToList();
        Assert.True(mounts.Count >= 5, $"expected the config, Prometheus and Grafana mounts, found {mounts.Count}");

        var missing = mounts.Where(m => !File.Exists(m.Source) && !Directory.Exists(m.Source)).Select(m => RepositoryFiles.Relative(m.Source)).ToList();

        Assert.True(missing.Count == 0, "compose.yaml mounts paths that are not in the repository: " + string.Join(", ", missing));
    }

    [Fact]
    public void Bmspace_builds_from_the_root_dockerfile_reads_the_mounted_config_and_runs_on_the_simulator()
    {
        var bmspace = Services.Mapping("bmspace");
        var build = bmspace.Mapping("build");
        var context = Path.GetFullPath(Path.Combine(DeployDirectory, build.Text("context")));
        Assert.True(File.Exists(Path.Combine(context, build.Text("dockerfile"))), $"no {build.Text("dockerfile")} in {context}");

        Assert.Equal(["run", "--config", "/etc/bmspace/config.yaml"], bmspace.Sequence("command").Texts());
        var config = Assert.Single(BindMounts(bmspace), m => m.Target == "/etc/bmspace/config.yaml");
        Assert.Equal(Path.Combine(DeployDirectory, "bmspace.compose.config.yaml"), config.Source);

        Assert.Equal("simulator", bmspace.Mapping("environment").Text("BMSPACE_BATTERIES__0__CONNECTION"));
        Assert.Contains("9863:9863", bmspace.Sequence("ports").Texts());
    }

    [Fact]
    public void Bmspace_writes_to_the_influxdb_service_and_database_of_the_stack()
    {
        var config = YamlTree.LoadMapping(Path.Combine(DeployDirectory, "bmspace.compose.config.yaml"));
        var influx = config.Mapping("influxdb");
        var url = new Uri(influx.Text("url"));

        Assert.Equal("true", influx.Text("enabled"));
        Assert.Equal("influxdb", url.Host);
        Assert.NotNull(Services.Find(url.Host));
        Assert.Equal(Services.Mapping("influxdb").Mapping("environment").Text("INFLUXDB_DB"), influx.Text("database"));
        Assert.StartsWith("influxdb:1.8", Services.Mapping("influxdb").Text("image"), StringComparison.Ordinal);
    }

    [Fact]
    public void Prometheus_scrapes_the_bmspace_service_and_loads_the_mounted_rule_files()
    {
        var prometheus = Services.Mapping("prometheus");
        var mounts = BindMounts(prometheus).ToList();
        var configFlag = Assert.Single(prometheus.Sequence("command").Texts(), a => a.StartsWith("--config.file=", StringComparison.Ordinal));
        var containerConfig = configFlag["--config.file=".Length..];
        var repoConfig = Assert.Single(mounts, m => m.Target == containerConfig).Source;
        Assert.Equal(RepositoryFiles.PathOf("deploy", "prometheus", "prometheus.yml"), repoConfig);

        var config = YamlTree.LoadMapping(repoConfig);
        var ruleFiles = config.Sequence("rule_files").Texts().ToList();
        Assert.Contains("../../grafana/alerts/bms-pace.rules.yml", ruleFiles);
        foreach (var ruleFile in ruleFiles)
        {
            // Prometheus resolves rule_files against the directory of its config file, in the repository and in the container alike.
            var inRepository = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(repoConfig)!, ruleFile));
            var inContainer = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(containerConfig)!, ruleFile));
            var mount = mounts.SingleOrDefault(m => m.Target == inContainer);
            Assert.True(mount is not null, $"rule file {ruleFile} resolves to {inContainer} in the container, which nothing mounts");
            Assert.Equal(inRepository, mount.Source);
        }

        var targets = config.Sequence("scrape_configs").Children.Cast<YamlMappingNode>()
            .Single(job => job.Text("job_name") == "bmspace")
            .Sequence("static_configs").Children.Cast<YamlMappingNode>()
            .SelectMany(s => s.Sequence("targets").Texts())
            .ToList();
        Assert.Equal(["bmspace:9863"], targets);
    }

    [Fact]
    public void Grafana_mounts_the_provisioning_and_its_datasource_and_dashboard_folder_match_the_stack()
    {
        var grafana = Services.Mapping("grafana");
        var mounts = BindMounts(grafana).ToList();
        var provisioning = Assert.Single(mounts, m => m.Target == "/etc/grafana/provisioning").Source;
        Assert.Equal(RepositoryFiles.PathOf("grafana", "provisioning"), provisioning);

        var datasourceFile = Path.Combine(provisioning, "datasources", "prometheus.yaml");
        var datasources = YamlTree.LoadMapping(datasourceFile).Sequence("datasources").Children.Cast<YamlMappingNode>().ToList();
        var prometheusSource = Assert.Single(datasources, d => d.Text("type") == "prometheus");
        var url = new Uri(ExpandEnvironment(prometheusSource.Text("url"), grafana));
        Assert.True(Services.Find(url.Host) is not null, $"{RepositoryFiles.Relative(datasourceFile)} points Grafana at {url}, but the stack has no service '{url.Host}'");
        Assert.Equal(9090, url.Port);

        var providerFile = Path.Combine(provisioning, "dashboards", "bms-pace.yaml");
        var providers = YamlTree.LoadMapping(providerFile).Sequence("providers").Children.Cast<YamlMappingNode>().ToList();
        Assert.NotEmpty(providers);
        foreach (var provider in providers)
        {
            var folder = provider.Mapping("options").Text("path").TrimEnd('/');
            var mount = mounts.FirstOrDefault(m => folder == m.Target || folder.StartsWith(m.Target + "/", StringComparison.Ordinal));
            Assert.True(mount is not null, $"{RepositoryFiles.Relative(providerFile)} reads dashboards from {folder}, which compose.yaml does not mount into Grafana");
            var repoFolder = Path.Combine(mount.Source, Path.GetRelativePath(mount.Target, folder));
            Assert.True(File.Exists(Path.Combine(repoFolder, "bms-pace.json")), $"{folder} in Grafana is {RepositoryFiles.Relative(repoFolder)} here, which has no bms-pace.json");
        }
    }

    private sealed record BindMount(string Source, string Target);

    /// <summary>Grafana expands $VAR and ${VAR} in provisioning files from its environment: resolve them from the service's.</summary>
    private static string ExpandEnvironment(string value, YamlMappingNode service) =>
        System.Text.RegularExpressions.Regex.Replace(value, @"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?", match =>
        {
            var name = match.Groups[1].Value;
            var environment = service.Find("environment") as YamlMappingNode;
            var defined = environment?.Find(name) as YamlScalarNode;
            Assert.True(defined is not null, $"the provisioning uses ${{{name}}}, which the grafana service does not set");
            return defined.Value ?? "";
        });

    /// <summary>The short-form volume entries whose source is a path (named volumes have none).</summary>
    private static IEnumerable<BindMount> BindMounts(YamlMappingNode service)
    {
        if (service.Find("volumes") is not YamlSequenceNode volumes)
        {
            yield break;
        }

        foreach (var entry in volumes.Texts())
        {
            var parts = entry.Split(':');
            if (parts[0].StartsWith('.') || parts[0].StartsWith('/'))
            {
                yield return new BindMount(Path.GetFullPath(Path.Combine(DeployDirectory, parts[0])).TrimEnd('/'), parts[1].TrimEnd('/'));
            }
        }
    }
}
