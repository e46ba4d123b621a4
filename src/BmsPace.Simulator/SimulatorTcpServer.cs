using System.Net;
using System.Net.Sockets;

namespace BmsPace.Simulator;

/// <summary>
/// Serves a simulated device over TCP like a transparent serial server. Clients may come and go; each gets
/// its own session on the same battery. Disposing closes the listener and every client, as a server that vanished.
/// </summary>
public sealed class SimulatorTcpServer : IAsyncDisposable
{
    private readonly ISimulatedDevice _bms;
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<(Socket Socket, Task Session)> _clients = [];
    private readonly object _gate = new();
    private readonly Action<IPEndPoint>? _clientConnected;
    private Task _acceptLoop = Task.CompletedTask;

    private SimulatorTcpServer(ISimulatedDevice bms, IPEndPoint endpoint, Action<IPEndPoint>? clientConnected)
    {
        _bms = bms;
        _clientConnected = clientConnected;
        _listener = new TcpListener(endpoint);
        _listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
    }

    /// <summary>Where it listens (with the real port when port 0 was asked for).</summary>
    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndpoint;

    /// <summary>Binds and starts accepting; <paramref name="clientConnected"/> hears of every client accepted.</summary>
    /// <exception cref="SocketException">The address is in use or cannot be bound.</exception>
    public static SimulatorTcpServer Start(ISimulatedDevice bms, IPEndPoint endpoint, Action<IPEndPoint>? clientConnected = null)
    {
        var server = new SimulatorTcpServer(bms, endpoint, clientConnected);
        server._listener.Start();
        server._acceptLoop = Task.Run(server.AcceptLoopAsync);
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        (Socket Socket, Task Session)[] clients;
        lock (_gate)
        {
            clients = [.. _clients];
        }

        foreach (var (socket, _) in clients)
        {
            socket.Dispose();
        }

        try
        {
            await _acceptLoop;
            await Task.WhenAll(clients.Select(c => c.Session));
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            socket.NoDelay = true;
            if (socket.RemoteEndPoint is IPEndPoint client)
            {
                _clientConnected?.Invoke(client);
            }

            var session = Task.Run(() => ServeAsync(socket));
            lock (_gate)
            {
                _clients.RemoveAll(c => c.Session.IsCompleted);
                _clients.Add((socket, session));
            }
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        try
        {
            await using var stream = new NetworkStream(socket, ownsSocket: true);
            await SimulatorSession.RunAsync(stream, _bms, canDisconnect: true, _stop.Token);
            socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // A client that disconnects is normal.
        }
        finally
        {
            socket.Dispose();
        }
    }
}
