using BmsPace.Configuration;
using BmsPace.Transport;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace BmsPace.Polling;

/// <summary>
/// Runs one <see cref="BatteryPoller"/> on its schedule and hands every snapshot to the sinks. A cycle that overruns the
/// interval is logged and the slots it covered are skipped, never queued; nothing a device or a sink does stops the host.
/// </summary>
public sealed class BatteryPollerService : BackgroundService
{
    private readonly BatteryPoller _poller;
    private readonly IBmsTransport _transport;
    private readonly BmsPaceOptions _options;
    private readonly IReadOnlyList<IReadingSink> _sinks;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public BatteryPollerService(BatteryPoller poller, IBmsTransport transport, BmsPaceOptions options, IEnumerable<IReadingSink> sinks, TimeProvider time, ILogger<BatteryPollerService> logger)
    {
        _poller = poller;
        _transport = transport;
        _options = options;
        _sinks = [.. sinks];
        _time = time;
        _logger = logger;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await PollOnScheduleAsync(stoppingToken);
        }
        finally
        {
            await _transport.DisposeAsync();
        }
    }

    private async Task PollOnScheduleAsync(CancellationToken stoppingToken)
    {
        var interval = _options.ScanInterval;
        long nextStart = _time.GetTimestamp();
        bool answered = false;
        long lastOverrunWarning = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var result = await _poller.PollOnceAsync(stoppingToken);
                answered = result.AnalogAnswered || result.AlarmAnswered;
                await PublishAsync(result.Snapshot, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception error)
            {
                PollerServiceLog.CycleFailed(_logger, error, _poller.Battery);
            }

            if (interval <= TimeSpan.Zero)
            {
                continue;
            }

            nextStart += (long)(interval.TotalSeconds * _time.TimestampFrequency);
            long now = _time.GetTimestamp();
            if (now > nextStart)
            {
                long behind = now - nextStart;
                long intervalTicks = (long)(interval.TotalSeconds * _time.TimestampFrequency);
                long skipped = (behind / intervalTicks) + 1;
                nextStart += skipped * intervalTicks;
                // A silent battery overruns every cycle by its timeouts, and the poller already said the link is down; a
                // scan_interval that is too short for a live battery is worth a warning, but not one per cycle.
                if (answered && (lastOverrunWarning == 0 || _time.GetElapsedTime(lastOverrunWarning) >= LinkHealth.ReminderInterval))
                {
                    lastOverrunWarning = _time.GetTimestamp();
                    PollerServiceLog.Overrun(_logger, _poller.Battery, interval, skipped);
                }
                else
                {
                    PollerServiceLog.OverrunWhileSilent(_logger, _poller.Battery, interval, skipped);
                }
            }

            var wait = TimeSpan.FromSeconds((double)(nextStart - _time.GetTimestamp()) / _time.TimestampFrequency);
            if (wait > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(wait, _time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task PublishAsync(BatterySnapshot snapshot, CancellationToken cancellationToken)
    {
        foreach (var sink in _sinks)
        {
            try
            {
                await sink.PublishAsync(snapshot, cancellationToken);
            }
            catch (Exception error) when (error is not OperationCanceledException)
            {
                PollerServiceLog.SinkFailed(_logger, error, _poller.Battery, sink.GetType().Name);
            }
        }
    }
}

internal static partial class PollerServiceLog
{
    [LoggerMessage(EventId = 220, Level = LogLevel.Warning, Message = "{Battery}: poll cycle took longer than scan_interval {Interval}; skipping {Skipped} cycle(s)")]
    public static partial void Overrun(ILogger logger, string battery, TimeSpan interval, long skipped);

    [LoggerMessage(EventId = 221, Level = LogLevel.Debug, Message = "{Battery}: poll cycle without an answer took longer than scan_interval {Interval}; skipping {Skipped} cycle(s)")]
    public static partial void OverrunWhileSilent(ILogger logger, string battery, TimeSpan interval, long skipped);

    [LoggerMessage(EventId = 222, Level = LogLevel.Error, Message = "{Battery}: poll cycle failed unexpectedly; polling goes on")]
    public static partial void CycleFailed(ILogger logger, Exception error, string battery);

    [LoggerMessage(EventId = 223, Level = LogLevel.Error, Message = "{Battery}: output {Sink} failed; polling goes on")]
    public static partial void SinkFailed(ILogger logger, Exception error, string battery, string sink);
}
