using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using BmsPace.Protocol.Dialects;
using BmsPace.Configuration;
using BmsPace.Hosting;
using BmsPace.Protocol.Framing;
using BmsPace.Simulator;
using BmsPace.Tests.EndToEnd;
using BmsPace.Tests.Prometheus;
using BmsPace.Tests.Simulation;
using BmsPace.Web;
using Microsoft.Extensions.Hosting;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;

namespace BmsPace.Tests.Web;

/// <summary>
/// A simulated PACE battery whose alarm answer can carry a protection: the simulator's own reply with
/// protect_state_1 bit 6 (<c>short_circuit</c>, METRICS.md) set for pack 1, framed again with a correct checksum, as a
/// real pack raising it would send.
/// </summary>
internal sealed class ProtectingBms(RecordedBms inner) : ISimulatedDevice
{
    private volatile bool _shortCircuit;

    public RecordedBms Inner => inner;

    public bool ShortCircuit
    {
        get => _shortCircuit;
        set => _shortCircuit = value;
    }

    public LineTiming Line => inner.Line;

    public BmsPace.Protocol.Wire.IWireFormat Wire => inner.Wire;

    public SimulatorReply Respond(ReadOnlySpan<byte> requestBytes)
    {
        var reply = inner.Respond(requestBytes);
        string request = System.Text.Encoding.ASCII.GetString(requestBytes);
        if (!_shortCircuit || reply.Bytes.Length == 0 || request.Length < 9 || request[7..9] != "44")
        {
            return reply;
        }

        var frame = FrameDecoder.Parse(System.Text.Encoding.ASCII.GetString(reply.Bytes), inner.Options.Version);
        byte[] info = [.. frame.Info];
        // INFOFLAG, pack count, then pack 1: cell count, cells, sensor count, sensors, three current/voltage warnings.
        int cells = info[2];
        int sensors = info[3 + cells];
        int protectState1 = 4 + cells + sensors + 3;
        info[protectState1] |= 1 << 6;
        return SimulatorReply.Frame(System.Text.Encoding.ASCII.GetBytes(FrameEncoder.EncodeResponse(frame.Version, frame.Address, frame.Cid1, frame.ReturnCode, info)));
    }
}

/// <summary>A simulated battery that can fall silent (no answer at all) and speak again, as a battery switched off and on.</summary>
internal sealed class SilenceableBms(SimulatedBms inner) : ISimulatedDevice
{
    private volatile bool _silent;

    public bool Silent
    {
        get => _silent;
        set => _silent = value;
    }

    public LineTiming Line => inner.Line;

    public BmsPace.Protocol.Wire.IWireFormat Wire => inner.Wire;

    public SimulatorReply Respond(ReadOnlySpan<byte> request) => _silent ? SimulatorReply.None : inner.Respond(request);
}

/// <summary>
/// Three PACE packs and a Seplos battery, each behind the simulator's TCP server on a clock the test can freeze, read by
/// the real <c>run</c> host (<see cref="BmsPaceHost.Build"/>) whose web host listens on a free loopback port.
/// </summary>
internal sealed class StatusPageRig : IAsyncDisposable
{
    public static readonly TimeSpan Scan = TimeSpan.FromSeconds(2);

    private readonly SimulatorTcpServer _paceServer;
    private readonly SimulatorTcpServer _seplosServer;
    private IHost? _host;

    private StatusPageRig(FreezableClock clock, ProtectingBms pace, SilenceableBms seplos, SimulatorTcpServer paceServer, SimulatorTcpServer seplosServer, int port, string? webConfigFile)
    {
        Clock = clock;
        Pace = pace;
        Seplos = seplos;
        _paceServer = paceServer;
        _seplosServer = seplosServer;
        Port = port;
        WebConfigFile = webConfigFile;
        Options = new BmsPaceOptions
        {
            ScanInterval = Scan,
            RequestTimeout = TimeSpan.FromMilliseconds(400),
            RequestGap = TimeSpan.FromMilliseconds(20),
            Retries = 0,
            StaleAfterCycles = 3,
            Console = new ConsoleOptions { Enabled = false },
            Prometheus = new PrometheusOptions { Listen = $"127.0.0.1:{port}", WebConfigFile = webConfigFile },
            Batteries =
            [
                new BatteryOptions { Name = "house", Connection = new TcpConnectionSpec("127.0.0.1", paceServer.EndPoint.Port), Protocol = "pace" },
                new BatteryOptions { Name = "garage", Connection = new TcpConnectionSpec("127.0.0.1", seplosServer.EndPoint.Port) },
            ],
        };
    }

    public FreezableClock Clock { get; }

    public ProtectingBms Pace { get; }

