using BmsPace.Configuration;
using BmsPace.Hosting;
using BmsPace.Polling;
using BmsPace.Tests.Transport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace BmsPace.Tests.Polling;

/// <summary>The Python tool's options as the poller uses them: debug_output levels and force_pack_offset.</summary>
public sealed class SeedOptionsTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));

    private static Func<string, string?> AnswersWith(string analog) => request => Frames.Cid2Of(request) switch
    {
        0x42 => analog,
        0x44 => Frames.Alarm(3),
        _ => Frames.UnknownCommand,
    };

    /// <summary>One cycle with the host's log filters for <paramref name="level"/>: what an operator would read.</summary>
    private async Task<List<(LogLevel Level, string Message)>> PollWithDebugOutputAsync(int level, string analog)
    {
        using var log = new RecordingLoggers(logging => BmsPaceHost.AddLogFilters(logging, level));
        var options = new BmsPaceOptions { RequestGap = TimeSpan.Zero, Retries = 0, DebugOutput = level };
        var poller = new BatteryPoller(
            new BatteryOptions { Name = "garage" },
            options,
            new ScriptedTransport(AnswersWith(analog)),
            _time,
            log.Factory.CreateLogger("BmsPace.Battery.garage"),
            log.Factory.CreateLogger(LogCategories.Frames));
        await poller.PollOnceAsync(CancellationToken.None);
        return [.. log.Entries.Select(e => (e.Level, e.Message))];
    }

    [Fact]
    public async Task Level_0_keeps_a_checksum_error_out_of_the_log_and_prints_no_frames()
    {
        var log = await PollWithDebugOutputAsync(0, Frames.Corrupt(Frames.Analog3Packs));

        Assert.DoesNotContain(log, e => e.Message.Contains("checksum", StringComparison.Ordinal));
        Assert.DoesNotContain(log, e => e.Message.Contains("~25014642E002FFFD05", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Level_1_reports_minor_errors_such_as_checksums()
    {
        var log = await PollWithDebugOutputAsync(1, Frames.Corrupt(Frames.Analog3Packs));

        Assert.Contains(log, e => e.Message.Contains("analog failed (checksum)", StringComparison.Ordinal));
        Assert.DoesNotContain(log, e => e.Message.Contains("~25014642E002FFFD05", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Level_2_prints_every_frame_sent_and_received_and_level_3_adds_hex()
    {
        var two = await PollWithDebugOutputAsync(2, Frames.Analog3Packs);
        Assert.Contains(two, e => e.Message == @"garage -> analog ~25014642E002FFFD05\r");
        Assert.Contains(two, e => e.Message.StartsWith("garage <- analog ~25014600916000030F", StringComparison.Ordinal));
        Assert.DoesNotContain(two, e => e.Message.Contains("[7E 32", StringComparison.Ordinal));

        var three = await PollWithDebugOutputAsync(3, Frames.Analog3Packs);
        Assert.Contains(three, e => e.Message == @"garage -> analog ~25014642E002FFFD05\r [7E 32 35 30 31 34 36 34 32 45 30 30 32 46 46 46 44 30 35 0D]");
    }

    [Fact]
    public async Task Force_pack_offset_skips_a_fixed_tail_after_each_pack_instead_of_searching()
    {
        // The 15s Gobel stack sends one SOC byte (2 characters) after each pack block.
        var options = new BmsPaceOptions { RequestGap = TimeSpan.Zero, Retries = 0, ForcePackOffset = 2 };
        var poller = new BatteryPoller(new BatteryOptions { Name = "garage" }, options, new ScriptedTransport(AnswersWith(Frames.Analog3Packs)), _time, new RecordingLogger());
        var result = await poller.PollOnceAsync(CancellationToken.None);

        Assert.Equal([52.22, 52.113, 50.907], result.AnalogPacks.Select(p => p.VoltageVolts));
        Assert.All(result.AnalogPacks, p => Assert.Equal(2, p.TailHex.Length));

        // A wrong offset does not fit the frame: it is a decode failure, never shifted values.
        var wrong = new BatteryPoller(new BatteryOptions { Name = "garage" }, options with { ForcePackOffset = 6 }, new ScriptedTransport(AnswersWith(Frames.Analog3Packs)), _time, new RecordingLogger());
        var failed = await wrong.PollOnceAsync(CancellationToken.None);
        Assert.False(failed.AnalogAnswered);
        Assert.Equal(1, failed.Snapshot.Counters.Failures[("analog", "decode")]);
    }

    private sealed class RecordingLogger : ILogger
    {
        public List<(LogLevel Level, string Message)> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Add((logLevel, formatter(state, exception)));
    }
}
