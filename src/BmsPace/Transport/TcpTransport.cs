using System.Net.Sockets;
using BmsPace.Protocol.Framing;
using BmsPace.Resilience;
using Microsoft.Extensions.Logging;

namespace BmsPace.Transport;

/// <summary>
/// A transparent TCP serial server (<c>tcp://HOST:PORT</c>). Connects on the first exchange with the request timeout
/// as connect timeout, reconnects with backoff after a failure, and notices a peer that closed or vanished (read loop
/// end, keep-alive probes).
/// </summary>
public sealed class TcpTransport : StreamTransport
{
    private readonly string _host;
    private readonly int _port;

    public TcpTransport(string host, int port, ILoggerFactory? loggers = null, BackoffPolicy? reconnect = null, TimeProvider? time = null)
        : base($"tcp://{host}:{port}", loggers, reconnect, time)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(host);
        ArgumentOutOfRangeException.ThrowIfLessThan(port, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        _host = host;
        _port = port;
    }

    protected override async Task<Stream> OpenStreamAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            // A serial server that loses power sends no FIN; keep-alive turns that silence into a read error.
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime, 10);
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval, 3);
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount, 3);

            using var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            connectTimeout.CancelAfter(timeout > TimeSpan.Zero ? timeout : TimeSpan.FromMilliseconds(1));
            await socket.ConnectAsync(_host, _port, connectTimeout.Token);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new TransportException(FrameError.Io, $"connecting to {Description} timed out after {timeout.TotalMilliseconds:F0} ms");
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            string why = ex.SocketErrorCode switch
            {
                SocketError.ConnectionRefused => "connection refused (nothing listens on that port)",
                SocketError.HostNotFound or SocketError.TryAgain or SocketError.NoData => "host not found",
                _ => $"{ex.SocketErrorCode}: {ex.Message}",
            };
            throw new TransportException(FrameError.Io, $"connecting to {Description} failed: {why}", ex);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