    public SilenceableBms Seplos { get; }

    public int Port { get; }

    public string? WebConfigFile { get; }

    public BmsPaceOptions Options { get; }

    public Uri Address => new($"http://127.0.0.1:{Port}/");

    public static async Task<StatusPageRig> StartAsync(string? webConfigFile = null)
    {
        var clock = new FreezableClock();
        var pace = new ProtectingBms(new RecordedBms(new SimulatedBmsOptions { Packs = 3 }, clock));
        var seplos = new SilenceableBms(new SimulatedBms(new SimulatedBmsOptions { Packs = 1, Dialect = KnownDialects.Seplos }, clock));
        var paceServer = SimulatorTcpServer.Start(pace, new IPEndPoint(IPAddress.Loopback, 0));
        var seplosServer = SimulatorTcpServer.Start(seplos, new IPEndPoint(IPAddress.Loopback, 0));
        var rig = new StatusPageRig(clock, pace, seplos, paceServer, seplosServer, ProcessRunner.FreePort(), webConfigFile);
        await rig.StartExporterAsync();
        return rig;
    }

    /// <summary>Starts (or starts again) the exporter on the same port, as a restarted service would.</summary>
    public async Task StartExporterAsync()
    {
        var errors = new List<string>();
        var web = await WebHostSettings.LoadAsync(Options, errors, CancellationToken.None);
        Assert.Empty(errors);
        _host = BmsPaceHost.Build(Options, web!, TextWriter.Null);
        await _host.StartAsync();
    }

    public async Task StopExporterAsync()
    {
        if (_host is { } host)
        {
            _host = null;
            await host.StopAsync();
            await host.DisposeHostAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopExporterAsync();
        await _paceServer.DisposeAsync();
        await _seplosServer.DisposeAsync();
    }
}

/// <summary>Debian's headless Chromium driven by Debian's chromedriver (given explicitly: nothing is downloaded).</summary>
internal static class Browser
{
    public static ChromeDriver Start(int width, int height)
    {
        var service = ChromeDriverService.CreateDefaultService("/usr/bin/chromedriver");
        service.HideCommandPromptWindow = true;
        service.SuppressInitialDiagnosticInformation = true;
        var options = new ChromeOptions { BinaryLocation = "/usr/bin/chromium" };
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars", $"--window-size={width},{height}", "--lang=en-GB");
        var driver = new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
        driver.Manage().Timeouts().PageLoad = TimeSpan.FromSeconds(30);
        // A window is at least 500 px wide: a phone's viewport is emulated, as the browser's device mode does.
        driver.ExecuteCdpCommand("Emulation.setDeviceMetricsOverride", new Dictionary<string, object?>
        {
            ["width"] = width,
            ["height"] = height,
            ["deviceScaleFactor"] = 1,
            ["mobile"] = width < 600,
        });
        return driver;
    }

    /// <summary>Light or dark, as the operating system would ask through prefers-color-scheme.</summary>
    public static void ColorScheme(ChromeDriver driver, string scheme) =>
        driver.ExecuteCdpCommand("Emulation.setEmulatedMedia", new Dictionary<string, object?>
        {
            ["features"] = new object[] { new Dictionary<string, object> { ["name"] = "prefers-color-scheme", ["value"] = scheme } },
        });

    /// <summary>Sends a header with every request of the page (basic auth as a browser that was asked once would).</summary>
    public static void ExtraHeader(ChromeDriver driver, string name, string value)
    {
        driver.ExecuteCdpCommand("Network.enable", []);
        driver.ExecuteCdpCommand("Network.setExtraHTTPHeaders", new Dictionary<string, object?> { ["headers"] = new Dictionary<string, object> { [name] = value } });
    }

    public static async Task UntilAsync(Func<bool> condition, string what, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                if (condition())
                {
                    return;
                }
            }
            catch (StaleElementReferenceException)
            {
                // The page re-rendered between finding an element and reading it: look again.
            }

