using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using BmsPace.Tests.Influx;
using BmsPace.Tests.Mqtt;
using BmsPace.Tests.Prometheus;
using BmsPace.Tests.Shipping;

namespace BmsPace.Tests.Web;

/// <summary>
/// The web host as its own part of the real program: it serves the status page and health whether or not the
/// Prometheus output is on, and the Home Assistant add-on's own options make it listen where the add-on's ingress
/// sends the sidebar's requests.
/// </summary>
[Collection("browser")]
public sealed class WebHostPartsTests
{
    [Fact]
    public async Task With_prometheus_off_the_web_host_still_serves_the_page_the_status_json_and_health_and_metrics_is_not_found()
    {
        int port = ProcessRunner.FreePort();
        await using var run = await BmspaceProcess.StartAsync($"""
            scan_interval: 1s
            batteries:
              - name: house
                connection: simulator?packs=2
            console:
              enabled: false
            prometheus:
              enabled: false
              listen: 127.0.0.1:{port}
            """);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(30) };
        await Eventually.TrueAsync(
            async () =>
            {
                Assert.True(run.IsRunning, run.Output);
                try
                {
                    using var status = JsonDocument.Parse(await http.GetStringAsync("api/v1/status"));
                    return status.RootElement.GetProperty("batteries")[0].GetProperty("state").GetString() == "fresh";
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            },
            "the status JSON with the battery fresh",
            TimeSpan.FromSeconds(60));

        using var page = await http.GetAsync("");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("status.js", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var healthz = await http.GetAsync("healthz");
        Assert.Equal(HttpStatusCode.OK, healthz.StatusCode);
        using var readyz = await http.GetAsync("readyz");
        Assert.Equal(HttpStatusCode.OK, readyz.StatusCode);
        using var metrics = await http.GetAsync("metrics");
        Assert.Equal(HttpStatusCode.NotFound, metrics.StatusCode);
        using var metricsHead = await http.SendAsync(new HttpRequestMessage(HttpMethod.Head, "metrics"));
        Assert.Equal(HttpStatusCode.NotFound, metricsHead.StatusCode);

        // The page says so: no link to an endpoint that is not there, the others kept.
        using var status = JsonDocument.Parse(await http.GetStringAsync("api/v1/status"));
        Assert.False(status.RootElement.GetProperty("metrics").GetBoolean());
        using var driver = Browser.Start(1280, 900);
        driver.Navigate().GoToUrl(http.BaseAddress);
        await Browser.UntilAsync(() => PageReading.LinkState(driver) == "live" && PageReading.BatteryState(driver, "house") == "fresh", "the page live without /metrics", TimeSpan.FromSeconds(30));
        Assert.False(driver.FindElement(OpenQA.Selenium.By.CssSelector("a[href='metrics']")).Displayed);
        Assert.True(driver.FindElement(OpenQA.Selenium.By.CssSelector("a[href='healthz']")).Displayed);
        Assert.True(driver.FindElement(OpenQA.Selenium.By.CssSelector("a[href='readyz']")).Displayed);
    }

    /// <summary>
    /// The add-on's default options written as the Supervisor writes /data/options.json, run as the add-on's image runs
    /// the program, in a network namespace of its own (so the fixed port is free whatever else runs on this machine):
    /// the port the add-on declares as its ingress port answers with the page and the status JSON.
    /// </summary>
    [Fact]
    public async Task The_add_on_with_its_default_options_listens_on_its_ingress_port_and_serves_the_page_there()
    {
        var config = YamlTree.LoadMapping(RepositoryFiles.PathOf("deploy", "home-assistant", "bmspace", "config.yaml"));
        int ingressPort = int.Parse(config.Text("ingress_port"), CultureInfo.InvariantCulture);
        string options = await AddOnFilesTests.OptionsJsonAsync(config.Mapping("options"));
        string data = Directory.CreateTempSubdirectory("bmspace-addon-").FullName;
        var start = new ProcessStartInfo("unshare") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = data };
        foreach (string argument in new[] { "--net", "--", "sh", "-c", "ip link set lo up && exec \"$0\" \"$@\"", "dotnet", Path.Combine(AppContext.BaseDirectory, "bmspace.dll"), "run", "--config", options })
        {
            start.ArgumentList.Add(argument);
        }

        // As the add-on's Dockerfile sets it; and nothing of this machine's own configuration.
        start.Environment["ASPNETCORE_HTTP_PORTS"] = "";
        foreach (string name in start.Environment.Keys.Where(n => n.StartsWith("BMSPACE_", StringComparison.OrdinalIgnoreCase) || n == "SUPERVISOR_TOKEN").ToList())
        {
            start.Environment.Remove(name);
        }

        using var addOn = Process.Start(start)!;
        var log = new System.Text.StringBuilder();
        addOn.OutputDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        addOn.ErrorDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        addOn.BeginOutputReadLine();
        addOn.BeginErrorReadLine();
        try
        {
            const string Prefix = "/api/hassio_ingress/Zq3xT0k3n";
            (int Status, string Body) page = default;
            await Eventually.TrueAsync(
                async () =>
                {
                    Assert.False(addOn.HasExited, "the add-on's program exited:\n" + log);
                    page = await IngressGetAsync(addOn.Id, ingressPort, "/", Prefix);
                    return page.Status != 0;
                },
                $"the add-on listening on its ingress port {ingressPort}",
                TimeSpan.FromSeconds(60));

            Assert.Equal(200, page.Status);
            Assert.Contains("src=\"status.js\"", page.Body, StringComparison.Ordinal);
            var status = await IngressGetAsync(addOn.Id, ingressPort, "/api/v1/status", Prefix);
            Assert.Equal(200, status.Status);
            var battery = JsonDocument.Parse(status.Body).RootElement.GetProperty("batteries").EnumerateArray().Single();
            Assert.Equal("main", battery.GetProperty("name").GetString());
            Assert.StartsWith("serial:///dev/ttyUSB0?", battery.GetProperty("connection").GetString(), StringComparison.Ordinal);
        }
        finally
        {
            if (!addOn.HasExited)
            {
                addOn.Kill();
            }

            await addOn.WaitForExitAsync();
            File.Delete(options);
            Directory.Delete(data, recursive: true);
        }
    }

    /// <summary>GET from inside the program's network namespace, as the Supervisor's proxy sends it; status 0 when nothing listens.</summary>
    private static async Task<(int Status, string Body)> IngressGetAsync(int pid, int port, string path, string prefix)
    {
        var result = await ProcessRunner.RunAsync("nsenter", [
            $"--net=/proc/{pid}/ns/net", "curl", "-s", "--max-time", "20", "-H", $"X-Ingress-Path: {prefix}",
            "-w", "\n%{http_code}", $"http://127.0.0.1:{port}{path}"]);
        int split = result.Output.LastIndexOf('\n');
        int status = int.Parse(result.Output[(split + 1)..], CultureInfo.InvariantCulture);
        return (status, result.Output[..split]);
    }
}
