using System.Net;
using System.Net.Sockets;
using BmsPace.Configuration;
using BmsPace.Hosting;
using BmsPace.Polling;
using BmsPace.Protocol.Commands;
using BmsPace.Simulator;
using BmsPace.Tests.Simulation;
using BmsPace.Tests.EndToEnd;
using BmsPace.Tests.Influx;
using BmsPace.Tests.Transport;
using BmsPace.Transport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace BmsPace.Tests.Polling;

/// <summary>
/// A silent battery costs one line when it goes quiet and one when it answers again, not a warning per request: the
/// real poller service on its schedule, over TCP to the simulator, with the host's log filters at debug_output 0.
/// </summary>
public sealed class LinkStateLoggingTests
{
    private static readonly BmsPaceOptions Options = new()
    {
        ScanInterval = TimeSpan.FromMilliseconds(300),
        // Long enough that a loaded machine does not turn a slow answer into silence.
        RequestTimeout = TimeSpan.FromSeconds(1),
        RequestGap = TimeSpan.Zero,
        Retries = 0,
        ReconnectAfterFailures = 3,
    };

    [Fact]
    public async Task A_silent_battery_logs_one_down_line_for_many_cycles_and_one_back_line_with_the_downtime()
    {
        var bms = new RecordedBms(new SimulatedBmsOptions { Packs = 2 });
        await using var server = SimulatorTcpServer.Start(bms, new IPEndPoint(IPAddress.Loopback, 0));
        var battery = new BatteryOptions { Name = "shed", Connection = new TcpConnectionSpec("127.0.0.1", server.EndPoint.Port) };
        using var log = new RecordingLoggers(logging => BmsPaceHost.AddLogFilters(logging, debugOutput: 0));
        var transport = TransportFactory.Create(battery.Connection, log.Factory);
        var poller = new BatteryPoller(battery, Options, transport, TimeProvider.System, log.Factory.CreateLogger("BmsPace.Battery.shed"), log.Factory.CreateLogger(LogCategories.Frames));
        using var service = new BatteryPollerService(poller, transport, Options, [], TimeProvider.System, log.Factory.CreateLogger<BatteryPollerService>());

        await service.StartAsync(CancellationToken.None);
        try
        {
            await Eventually.TrueAsync(() => Task.FromResult(log.Count(LogLevel.Information, "shed: link up") > 0), "the link up line");
            await Eventually.TrueAsync(() => Task.FromResult(bms.ReceivedCid2s.Count(c => c == 0x44) >= 2), "two answered cycles");

            bms.SetFault(SimulatorFault.Parse("silent:1"));
            int requestsWhenSilenced = bms.RequestCount;

            // Each silent cycle sends four requests (analog and alarm, and the identity again after a reopen).
            await Eventually.TrueAsync(() => Task.FromResult(bms.RequestCount >= requestsWhenSilenced + 12), "several silent cycles", TimeSpan.FromSeconds(60));
            var down = Assert.Single(Warnings(log));
            Assert.StartsWith("shed: link down, no answer from tcp://127.0.0.1:", down.Message, StringComparison.Ordinal);
            Assert.Contains("(timeout: ", down.Message, StringComparison.Ordinal);

            bms.ClearFaults();
            await Eventually.TrueAsync(() => Task.FromResult(log.Count(LogLevel.Information, "shed: link back after ") > 0), "the link back line");
            int analogAfterReturn = bms.ReceivedCid2s.Count(c => c == 0x42);
            await Eventually.TrueAsync(() => Task.FromResult(bms.ReceivedCid2s.Count(c => c == 0x42) >= analogAfterReturn + 3), "three more cycles");

            var back = Assert.Single(log.Entries, e => e.Message.StartsWith("shed: link back after ", StringComparison.Ordinal));
            Assert.Matches(@"^shed: link back after (\d+\.\d s|\d+ min \d\d s) down$", back.Message);
            Assert.Single(Warnings(log));
            Assert.True(log.Count(LogLevel.Warning, "took longer than scan_interval") <= 1, log.AllText);
            Assert.Equal(1, log.Count(LogLevel.Information, "shed: link up"));
        }
        finally
        {
            await service.StopAsync(CancellationToken.None);
        }
    }

    /// <summary>Warnings other than the overrun of scan_interval, which comes at most once per reminder interval.</summary>
    private static List<(string Category, LogLevel Level, string Message)> Warnings(RecordingLoggers log) =>
        [.. log.Entries.Where(e => e.Level >= LogLevel.Warning && !e.Message.Contains("took longer than scan_interval", StringComparison.Ordinal))];

    [Fact]
    public async Task A_link_that_stays_down_is_mentioned_again_after_the_reminder_interval_and_not_before()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero));
        using var log = new RecordingLoggers(logging => BmsPaceHost.AddLogFilters(logging, debugOutput: 0));
        var poller = new BatteryPoller(
            new BatteryOptions { Name = "shed" },
            new BmsPaceOptions { RequestGap = TimeSpan.Zero, Retries = 0 },
            new ScriptedTransport(_ => null),
            time,
            log.Factory.CreateLogger("BmsPace.Battery.shed"));

        for (int minute = 0; minute < 12; minute++)
        {
            await poller.PollOnceAsync(CancellationToken.None);
            time.Advance(TimeSpan.FromMinutes(1));
        }

        var warnings = log.Entries.Where(e => e.Level >= LogLevel.Warning).Select(e => e.Message).ToList();
        Assert.Equal(3, warnings.Count);
        Assert.StartsWith("shed: link down, no answer from scripted (timeout: no answer within the timeout)", warnings[0], StringComparison.Ordinal);
        Assert.Equal("shed: link still down after 5 min 00 s (timeout: no answer within the timeout)", warnings[1]);
        Assert.Equal("shed: link still down after 10 min 00 s (timeout: no answer within the timeout)", warnings[2]);
    }

    [Fact]
    public async Task Requests_the_link_could_not_send_are_not_counted_as_requests_but_their_failures_are()
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        var battery = new BatteryOptions { Name = "shed", Connection = new TcpConnectionSpec("127.0.0.1", port) };
        using var log = new RecordingLoggers();
        await using var transport = TransportFactory.Create(battery.Connection, log.Factory);
        var poller = new BatteryPoller(battery, Options, transport, TimeProvider.System, log.Factory.CreateLogger("BmsPace.Battery.shed"));

        var result = await poller.PollOnceAsync(CancellationToken.None);

        Assert.Empty(result.Snapshot.Counters.Requests);
        Assert.True(result.Snapshot.Counters.Failures[(CommandKind.Analog.ToLabel(), "io")] >= 1);
        Assert.True(result.Snapshot.Counters.Failures[(CommandKind.Alarm.ToLabel(), "io")] >= 1);
    }
}
