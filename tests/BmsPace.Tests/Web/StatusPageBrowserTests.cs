using System.Globalization;
using System.Net;
using System.Text.Json;
using BmsPace.Simulator;
using BmsPace.Tests.EndToEnd;
using BmsPace.Tests.Influx;
using BmsPace.Tests.Prometheus;
using OpenQA.Selenium;

namespace BmsPace.Tests.Web;

/// <summary>
/// The status page in Debian's headless Chromium against the real host reading three simulated PACE packs and a
/// simulated Seplos battery over TCP.
/// </summary>
[Collection("browser")]
public sealed class StatusPageBrowserTests
{
    /// <summary>A fault must show within two scans; the slack covers one cycle's own time and the page's update.</summary>
    private static readonly TimeSpan TwoScans = (StatusPageRig.Scan * 2) + TimeSpan.FromSeconds(3);

    private static readonly Dictionary<string, string> MetricOfField = new(StringComparer.Ordinal)
    {
        ["voltage_volts"] = "pace_bms_pack_voltage_volts",
        ["current_amperes"] = "pace_bms_pack_current_amperes",
        ["power_watts"] = "pace_bms_pack_power_watts",
        ["state_of_charge_ratio"] = "pace_bms_state_of_charge_ratio",
        ["state_of_health_ratio"] = "pace_bms_state_of_health_ratio",
        ["cycle_count"] = "pace_bms_cycle_count",
        ["remaining_amp_hours"] = "pace_bms_capacity_remaining_amp_hours",
        ["full_amp_hours"] = "pace_bms_capacity_full_amp_hours",
        ["design_amp_hours"] = "pace_bms_capacity_design_amp_hours",
        ["cell_voltage_delta_millivolts"] = "pace_bms_cell_voltage_delta_volts",
    };

    [Fact]
    public async Task Every_number_the_page_shows_equals_the_same_snapshot_in_the_status_json_and_in_metrics_at_phone_and_desktop_size_light_and_dark()
    {
        await using var rig = await StatusPageRig.StartAsync();
        rig.Clock.Freeze();
        await rig.Pace.Inner.SettleAfterFreezeAsync();
        // The Seplos battery's first reply after freezing still moves it to the freezing instant; two cycles later it stands still.
        await Task.Delay(StatusPageRig.Scan * 2);
        using var http = new HttpClient { BaseAddress = rig.Address };
        await Eventually.TrueAsync(async () => Fresh(await StatusAsync(http)), "both batteries fresh");

        foreach (var (width, height) in new[] { (1440, 900), (360, 800) })
        {
            using var driver = Browser.Start(width, height);
            driver.Navigate().GoToUrl(rig.Address);
            await Browser.UntilAsync(() => PageReading.LinkState(driver) == "live" && PageReading.Numbers(driver, "garage", 1).Count > 0, "the page live with both batteries", TimeSpan.FromSeconds(30));

            var status = await StatusAsync(http);
            var series = Exposition.Parse(await http.GetStringAsync("metrics"));
            int compared = 0;
            foreach (var (battery, packs) in new[] { ("house", 3), ("garage", 1) })
            {
                for (int pack = 1; pack <= packs; pack++)
                {
                    compared += ComparePack(driver, status, series, battery, pack);
                }

                Assert.Equal("fresh", PageReading.BatteryState(driver, battery));
            }

            // 3 PACE packs of 16 cells, 6 sensors and 10 pack figures, and the Seplos pack's own.
            Assert.True(compared >= (3 * (16 + 6 + 10)) + 20, $"only {compared} numbers compared");
            Assert.Contains("SEPLOS", PageReading.BatteryText(driver, "garage"), StringComparison.Ordinal);
            Assert.NotEmpty(driver.FindElements(By.CssSelector("a[href='metrics']")));
            Assert.NotEmpty(driver.FindElements(By.CssSelector("a[href='healthz']")));
            Assert.NotEmpty(driver.FindElements(By.CssSelector("a[href='readyz']")));

            foreach (string scheme in new[] { "light", "dark" })
            {
                Browser.ColorScheme(driver, scheme);
                await Task.Delay(300);
                Browser.Keep(driver, $"status-{width}x{height}-{scheme}");
            }

            long pageWidth = Convert.ToInt64(driver.ExecuteScript("return document.documentElement.scrollWidth"), CultureInfo.InvariantCulture);
            Assert.True(pageWidth <= width, $"the page is {pageWidth} px wide in a {width} px window");
        }
    }

