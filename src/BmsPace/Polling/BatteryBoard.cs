using System.Collections.Immutable;

namespace BmsPace.Polling;

/// <summary>What the board knows of one battery: its last snapshot, when it came, and the last failure seen.</summary>
/// <param name="Snapshot">The last snapshot the poller published.</param>
/// <param name="ReceivedAt">When it was published (the board's clock), for liveness.</param>
/// <param name="LastError">The reason of the last failed request (the <c>reason</c> label values of
/// <c>pace_bms_request_failures_total</c>), kept until a cycle reads every pack it asks cleanly.</param>
public sealed record BatteryRecord(BatterySnapshot Snapshot, DateTimeOffset ReceivedAt, string? LastError)
{
    /// <summary>Packs whose values are served: fresh, with an analog block that is not the all-zero block of a silent slave.</summary>
    public int FreshPacks => Snapshot.Packs.Count(p => p.Fresh && p.Analog is { Offline: false });

    /// <summary>The last good analog read of any pack.</summary>
    public DateTimeOffset? LastSuccess => Snapshot.Packs.Max(p => p.LastSuccess);

    /// <summary>
    /// <c>fresh</c> (packs with data, link answering), <c>stale</c> (the link answers but no pack has had a good
    /// reading for <c>stale_after_cycles</c> cycles) or <c>down</c> (never read, or the last cycle got no answer at all).
    /// </summary>
    public string State => (Snapshot.LinkAnswered, FreshPacks, LastSuccess) switch
    {
        (false, _, _) or (_, _, null) => BatteryStates.Down,
        (true, > 0, _) => BatteryStates.Fresh,
        _ => BatteryStates.Stale,
    };
}

/// <summary>The <c>state</c> words of the status JSON and the page.</summary>
public static class BatteryStates
{
    public const string Fresh = "fresh";
    public const string Stale = "stale";
    public const string Down = "down";
}

/// <summary>
/// The pollers' own state: the latest snapshot of every battery, as the pollers published it. Liveness, readiness and
/// the status page read it, so they work whichever outputs are on; a reader never reaches a poller or a BMS.
/// </summary>
/// <remarks>Thread-safe: one immutable map swapped per publication; readers wait on <see cref="NextChange"/>.</remarks>
public sealed class BatteryBoard : IReadingSink
{
    private readonly TimeProvider _time;
    private readonly object _gate = new();
    private ImmutableSortedDictionary<string, BatteryRecord> _records = ImmutableSortedDictionary<string, BatteryRecord>.Empty.WithComparers(StringComparer.Ordinal);
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _version;

    public BatteryBoard(TimeProvider time, IEnumerable<string> batteries)
    {
        _time = time;
        StartedAt = time.GetUtcNow();
        Batteries = [.. batteries];
    }

    /// <summary>Every configured battery, in configuration order.</summary>
    public ImmutableArray<string> Batteries { get; }

    public DateTimeOffset StartedAt { get; }

    /// <summary>The latest record of every battery that has published, by name.</summary>
    public ImmutableSortedDictionary<string, BatteryRecord> Records => Volatile.Read(ref _records);

    /// <summary>Grows by one per publication: a reader that rendered version N has nothing new until it changes.</summary>
    public long Version => Interlocked.Read(ref _version);

    /// <summary>Completes at the next publication.</summary>
    public Task NextChange
    {
        get
        {
            lock (_gate)
            {
                return _changed.Task;
            }
        }
    }

    public ValueTask PublishAsync(BatterySnapshot snapshot, CancellationToken cancellationToken)
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            _records.TryGetValue(snapshot.Battery, out var previous);
            var record = new BatteryRecord(snapshot, _time.GetUtcNow(), LastErrorAfter(previous, snapshot));
            Volatile.Write(ref _records, _records.SetItem(snapshot.Battery, record));
            Interlocked.Increment(ref _version);
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.SetResult();
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// The reason whose failure count grew most in this cycle; with none, the previous one while the cycle still missed
    /// data (it is the same trouble), nothing once every pack read cleanly.
    /// </summary>
    private static string? LastErrorAfter(BatteryRecord? previous, BatterySnapshot snapshot)
    {
        var before = previous?.Snapshot.Counters.Failures;
        string? grown = snapshot.Counters.Failures
            .Select(f => (f.Key.Reason, Growth: f.Value - (before?.GetValueOrDefault(f.Key) ?? 0)))
            .Where(f => f.Growth > 0)
            .OrderByDescending(f => f.Growth)
            .ThenBy(f => f.Reason, StringComparer.Ordinal)
            .Select(f => f.Reason)
            .FirstOrDefault();
        bool clean = snapshot.LinkAnswered && snapshot.Packs.All(p => p.Fresh && p.AnalogReadThisCycle && p.AlarmReadThisCycle);
        return grown ?? (clean ? null : previous?.LastError);
    }
}
