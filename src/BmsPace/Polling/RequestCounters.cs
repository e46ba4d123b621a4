using System.Collections.Immutable;
using System.Globalization;
using BmsPace.Protocol.Commands;
using BmsPace.Protocol.Framing;
using Microsoft.Extensions.Logging;

namespace BmsPace.Polling;

/// <summary>
/// What one link's requests came to: requests sent, failures by command and reason, reconnects (METRICS.md), and the
/// log line of each failure, with warnings throttled per command and reason.
/// </summary>
internal sealed class RequestCounters(string battery, TimeProvider time, ILogger logger)
{
    private readonly Dictionary<string, long> _requests = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Command, string Reason), long> _failures = [];
    private readonly Dictionary<(CommandKind Command, FrameError Reason), long> _lastWarned = [];
    private long _reconnects;

    public void Sent(CommandKind kind) => Count(_requests, kind.ToLabel());

    public void Reconnected() => _reconnects++;

    /// <summary>Counts a failure and logs it (see <see cref="Log"/>).</summary>
    public void Failed(CommandKind kind, FrameError reason, string detail)
    {
        Count(_failures, (kind.ToLabel(), reason.ToReason()));
        Log(kind, reason, detail);
    }

    /// <summary>Runs a decoder; a refusal is counted and logged as a failure of <paramref name="kind"/> and gives null.</summary>
    public T? Decode<T>(CommandKind kind, Func<T> decode)
        where T : class
    {
        try
        {
            return decode();
        }
        catch (PaceProtocolException error)
        {
            Failed(kind, error.Error, error.Detail);
            return null;
        }
    }

    /// <summary>A refusal of an analog answer whose pack echo does not name the pack asked (METRICS.md wrong_address).</summary>
    public void WrongPack(CommandKind kind, int asked, int echoed) =>
        Failed(kind, FrameError.WrongAddress, string.Create(CultureInfo.InvariantCulture, $"asked pack {asked}, the answer names pack {echoed}"));

    public PollCounters Snapshot() => new()
    {
        Requests = _requests.ToImmutableDictionary(StringComparer.Ordinal),
        Failures = _failures.ToImmutableDictionary(),
        Reconnects = _reconnects,
    };

    /// <summary>
    /// A request that got no answer is the link's business (<see cref="LinkHealth"/> reports it once per change). A
    /// refusal that says the configuration is wrong (RTN, VER, CID1) or an answer that cannot be decoded is a warning
    /// at most once per <see cref="LinkHealth.ReminderInterval"/> for each command and reason; everything else, such
    /// as a checksum on a noisy line, is Debug and on the counters.
    /// </summary>
    private void Log(CommandKind kind, FrameError reason, string detail)
    {
        bool worthAWarning = reason is FrameError.Rtn or FrameError.Version or FrameError.Cid1 or FrameError.Decode;
        if (worthAWarning && DueForWarning(kind, reason))
        {
            PollerLog.RequestRefused(logger, battery, kind.ToLabel(), reason.ToReason(), detail);
            return;
        }

        PollerLog.RequestFailed(logger, battery, kind.ToLabel(), reason.ToReason(), detail);
    }

    private bool DueForWarning(CommandKind kind, FrameError reason)
    {
        long now = time.GetTimestamp();
        if (_lastWarned.TryGetValue((kind, reason), out long last) && time.GetElapsedTime(last, now) < LinkHealth.ReminderInterval)
        {
            return false;
        }

        _lastWarned[(kind, reason)] = now;
        return true;
    }

    private static void Count<TKey>(Dictionary<TKey, long> counts, TKey key)
        where TKey : notnull =>
        counts[key] = counts.GetValueOrDefault(key) + 1;
}
