using System.Globalization;
using BmsPace.Polling;

namespace BmsPace.Outputs.Console;

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
    /// <summary>What was last shown for each (battery, pack); pack 0 is the battery's own identity.</summary>
    private readonly Dictionary<(string Battery, int Pack), (BatteryIdentity Identity, DateTimeOffset At)> _identityShown = [];

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

            foreach (string line in snapshot.Stack is { } stack ? ConsoleLines.Fill(PackSummary.StackHead, PackSummary.StackSegments(stack.Values)) : [])
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

    /// <summary>
    /// The identity lines due: each pack's own version and serials (the battery's, from the BMS at its address, while no
    /// pack carries one), when new, changed, or last shown an hour ago or more. A pack whose identity is unknown gets none.
    /// </summary>
    private List<string> IdentityDue(BatterySnapshot snapshot)
    {
        var owners = snapshot.Packs
            .Where(p => p.Identity != BatteryIdentity.Unknown)
            .Select(p => (Pack: p.Pack, Who: string.Create(CultureInfo.InvariantCulture, $"{snapshot.Battery} pack {p.Pack}"), p.Identity))
            .ToList();
        if (owners.Count == 0)
        {
            owners.Add((0, snapshot.Battery, snapshot.Identity));
        }

        var now = time.GetUtcNow();
        var lines = new List<string>();
        foreach (var (pack, who, identity) in owners)
        {
            var text = PackSummary.IdentityLines(who, identity).ToList();
            if (text.Count == 0
                || (_identityShown.TryGetValue((snapshot.Battery, pack), out var shown) && shown.Identity == identity && now - shown.At < IdentityInterval))
            {
                continue;
            }

            _identityShown[(snapshot.Battery, pack)] = (identity, now);
            lines.AddRange(text);
        }

        return lines;
    }

    public void Dispose() => _writeLock.Dispose();
}
