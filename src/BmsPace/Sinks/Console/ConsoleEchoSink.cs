using BmsPace.Polling;

namespace BmsPace.Sinks.Console;

/// <summary>
/// Echoes a readable summary of every cycle: one line for the battery, a few per pack (measurements, capacities and
/// cycles, cells, temperatures, flags). The version and serial numbers the BMS answered come first, then once an hour,
/// as the Python tool prints them, so a log that has rolled over still says which battery it is.
/// </summary>
public sealed class ConsoleEchoSink(TextWriter output, TimeProvider time) : IReadingSink, IDisposable
{
    /// <summary>How often the identity is repeated.</summary>
    private static readonly TimeSpan IdentityInterval = TimeSpan.FromHours(1);

    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly Dictionary<string, (BatteryIdentity Identity, DateTimeOffset At)> _identityShown = new(StringComparer.Ordinal);

    public async ValueTask PublishAsync(BatterySnapshot snapshot, CancellationToken cancellationToken)
    {
        // Several batteries publish from their own pollers: keep each battery's lines together.
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            foreach (string line in IdentityDue(snapshot))
            {
                await output.WriteLineAsync(line);
            }

            foreach (string line in ConsoleLines.Fill(PackSummary.BatteryLine(snapshot), []))
            {
                await output.WriteLineAsync(line);
            }

            foreach (var pack in snapshot.Packs)
            {
                foreach (string line in PackSummary.Lines(snapshot.Battery, pack))
                {
                    await output.WriteLineAsync(line);
                }
            }

            await output.FlushAsync(cancellationToken);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>The identity lines when this battery's identity is new, changed, or last shown an hour ago or more.</summary>
    private IEnumerable<string> IdentityDue(BatterySnapshot snapshot)
    {
        var identity = snapshot.Identity;
        var lines = PackSummary.IdentityLines(snapshot.Battery, identity).ToList();
        if (lines.Count == 0)
        {
            return [];
        }

        var now = time.GetUtcNow();
        if (_identityShown.TryGetValue(snapshot.Battery, out var shown) && shown.Identity == identity && now - shown.At < IdentityInterval)
        {
            return [];
        }

        _identityShown[snapshot.Battery] = (identity, now);
        return lines;
    }

    public void Dispose() => _writeLock.Dispose();
}