            if (watch.Elapsed > timeout)
            {
                throw new TimeoutException($"timed out after {timeout.TotalSeconds:F0} s waiting for {what}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>A screenshot kept with the test output (TestResults/status-page/NAME.png).</summary>
    public static string Keep(ChromeDriver driver, string name)
    {
        string directory = Path.Combine(RepoPaths.Root, "tests", "BmsPace.Tests", "TestResults", "status-page");
        Directory.CreateDirectory(directory);
        string path = Path.Combine(directory, name + ".png");
        driver.GetScreenshot().SaveAsFile(path);
        return path;
    }
}

/// <summary>What the page shows, read from its DOM: per battery and pack, every number by its JSON field.</summary>
internal static class PageReading
{
    public static string BatteryState(IWebDriver driver, string battery) =>
        driver.FindElement(By.CssSelector($"section[aria-labelledby='b-{battery}'] .bhead .badge")).GetAttribute("data-state") ?? "";

    public static string BatteryText(IWebDriver driver, string battery) =>
        driver.FindElement(By.CssSelector($"section[aria-labelledby='b-{battery}']")).Text;

    // Read in one script run: the page redraws on every event, so elements found one call earlier may be gone.
    public static IReadOnlyList<string> Flags(IWebDriver driver, string battery, int pack) =>
        [.. ((IEnumerable<object>)((IJavaScriptExecutor)driver).ExecuteScript(
            "return Array.from(document.querySelectorAll(arguments[0])).map(e => e.dataset.flag)",
            $"section[aria-labelledby='b-{battery}'] article[data-pack='{pack}'] li[data-flag]")!).Select(o => (string)o)];

    /// <summary>Every <c>data</c> element of one pack: field, exact value, and the text shown.</summary>
    public static IReadOnlyList<(string Field, double Value, string Text)> Numbers(IWebDriver driver, string battery, int pack) =>
        [.. ((IEnumerable<object>)((IJavaScriptExecutor)driver).ExecuteScript(
            "return Array.from(document.querySelectorAll(arguments[0])).map(e => [e.dataset.field, e.value, e.textContent])",
            $"section[aria-labelledby='b-{battery}'] article[data-pack='{pack}'] data[data-field]")!)
            .Select(o => ((IEnumerable<object>)o).Select(x => (string)x).ToArray())
            .Select(a => (a[0], double.Parse(a[1], CultureInfo.InvariantCulture), a[2]))];

    public static string LinkState(IWebDriver driver) => driver.FindElement(By.Id("link")).GetAttribute("data-state") ?? "";

    public static JsonElement Pack(JsonElement status, string battery, int pack) =>
        status.GetProperty("batteries").EnumerateArray().Single(b => b.GetProperty("name").GetString() == battery)
            .GetProperty("packs").EnumerateArray().Single(p => p.GetProperty("pack").GetInt32() == pack);
}

/// <summary>
/// nginx as the Home Assistant ingress proxy: the add-on's port under <c>/api/hassio_ingress/TOKEN/</c>, with
/// <c>X-Ingress-Path</c> set, started by the test on a free port with its own configuration and temporary folders.
/// </summary>
internal sealed class IngressProxy : IAsyncDisposable
{
    private readonly Process _nginx;

    private IngressProxy(Process nginx, int port)
    {
        _nginx = nginx;
        Address = new Uri($"http://127.0.0.1:{port}");
    }

    public Uri Address { get; }

    public static async Task<IngressProxy> StartAsync(string directory, string prefix, int upstreamPort)
    {
        int port = ProcessRunner.FreePort();
        foreach (string sub in new[] { "client_body", "proxy", "fastcgi", "uwsgi", "scgi" })
        {
            Directory.CreateDirectory(Path.Combine(directory, sub));
        }

        string config = $$"""
            daemon off;
            worker_processes 1;
            pid {{directory}}/nginx.pid;
            error_log {{directory}}/error.log warn;
            events { worker_connections 256; }
            http {
                access_log {{directory}}/access.log;
                client_body_temp_path {{directory}}/client_body;
                proxy_temp_path {{directory}}/proxy;
                fastcgi_temp_path {{directory}}/fastcgi;
                uwsgi_temp_path {{directory}}/uwsgi;
                scgi_temp_path {{directory}}/scgi;
                server {
                    listen 127.0.0.1:{{port}};
                    location {{prefix}}/ {
                        proxy_pass http://127.0.0.1:{{upstreamPort}}/;
                        proxy_http_version 1.1;
                        proxy_set_header Connection "";
                        proxy_set_header X-Ingress-Path {{prefix}};
                        proxy_read_timeout 300s;
                    }
                }
            }
            """;
        string configPath = Path.Combine(directory, "nginx.conf");
        await File.WriteAllTextAsync(configPath, config);
        var start = new ProcessStartInfo("nginx") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string argument in new[] { "-p", directory, "-c", configPath, "-e", Path.Combine(directory, "error.log") })
        {
            start.ArgumentList.Add(argument);
        }

        var nginx = Process.Start(start)!;
        using var http = new HttpClient();
        await Influx.Eventually.TrueAsync(async () =>
        {
            try
            {
                using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/"));
                return true;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, "nginx listening", TimeSpan.FromSeconds(15));
        return new IngressProxy(nginx, port);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_nginx.HasExited)
        {
            _nginx.Kill(entireProcessTree: true);
        }

        await _nginx.WaitForExitAsync();
        _nginx.Dispose();
    }
}