    [Fact]
    public async Task A_protection_and_a_silent_battery_show_in_words_within_two_scans_and_clear_and_a_stopped_exporter_shows_disconnected_until_it_returns()
    {
        await using var rig = await StatusPageRig.StartAsync();
        using var driver = Browser.Start(1280, 900);
        driver.Navigate().GoToUrl(rig.Address);
        await Browser.UntilAsync(() => PageReading.LinkState(driver) == "live" && PageReading.Flags(driver, "house", 1).Count > 0, "the page live", TimeSpan.FromSeconds(30));
        Assert.DoesNotContain("protection:short_circuit", PageReading.Flags(driver, "house", 1));

        rig.Pace.ShortCircuit = true;
        await Browser.UntilAsync(() => PageReading.Flags(driver, "house", 1).Contains("protection:short_circuit"), "the short-circuit protection on the page", TwoScans);
        // Read in one script call: the page redraws the pack on every update, so a found element can go stale.
        string flag = (string?)((IJavaScriptExecutor)driver).ExecuteScript(
            "return document.querySelector(\"section[aria-labelledby='b-house'] article[data-pack='1'] li[data-flag='protection:short_circuit']\").innerText;") ?? "";
        Assert.Contains("\u26D4", flag, StringComparison.Ordinal);
        Assert.Contains("Protection", flag, StringComparison.Ordinal);
        Assert.Contains("short circuit", flag, StringComparison.Ordinal);
        Browser.Keep(driver, "fault-protection");
        rig.Pace.ShortCircuit = false;
        await Browser.UntilAsync(() => !PageReading.Flags(driver, "house", 1).Contains("protection:short_circuit"), "the protection gone from the page", TwoScans);

        rig.Seplos.Silent = true;
        await Browser.UntilAsync(() => PageReading.BatteryState(driver, "garage") == "down", "the silent battery down on the page", TwoScans);
        Assert.Contains("silence (no answer)", PageReading.BatteryText(driver, "garage"), StringComparison.Ordinal);
        Assert.Equal("fresh", PageReading.BatteryState(driver, "house"));
        Browser.Keep(driver, "fault-silent");
        rig.Seplos.Silent = false;
        await Browser.UntilAsync(() => PageReading.BatteryState(driver, "garage") == "fresh", "the battery back on the page", TwoScans);

        await rig.StopExporterAsync();
        await Browser.UntilAsync(() => PageReading.LinkState(driver) == "down", "the page saying the exporter is gone", TimeSpan.FromSeconds(10));
        Assert.Contains("Disconnected", driver.FindElement(By.Id("link")).Text, StringComparison.Ordinal);
        Browser.Keep(driver, "exporter-gone");
        await rig.StartExporterAsync();
        await Browser.UntilAsync(() => PageReading.LinkState(driver) == "live" && PageReading.BatteryState(driver, "house") == "fresh", "the page live again after the restart", TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Through_nginx_as_the_ingress_proxy_under_a_path_prefix_with_basic_auth_the_page_and_its_live_updates_work()
    {
        string dir = Directory.CreateTempSubdirectory("bmspace-ingress-").FullName;
        try
        {
            string hash = (await ProcessRunner.RunAsync("htpasswd", ["-nbB", "-C", "5", "alice", "s3cret"])).Output.Trim().Split(':', 2)[1];
            string webConfig = Path.Combine(dir, "web.yaml");
            await File.WriteAllTextAsync(webConfig, $"basic_auth_users:\n  alice: {hash}\n");
            await using var rig = await StatusPageRig.StartAsync(webConfig);
            const string Prefix = "/api/hassio_ingress/Zq3xT0k3n";
            await using var nginx = await IngressProxy.StartAsync(dir, Prefix, rig.Port);

            using (var plain = new HttpClient())
            {
                using var refused = await plain.GetAsync(new Uri(nginx.Address, Prefix + "/api/v1/status"));
                Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            }

            using var driver = Browser.Start(1280, 900);
            Browser.ExtraHeader(driver, "Authorization", "Basic " + Convert.ToBase64String("alice:s3cret"u8.ToArray()));
            driver.Navigate().GoToUrl(new Uri(nginx.Address, Prefix + "/"));
            await Browser.UntilAsync(() => PageReading.LinkState(driver) == "live" && PageReading.Numbers(driver, "house", 1).Count > 0, "the page live through the proxy", TimeSpan.FromSeconds(30));
            Assert.Equal(new Uri(nginx.Address, Prefix + "/metrics").ToString(), driver.FindElement(By.CssSelector("a[href='metrics']")).GetAttribute("href"));

            // Live: a protection raised now reaches the page through the proxy's event stream (not the fallback's fetching).
            Assert.Equal("Live", driver.FindElement(By.Id("link-text")).Text);
            rig.Pace.ShortCircuit = true;
            await Browser.UntilAsync(() => PageReading.Flags(driver, "house", 1).Contains("protection:short_circuit"), "a live update through the proxy", TwoScans);
            string log = await File.ReadAllTextAsync(Path.Combine(dir, "access.log"));
            Assert.Contains($"GET {Prefix}/status.js", log, StringComparison.Ordinal);
            Assert.DoesNotContain("\"GET /status.js", log, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>
    /// A Modbus battery on the page: an EG4 LL v2 bank whose unit 1 is the bank master, and a stand-alone Seplos V3 pack
    /// at address 0 with its bank blocks, every flag raised. Each pack's cells, figures and flags equal the status JSON
    /// and /metrics, the master is no pack card, and the battery's totals are the master's own (the JSON's
    /// <c>stack</c>, the <c>pace_bms_stack_*</c> series), not the packs summed.
    /// </summary>
    [Theory]
    [InlineData("eg4-ll", 3, true)]
    [InlineData("seplos-v3", 1, false)]
    public async Task A_modbus_batterys_cells_flags_and_bank_master_totals_on_the_page_equal_the_status_json_and_metrics(string family, int packs, bool bankMaster)
    {
        Assert.True(BmsPace.Protocol.Dialects.BmsDialects.TryFind(family, out var dialect));
        var simulated = new SimulatedBmsOptions
        {
            Dialect = dialect, Packs = packs, Seed = 3, TimeScale = 0, EveryFlagRaised = true,
            Bus = bankMaster ? BmsPace.Protocol.Simulation.SimulatedBus.BankMaster : BmsPace.Protocol.Simulation.SimulatedBus.Master,
        };
        var addresses = ((BmsPace.Protocol.Modbus.ModbusDialect)dialect).SimulatedSlaves(packs, bankMaster);
        var packNumbers = (bankMaster ? addresses.Skip(1) : addresses).Select(a => Math.Max(1, (int)a)).ToList();
        await using var server = SimulatorTcpServer.Start(new SimulatedBms(simulated), new IPEndPoint(IPAddress.Loopback, 0));
        await using var host = await RunningHost.StartAsync(new BmsPace.Configuration.BmsPaceOptions
        {
            ScanInterval = StatusPageRig.Scan,
            RequestTimeout = TimeSpan.FromMilliseconds(400),
            RequestGap = TimeSpan.Zero,
            Console = new BmsPace.Configuration.ConsoleOptions { Enabled = false },
            Batteries =
            [
                new BmsPace.Configuration.BatteryOptions
                {
                    Name = "rack", Connection = new BmsPace.Configuration.TcpConnectionSpec("127.0.0.1", server.EndPoint.Port), Protocol = family,
                    Address = addresses[0], Packs = [.. addresses.Select(a => (int)a)],
                },
            ],
        });
        using var http = new HttpClient { BaseAddress = host.Address };
        await Eventually.TrueAsync(async () => Fresh(await StatusAsync(http)), "the battery fresh");

        using var driver = Browser.Start(1280, 900);
        driver.Navigate().GoToUrl(host.Address);
        await Browser.UntilAsync(() => PageReading.LinkState(driver) == "live" && PageReading.Numbers(driver, "rack", packNumbers[^1]).Count > 0, "the page live", TimeSpan.FromSeconds(30));
        var status = await StatusAsync(http);
        var series = Exposition.Parse(await http.GetStringAsync("metrics"));

        int compared = packNumbers.Sum(pack => ComparePack(driver, status, series, "rack", pack));
        Assert.True(compared >= packs * (16 + 10), $"only {compared} numbers compared");
        Assert.All(packNumbers, pack => Assert.NotEmpty(PageReading.Flags(driver, "rack", pack)));
        var cards = driver.FindElements(By.CssSelector("section[aria-labelledby='b-rack'] article[data-pack]")).Select(a => int.Parse(a.GetAttribute("data-pack")!, CultureInfo.InvariantCulture));
        Assert.Equal(packNumbers, cards.Order());

        var stack = status.GetProperty("batteries")[0].GetProperty("stack");
        var totals = (IEnumerable<object>)((IJavaScriptExecutor)driver).ExecuteScript(
            "return Array.from(document.querySelectorAll(\"section[aria-labelledby='b-rack'] dl.totals[data-source='stack'] data[data-field]\")).map(e => [e.dataset.field, e.value])")!;
        var shown = totals.Select(o => ((IEnumerable<object>)o).Select(x => (string)x).ToArray()).ToDictionary(a => a[0], a => double.Parse(a[1], CultureInfo.InvariantCulture));
        var metricOfStackKey = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["voltage_volts"] = "pace_bms_stack_voltage_volts", ["current_amperes"] = "pace_bms_stack_current_amperes",
            ["power_watts"] = "pace_bms_stack_power_watts", ["state_of_charge_ratio"] = "pace_bms_stack_state_of_charge_ratio",
            ["remaining_amp_hours"] = "pace_bms_stack_capacity_remaining_amp_hours", ["full_amp_hours"] = "pace_bms_stack_capacity_full_amp_hours",
        };
        Assert.Equal(metricOfStackKey.Keys.Order(), shown.Keys.Order());
        foreach (var (key, value) in shown)
        {
            Assert.True(value == stack.GetProperty(key).GetDouble(), $"stack {key}: page {value}, JSON {stack.GetProperty(key)}");
            Assert.True(value == series[$"{metricOfStackKey[key]}{{battery=\"rack\"}}"], $"stack {key}: page {value}, metrics");
        }

        Browser.Keep(driver, $"modbus-{family}");
    }

    private static bool Fresh(JsonElement status) =>
        status.GetProperty("batteries").EnumerateArray().All(b => b.GetProperty("state").GetString() == "fresh");

    private static async Task<JsonElement> StatusAsync(HttpClient http) =>
        JsonDocument.Parse(await http.GetStringAsync("api/v1/status")).RootElement.Clone();

    /// <summary>Each number of one pack on the page against the JSON and /metrics; returns how many were compared.</summary>
    private static int ComparePack(IWebDriver driver, JsonElement status, Dictionary<string, double> series, string battery, int pack)
    {
        var json = PageReading.Pack(status, battery, pack);
        var shown = PageReading.Numbers(driver, battery, pack);
        string labels = $"battery=\"{battery}\",pack=\"{pack}\"";
        foreach (var (field, value, text) in shown)
        {
            string where = $"{battery} pack {pack} {field}";
            double fromJson;
            double fromMetrics;
            if (field.StartsWith("cell_voltages_volts.", StringComparison.Ordinal))
            {
                int index = int.Parse(field[(field.IndexOf('.', StringComparison.Ordinal) + 1)..], CultureInfo.InvariantCulture);
                fromJson = json.GetProperty("cell_voltages_volts")[index].GetDouble();
                fromMetrics = series[$"pace_bms_cell_voltage_volts{{{labels},cell=\"{index + 1}\"}}"];
            }
            else if (field.StartsWith("temperatures_celsius.", StringComparison.Ordinal))
            {
                int index = int.Parse(field[(field.IndexOf('.', StringComparison.Ordinal) + 1)..], CultureInfo.InvariantCulture);
                fromJson = json.GetProperty("temperatures_celsius")[index].GetDouble();
                fromMetrics = series[$"pace_bms_temperature_celsius{{{labels},sensor=\"{index + 1}\"}}"];
            }
            else if (field == "cell_voltage_delta_millivolts")
            {
                fromJson = Math.Round(json.GetProperty("cell_voltage_delta_volts").GetDouble() * 1000);
                fromMetrics = Math.Round(series[$"pace_bms_cell_voltage_delta_volts{{{labels}}}"] * 1000);
            }
            else if (field == "power_watts")
            {
                fromJson = json.GetProperty("voltage_volts").GetDouble() * json.GetProperty("current_amperes").GetDouble();
                fromMetrics = series[$"pace_bms_pack_power_watts{{{labels}}}"];
                Assert.True(Math.Abs(value - fromMetrics) < 0.01, $"{where}: page {value}, metrics {fromMetrics}");
                continue;
            }
            else
            {
                fromJson = json.GetProperty(field).GetDouble();
                fromMetrics = series[$"{MetricOfField[field]}{{{labels}}}"];
            }

            Assert.True(value == fromJson, $"{where}: page {value}, JSON {fromJson}");
            Assert.True(value == fromMetrics, $"{where}: page {value}, metrics {fromMetrics}");
            // The text shown is the value at the page's precision (percent for ratios).
            double shownNumber = double.Parse(text, CultureInfo.InvariantCulture);
            double expected = field.EndsWith("_ratio", StringComparison.Ordinal) ? value * 100 : value;
            int decimals = text.Contains('.', StringComparison.Ordinal) ? text.Length - text.IndexOf('.', StringComparison.Ordinal) - 1 : 0;
            Assert.True(Math.Abs(shownNumber - expected) <= (0.5 * Math.Pow(10, -decimals)) + 1e-9, $"{where}: shows {text} for {value}");
        }

        // Flags in words: exactly the pack's active flags of its own dialect, as /metrics has them at 1.
        var shownFlags = PageReading.Flags(driver, battery, pack).Where(f => !f.EndsWith("_fet", StringComparison.Ordinal)).ToHashSet();
        var jsonFlags = json.GetProperty("flags").EnumerateObject()
            .SelectMany(family => family.Value.EnumerateArray().Select(name => family.Name + ":" + name.GetString()))
            .Where(f => !f.EndsWith("_fet", StringComparison.Ordinal))
            .ToHashSet();
        Assert.Equal(jsonFlags, shownFlags);
        foreach (string flag in jsonFlags)
        {
            string[] parts = flag.Split(':');
            Assert.Equal(1, series[$"pace_bms_{parts[0]}{{{labels},flag=\"{parts[1]}\"}}"]);
        }

        return shown.Count;
    }
}
