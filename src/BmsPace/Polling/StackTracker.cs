using BmsPace.Protocol.Readings;

namespace BmsPace.Polling;

/// <summary>
/// What the poller remembers of the stack's summary between cycles (a bank master's totals), with the packs' rule: kept
/// through a few missed cycles, withdrawn once it has missed <c>stale_after_cycles</c>, never served stale.
/// </summary>
internal sealed class StackTracker
{
    private StackReading? _values;
    private DateTimeOffset _lastSuccess;
    private int _missedCycles;

    /// <summary>This cycle's summary, or null when the cycle read none (the master did not answer, or there is none).</summary>
    public void EndCycle(StackReading? read, DateTimeOffset at)
    {
        if (read is not null)
        {
            _values = read;
            _lastSuccess = at;
            _missedCycles = 0;
        }
        else if (_values is not null)
        {
            _missedCycles++;
        }
    }

    /// <summary>Forgets the summary (another battery was found on the link).</summary>
    public void Clear() => _values = null;

    public StackState? ToState(int staleAfterCycles) =>
        _values is { } values && _missedCycles < staleAfterCycles
            ? new StackState { Values = values, LastSuccess = _lastSuccess, ReadThisCycle = _missedCycles == 0 }
            : null;
}
