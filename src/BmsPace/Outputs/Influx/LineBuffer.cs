namespace BmsPace.Outputs.Influx;

/// <summary>
/// The bounded queue of formatted lines waiting to be written. When full, the oldest lines are dropped. One batch at a
/// time is "in flight": it stays at the head of the queue until the write ends, so a failed write loses nothing.
/// </summary>
/// <remarks>
/// Thread-safe: publishers enqueue while the single sender takes and completes batches. A line dropped for room while
/// it is in flight is counted as dropped only if that write then fails (if it succeeds, the line was written).
/// </remarks>
internal sealed class LineBuffer
{
    private readonly Lock _lock = new();
    private readonly Queue<string> _lines = new();
    private int _capacity;
    private int _inFlight;
    private int _inFlightDropped;

    public LineBuffer(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
    }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _lines.Count;
            }
        }
    }

    public int Capacity
    {
        get
        {
            lock (_lock)
            {
                return _capacity;
            }
        }
    }

    /// <summary>Raises the capacity (never lowers it: lines already kept stay kept).</summary>
    public void GrowTo(int capacity)
    {
        lock (_lock)
        {
            _capacity = Math.Max(_capacity, capacity);
        }
    }

    /// <summary>Adds lines, dropping the oldest beyond the capacity.</summary>
    /// <returns>How many lines not in flight were dropped to make room.</returns>
    public int Enqueue(IEnumerable<string> lines)
    {
        int dropped = 0;
        lock (_lock)
        {
            foreach (string line in lines)
            {
                _lines.Enqueue(line);
            }

            while (_lines.Count > _capacity)
            {
                _lines.Dequeue();
                if (_inFlight > 0)
                {
                    _inFlight--;
                    _inFlightDropped++;
                }
                else
                {
                    dropped++;
                }
            }
        }

        return dropped;
    }

    /// <summary>Marks up to <paramref name="maxLines"/> of the oldest lines as in flight and returns them; empty when none wait.</summary>
    /// <exception cref="InvalidOperationException">A batch is already in flight.</exception>
    public IReadOnlyList<string> TakeBatch(int maxLines)
    {
        lock (_lock)
        {
            if (_inFlight > 0 || _inFlightDropped > 0)
            {
                throw new InvalidOperationException("a batch is already in flight");
            }

            var batch = _lines.Take(maxLines).ToArray();
            _inFlight = batch.Length;
            return batch;
        }
    }

    /// <summary>Ends the in-flight batch: removes it when <paramref name="consumed"/> (written or rejected), else keeps it at the head.</summary>
    /// <returns>Lines of the batch that the overflow removed while it was in flight (lost if the batch was not written).</returns>
    public int CompleteBatch(bool consumed)
    {
        lock (_lock)
        {
            if (consumed)
            {
                for (int i = 0; i < _inFlight; i++)
                {
                    _lines.Dequeue();
                }
            }

            int droppedInFlight = _inFlightDropped;
            _inFlight = 0;
            _inFlightDropped = 0;
            return droppedInFlight;
        }
    }
}
