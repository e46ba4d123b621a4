using BmsPace.Protocol.Framing;
using BmsPace.Resilience;
using BmsPace.Simulation;
using Microsoft.Extensions.Logging;

namespace BmsPace.Transport;

/// <summary>
/// The built-in simulated battery as a link: the same <see cref="StreamTransport"/> reader as serial and TCP, over an
/// in-memory duplex pipe with a <see cref="SimulatedBms"/> session on the other end, so faults exercise the real reader.
/// A <c>drop</c> fault closes the pipe like a TCP peer would; the next exchange opens a new one.
/// </summary>
public sealed class SimulatorTransport : StreamTransport
{
    private readonly CancellationTokenSource _lifetime = new();
    private Task _session = Task.CompletedTask;

    public SimulatorTransport(SimulatedBms simulator, ILoggerFactory? loggers = null, BackoffPolicy? reconnect = null)
        : base("simulator", loggers, reconnect ?? new BackoffPolicy(TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(200)), time: null)
    {
        Simulator = simulator;
    }

    /// <summary>The battery on the other end: set faults and read back what it sent here.</summary>
    public SimulatedBms Simulator { get; }

    protected override Task<Stream> OpenStreamAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (_lifetime.IsCancellationRequested)
        {
            throw new TransportException(FrameError.Io, "the simulator link was disposed");
        }

        var (client, server) = DuplexPipeStream.CreatePair();
        _session = Task.Run(async () =>
        {
            await using (server)
            {
                await SimulatorSession.RunAsync(server, Simulator, canDisconnect: true, _lifetime.Token);
            }
        }, CancellationToken.None);
        return Task.FromResult<Stream>(client);
    }

    protected override async ValueTask ReleaseResourcesAsync()
    {
        await _lifetime.CancelAsync();
        try
        {
            await _session;
        }
        catch (OperationCanceledException)
        {
        }

        _lifetime.Dispose();
    }
}
