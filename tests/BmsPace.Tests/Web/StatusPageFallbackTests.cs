using OpenQA.Selenium;

namespace BmsPace.Tests.Web;

/// <summary>
/// The page without its event stream, in Debian's headless Chromium against the real host: a browser without
/// EventSource, and an exporter that refuses the stream because every live slot is taken. Either way the page fetches
/// <c>api/v1/status</c> once per scan and stays live.
/// </summary>
[Collection("browser")]
public sealed class StatusPageFallbackTests
{
    private static readonly TimeSpan TwoScans = (StatusPageRig.Scan * 2) + TimeSpan.FromSeconds(3);

    private static readonly string Polling = $"Live (updates every {StatusPageRig.Scan.TotalSeconds:0} s)";

    [Fact]
    public async Task Without_eventsource_the_page_fetches_the_status_json_once_per_scan_shows_a_fault_and_recovers_after_the_exporter_restarts()
    {
        await using var rig = await StatusPageRig.StartAsync();
        using var driver = Browser.Start(1280, 900);
        // As a browser without server-sent events: the name is gone before the page's script runs.
        driver.ExecuteCdpCommand("Page.addScriptToEvaluateOnNewDocument", new Dictionary<string, object?> { ["source"] = "delete window.EventSource;" });
        driver.Navigate().GoToUrl(rig.Address);
        Assert.Equal("undefined", ((IJavaScriptExecutor)driver).ExecuteScript("return typeof window.EventSource"));
        await Browser.UntilAsync(() => LinkText(driver) == Polling && PageReading.Flags(driver, "house", 1).Count > 0, "the page live by fetching", TimeSpan.FromSeconds(30));

        rig.Pace.ShortCircuit = true;
        await Browser.UntilAsync(() => PageReading.Flags(driver, "house", 1).Contains("protection:short_circuit"), "the protection on the fetching page", TwoScans);
        rig.Pace.ShortCircuit = false;
        await Browser.UntilAsync(() => !PageReading.Flags(driver, "house", 1).Contains("protection:short_circuit"), "the protection gone from the fetching page", TwoScans);
        var requests = ApiRequests(driver);
        Assert.True(requests.Count(r => r == "fetch api/v1/status") >= 3, string.Join(", ", requests));
        Assert.All(requests, r => Assert.Equal("fetch api/v1/status", r));

        await rig.StopExporterAsync();
        await Browser.UntilAsync(() => PageReading.LinkState(driver) == "down", "the fetching page saying the exporter is gone", TimeSpan.FromSeconds(15));
        Assert.Contains("Disconnected", LinkText(driver), StringComparison.Ordinal);
        await rig.StartExporterAsync();
        await Browser.UntilAsync(() => LinkText(driver) == Polling && PageReading.BatteryState(driver, "house") == "fresh", "the fetching page live again after the restart", TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task When_every_live_slot_is_taken_the_page_falls_back_to_fetching_stays_live_and_returns_to_events_when_a_slot_frees()
    {
        await using var rig = await StatusPageRig.StartAsync();
        var others = LiveClients.Open(new Uri(rig.Address, "api/v1/events"), BmsPace.Web.Status.StatusEndpoints.MaxLiveClients);
        try
        {
            await others.EveryOneGotAnotherAsync(null, TimeSpan.FromSeconds(90));
            Assert.Empty(others.Refused());

            using var driver = Browser.Start(1280, 900);
            driver.Navigate().GoToUrl(rig.Address);
            await Browser.UntilAsync(() => LinkText(driver) == Polling && PageReading.Flags(driver, "house", 1).Count > 0, "the refused page live by fetching", TimeSpan.FromSeconds(30));
            Assert.Contains("fetch api/v1/status", ApiRequests(driver));

            rig.Pace.ShortCircuit = true;
            await Browser.UntilAsync(() => PageReading.Flags(driver, "house", 1).Contains("protection:short_circuit"), "the protection on the refused page", TwoScans);

            await others.DisposeAsync();
            // The page tries events again now and then while it fetches (one fetch in five): with room it stays on them.
            await Browser.UntilAsync(() => LinkText(driver) == "Live", "the page back on events", TimeSpan.FromSeconds(120));
            rig.Pace.ShortCircuit = false;
            await Browser.UntilAsync(() => !PageReading.Flags(driver, "house", 1).Contains("protection:short_circuit"), "a live update on events again", TwoScans);
        }
        finally
        {
            await others.DisposeAsync();
        }
    }

    private static string LinkText(IWebDriver driver) => driver.FindElement(By.Id("link-text")).Text;

    /// <summary>The page's requests to <c>api/v1/</c>, as the browser's resource timing lists them: how each was made and what.</summary>
    private static IReadOnlyList<string> ApiRequests(IWebDriver driver) =>
        [.. ((IEnumerable<object>)((IJavaScriptExecutor)driver).ExecuteScript(
            "return performance.getEntriesByType('resource').filter(e => e.name.includes('/api/v1/')).map(e => e.initiatorType + ' ' + e.name.substring(e.name.indexOf('api/v1/')))")!)
            .Select(o => (string)o)];
}
