namespace BmsPace.Simulator;

/// <summary>
/// Serves a simulated device inside this process: every <see cref="Connect"/> gives a fresh in-memory duplex stream
/// whose far end is a <see cref="SimulatorSession"/>, so a client reads it exactly as it reads a socket or a serial port.
/// A <c>drop</c> fault closes the stream like a TCP peer would. Disposing ends every session.
/// </summary>
public sealed class SimulatorLink : IAsyncDisposable
{
    private readonly ISimulatedDevice _device;
    private readonly CancellationTokenSource _lifetime = new();
    private readonly List<Task> _sessions = [];
    private readonly object _gate = new();

    public SimulatorLink(ISimulatedDevice device)
    {
        _device = device;
    }

    /// <summary>Opens a new connection to the device.</summary>
    /// <exception cref="ObjectDisposedException">The link was disposed.</exception>
    public Stream Connect()
    {
        ObjectDisposedException.ThrowIf(_lifetime.IsCancellationRequested, this);
        var (client, server) = DuplexPipeStream.CreatePair();
        var session = Task.Run(async () =>
        {
            await using (server)
            {
                await SimulatorSession.RunAsync(server, _device, canDisconnect: true, _lifetime.Token);
            }
        }, CancellationToken.None);
        lock (_gate)
        {
            _sessions.RemoveAll(s => s.IsCompleted);
            _sessions.Add(session);
        }

        return client;
    }

    public async ValueTask DisposeAsync()
    {
        if (_lifetime.IsCancellationRequested)
        {
            return;
        }

        await _lifetime.CancelAsync();
        Task[] sessions;
        lock (_gate)
        {
            sessions = [.. _sessions];
        }

        try
        {
            await Task.WhenAll(sessions);
        }
        catch (OperationCanceledException)
        {
        }

        _lifetime.Dispose();
    }
}
