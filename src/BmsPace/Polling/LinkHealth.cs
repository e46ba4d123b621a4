using System.Globalization;
using BmsPace.Protocol.Framing;
using Microsoft.Extensions.Logging;

namespace BmsPace.Polling;

/// <summary>
/// Whether a battery answers, judged per poll cycle: a cycle in which no request got any frame back puts the link down,
/// a cycle with at least one frame (valid or not) puts it up. Only the changes are logged (down with the reason, back
/// with the downtime), plus a reminder while it stays down, so a silent battery costs one line, not several per cycle.
/// </summary>
internal sealed class LinkHealth(string battery, string transport, TimeProvider time, ILogger logger)
{
    /// <summary>How often a link that stays down, or a refusal that keeps coming, is mentioned again.</summary>
    public static readonly TimeSpan ReminderInterval = TimeSpan.FromMinutes(5);

    private State _state = State.Unknown;
    private bool _answeredThisCycle;
    private bool _unansweredThisCycle;
    private FrameError _lastReason;
    private string _lastDetail = "";
    private long _lastAnswerTimestamp = time.GetTimestamp();
    private long _lastReportTimestamp;
    private long _downSinceTimestamp;

    private enum State
    {
        Unknown,
        Up,
        Down,
    }

    /// <summary>True after a cycle in which some request got a frame back.</summary>
    public bool IsUp => _state == State.Up;

    /// <summary>A frame came back (whatever its content): the battery is there.</summary>
    public void Answered()
    {
        _answeredThisCycle = true;
        _lastAnswerTimestamp = time.GetTimestamp();
    }

    /// <summary>
    /// A request got no frame back (timeout, io, echo, truncated). The cycle's first such failure is the one reported:
    /// later ones tend to be consequences ("not connected; the next attempt is in ...").
    /// </summary>
    public void Unanswered(FrameError reason, string detail)
    {
        if (_unansweredThisCycle)
        {
            return;
        }

        _unansweredThisCycle = true;
        _lastReason = reason;
        _lastDetail = detail;
    }

    public void EndCycle()
    {
        bool answered = _answeredThisCycle;
        _answeredThisCycle = false;
        _unansweredThisCycle = false;
        long now = time.GetTimestamp();
        if (answered)
        {
            if (_state == State.Down)
            {
                PollerLog.LinkBack(logger, battery, Format(time.GetElapsedTime(_downSinceTimestamp, now)));
            }
            else if (_state == State.Unknown)
            {
                PollerLog.LinkUp(logger, battery, transport);
            }

            _state = State.Up;
            return;
        }

        if (_state != State.Down)
        {
            _state = State.Down;
            _downSinceTimestamp = _lastAnswerTimestamp;
            _lastReportTimestamp = now;
            PollerLog.LinkDown(logger, battery, transport, _lastReason.ToReason(), _lastDetail);
        }
        else if (time.GetElapsedTime(_lastReportTimestamp, now) >= ReminderInterval)
        {
            _lastReportTimestamp = now;
            PollerLog.LinkStillDown(logger, battery, Format(time.GetElapsedTime(_downSinceTimestamp, now)), _lastReason.ToReason(), _lastDetail);
        }
    }

    /// <summary>A duration as people say it: "4.2 s", "3 min 05 s", "2 h 07 min".</summary>
    public static string Format(TimeSpan duration) => duration switch
    {
        { TotalSeconds: < 60 } => string.Create(CultureInfo.InvariantCulture, $"{duration.TotalSeconds:F1} s"),
        { TotalHours: < 1 } => string.Create(CultureInfo.InvariantCulture, $"{(int)duration.TotalMinutes} min {duration.Seconds:00} s"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{(int)duration.TotalHours} h {duration.Minutes:00} min"),
    };
}
