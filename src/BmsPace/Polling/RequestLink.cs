using BmsPace.Configuration;
using BmsPace.Protocol.Commands;
using BmsPace.Protocol.Dialects;
using BmsPace.Protocol.Framing;
using BmsPace.Transport;
using Microsoft.Extensions.Logging;

namespace BmsPace.Polling;

/// <summary>
/// One battery link as the poller uses it: one request in flight, the configured gap between requests, retries, the
/// failure of each attempt counted and logged, the link's health judged per cycle, and the link reopened after
/// repeated failures (<see cref="Reconnected"/> tells the parts that must start over).
/// </summary>
internal sealed class RequestLink
{
    private readonly BatteryOptions _battery;
    private readonly BmsPaceOptions _options;
    private readonly IBmsTransport _transport;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly FrameLog _frames;
    private readonly LinkHealth _health;
    private readonly bool _dialectConfigured;
    private int _consecutiveFailures;
    private long _lastExchangeEndTimestamp;

    public RequestLink(BatteryOptions battery, BmsPaceOptions options, IBmsTransport transport, TimeProvider time, ILogger logger, ILogger frames)
    {
        _battery = battery;
        _options = options;
        _transport = transport;
        _time = time;
        _logger = logger;
        _frames = new FrameLog(battery.Name, frames);
        _health = new LinkHealth(battery.Name, transport.Description, time, logger);
        _dialectConfigured = BmsDialects.TryFind(battery.Protocol, out _);
        Counters = new RequestCounters(battery.Name, time, logger);
    }

    /// <summary>Called after the link was reopened: what was learnt about the battery behind it may no longer hold.</summary>
    public event Action? Reconnected;

    public RequestCounters Counters { get; }

    public string Description => _transport.Description;

    /// <summary>Why the last request returned nothing (null after a good frame).</summary>
    public FrameError? LastFailure { get; private set; }

    /// <summary>Whether the last request got no frame back at all (timeout, io, echo, truncated): the line was silent.</summary>
    public bool LastRequestUnanswered { get; private set; }

    /// <summary>Ends a poll cycle for the link's health (up, down, back).</summary>
    public void EndCycle() => _health.EndCycle();

    /// <summary>True after a cycle in which some request got a frame back.</summary>
    public bool IsUp => _health.IsUp;

    /// <summary>
    /// Sends one read in <paramref name="dialect"/> (with retries) and returns the validated frame, or null after counting
    /// the failure. A refusal is retried like a damaged frame unless it says the command is unknown (RTN 04). Identity
    /// reads and detection probes get no retries (<paramref name="singleAttempt"/>): firmware without an identity
    /// command answers RTN 04 or nothing, a pack of another dialect stays silent, and that must not slow every cycle.
    /// </summary>
    public async Task<ResponseFrame?> RequestAsync(
        IBmsDialect dialect, CommandKind kind, byte address, byte packByte, CancellationToken cancellationToken, bool singleAttempt = false)
    {
        string request = dialect.BuildRequest(kind, address, packByte, _battery.ProtocolVersion);
        int attempts = singleAttempt ? 1 : 1 + _options.Retries;
        for (int attempt = 1; attempt <= attempts; attempt++)
        {
            await WaitForGapAsync(cancellationToken);
            FrameError reason;
            string detail;
            bool finalRefusal = false;
            LastRequestUnanswered = false;
            try
            {
                _frames.Write("->", kind, request);
                string response = await _transport.ExchangeAsync(request, _options.RequestTimeout, cancellationToken);
                Counters.Sent(kind);
                _health.Answered();
                _frames.Write("<-", kind, response);

                // Without a VER override a frame with another dialect's header cannot be ours (with one, the dialect's
                // decoder refuses a frame that another dialect's layout explains).
                if (_dialectConfigured && _battery.ProtocolVersion is null && DialectDetector.LookAlike(response, dialect) is { } other)
                {
                    throw new PaceProtocolException(
                        FrameError.Decode,
                        $"the answer carries the VER and CID1 of {other.Name}, not of the configured {dialect.Name}: set protocol: {other.Name} (or auto)");
                }

                var frame = dialect.Validate(response, request, _battery.ProtocolVersion);
                _consecutiveFailures = 0;
                LastFailure = null;
                return frame;
            }
            catch (TransportException error)
            {
                // Only a request that went out on the line is a request; one the link could not even send is not.
                if (error.RequestSent)
                {
                    Counters.Sent(kind);
                }

                reason = error.Reason;
                detail = error.Message;
                LastRequestUnanswered = true;
                _health.Unanswered(reason, detail);
            }
            catch (PaceProtocolException error)
            {
                reason = error.Error;
                detail = error.Detail;
                finalRefusal = error.Error == FrameError.Rtn && !(error.ReturnCode is { } code && ReturnCodes.IsTransient(code));
            }
            finally
            {
                _lastExchangeEndTimestamp = _time.GetTimestamp();
            }

            LastFailure = reason;
            Counters.Failed(kind, reason, detail);
            if (reason != FrameError.Rtn)
            {
                _consecutiveFailures++;
            }

            if (_consecutiveFailures >= _options.ReconnectAfterFailures)
            {
                await ReconnectAsync(cancellationToken);
            }

            if (finalRefusal)
            {
                break;
            }
        }

        return null;
    }

    private async Task ReconnectAsync(CancellationToken cancellationToken)
    {
        _consecutiveFailures = 0;
        Counters.Reconnected();
        Reconnected?.Invoke();
        PollerLog.Reopening(_logger, _battery.Name, _options.ReconnectAfterFailures, _transport.Description);
        try
        {
            await _transport.ResetAsync(cancellationToken);
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            PollerLog.CloseFailed(_logger, error, _battery.Name, _transport.Description);
        }
    }

    private async Task WaitForGapAsync(CancellationToken cancellationToken)
    {
        if (_lastExchangeEndTimestamp == 0 || _options.RequestGap <= TimeSpan.Zero)
        {
            return;
        }

        var remaining = _options.RequestGap - _time.GetElapsedTime(_lastExchangeEndTimestamp);
        if (remaining > TimeSpan.Zero)
        {
            await Task.Delay(remaining, _time, cancellationToken);
        }
    }
}
