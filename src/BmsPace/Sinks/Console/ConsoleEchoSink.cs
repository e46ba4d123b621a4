using BmsPace.Polling;

namespace BmsPace.Sinks.Console;

/// <summary>Echoes a readable summary of every cycle: one line for the battery, one per pack.</summary>
public sealed class ConsoleEchoSink(TextWriter output) : IReadingSink, IDisposable
{
    private readonly SemaphoreSlim _writeLock = new(1, 1);

    public async ValueTask PublishAsync(BatterySnapshot snapshot, CancellationToken cancellationToken)
    {
        // Several batteries publish from their own pollers: keep each battery's lines together.
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            await output.WriteLineAsync(PackSummary.BatteryLine(snapshot));
            foreach (var pack in snapshot.Packs)
            {
                await output.WriteLineAsync(PackSummary.Line(snapshot.Battery, pack));
            }

            await output.FlushAsync(cancellationToken);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public void Dispose() => _writeLock.Dispose();
}
