using System.Net;
using System.Text.Json;
using BmsPace.Configuration;
using BmsPace.Simulator;
using BmsPace.Tests.Influx;
using BmsPace.Tests.Prometheus;

namespace BmsPace.Tests.EndToEnd;

/// <summary>
/// The shape of deploy/multi-site with real servers: two bmspace hosts (two sites, each on its own simulator and
/// both calling their battery <c>main</c>), the shipped agent config run by a real Prometheus in agent mode, and a
/// real VictoriaMetrics it remote-writes to, queried for both sites' packs.
/// </summary>
public sealed class MultiSiteRemoteWriteTests
{
    private const int Packs = 2;

    private static BmsPaceOptions Site(int simulatorPort) => new()
    {
        ScanInterval = TimeSpan.FromMilliseconds(500),
        RequestTimeout = TimeSpan.FromSeconds(2),
        RequestGap = TimeSpan.Zero,
        Batteries = [new BatteryOptions { Name = "main", Connection = new TcpConnectionSpec("127.0.0.1", simulatorPort) }],
    };

    [Fact]
    public async Task Prometheus_agent_remote_writes_both_sites_packs_to_VictoriaMetrics_with_the_site_label_of_its_scrape_config()
    {
        await using var garageBattery = SimulatorTcpServer.Start(new SimulatedBms(new SimulatedBmsOptions { Packs = Packs, Seed = 1 }), new IPEndPoint(IPAddress.Loopback, 0));
        await using var barnBattery = SimulatorTcpServer.Start(new SimulatedBms(new SimulatedBmsOptions { Packs = Packs, Seed = 2 }), new IPEndPoint(IPAddress.Loopback, 0));
        await using var garage = await RunningHost.StartAsync(Site(garageBattery.EndPoint.Port));
        await using var barn = await RunningHost.StartAsync(Site(barnBattery.EndPoint.Port));
        await using var store = await VictoriaMetricsServer.StartAsync();

        string directory = ServerProcess.TempDirectory("bmspace-agent");
        string config = ShippedAgentConfig(
            ("bmspace-garage:9863", garage.Address.Authority),
            ("bmspace-barn:9863", barn.Address.Authority),
            ("http://victoriametrics:8428", store.Url.GetLeftPart(UriPartial.Authority)),
            ("scrape_interval: 15s", "scrape_interval: 1s"),
            ("scrape_interval: 10s", "scrape_interval: 1s"),
            ("scrape_timeout: 5s", "scrape_timeout: 1s"));
        string configPath = Path.Combine(directory, "prometheus-agent.yml");
        await File.WriteAllTextAsync(configPath, config);
        int agentPort = ServerProcess.FreePort();
        await using var agent = new ServerProcess(
            "prometheus",
            $"--enable-feature=agent --config.file={configPath} --storage.agent.path={Path.Combine(directory, "agent")} --web.listen-address=127.0.0.1:{agentPort}",
            new Dictionary<string, string>());
        await agent.StartAsync(new Uri($"http://127.0.0.1:{agentPort}/-/ready"));

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        List<Dictionary<string, string>> series = [];
        await Eventually.TrueAsync(
            async () =>
            {
                series = await QueryAsync(http, store.Url, "pace_bms_pack_voltage_volts > 40");
                return series.Count >= 2 * Packs;
            },
            "both sites' pack voltages in VictoriaMetrics",
            TimeSpan.FromSeconds(90));

        Assert.Equal(
            ["barn/main/1", "barn/main/2", "garage/main/1", "garage/main/2"],
            series.Select(s => $"{s["site"]}/{s["battery"]}/{s["pack"]}").Order(StringComparer.Ordinal));
        Assert.All(series, s => Assert.Equal("bmspace", s["job"]));
        var up = await QueryAsync(http, store.Url, "pace_bms_up == 1");
        Assert.Equal(["barn", "garage"], up.Select(s => s["site"]).Order(StringComparer.Ordinal));
        Directory.Delete(directory, recursive: true);
    }

    /// <summary>deploy/multi-site/prometheus-agent.yml with its service addresses replaced by the test's; each must be found.</summary>
    private static string ShippedAgentConfig(params (string Shipped, string Here)[] replacements)
    {
        string text = File.ReadAllText(Path.Combine(RepoPaths.Root, "deploy", "multi-site", "prometheus-agent.yml"));
        foreach (var (shipped, here) in replacements)
        {
            Assert.True(text.Contains(shipped, StringComparison.Ordinal), $"prometheus-agent.yml no longer contains '{shipped}'");
            text = text.Replace(shipped, here, StringComparison.Ordinal);
        }

        return text;
    }

    /// <summary>The label sets of an instant query on VictoriaMetrics's Prometheus API.</summary>
    private static async Task<List<Dictionary<string, string>>> QueryAsync(HttpClient http, Uri store, string promQl)
    {
        string body = await http.GetStringAsync(new Uri(store, "/api/v1/query?query=" + Uri.EscapeDataString(promQl)));
        using var json = JsonDocument.Parse(body);
        return [.. json.RootElement.GetProperty("data").GetProperty("result").EnumerateArray()
            .Select(r => r.GetProperty("metric").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal))];
    }
}
