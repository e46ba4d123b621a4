using System.Diagnostics;
using System.IO.Ports;
using System.Net.Sockets;
using System.Text;
using BmsPace.Configuration;
using BmsPace.Simulation;
using BmsPace.Transport;

namespace BmsPace.Probe;

/// <summary>
/// A raw byte link for <c>probe</c>. Unlike the transports it keeps every byte that arrives (a Modbus reply or line noise
/// is evidence, not something to skip on the way to <c>~</c>) and ends a listen as soon as the outcome is clear: a whole
/// frame that is not the request, the request itself followed by a short pause, or a pause after other bytes.
/// </summary>
/// <remarks>One background loop reads the stream while the link is open, so no read is left pending between requests.</remarks>
internal sealed class ProbeLink : IAsyncDisposable
{
    /// <summary>After bytes that are not a finished frame, this much quiet means the sender is done.</summary>
    private static readonly TimeSpan QuietAfterBytes = TimeSpan.FromMilliseconds(250);

    /// <summary>After an echo of the request, how long a reply from a BMS behind the echoing converter may take to start.</summary>
    private static readonly TimeSpan WaitAfterEcho = TimeSpan.FromMilliseconds(400);

    private readonly Stream _stream;
    private readonly Action? _release;
    private readonly bool _ownsStream;
    private readonly object _gate = new();
    private readonly List<byte> _received = [];
    private readonly SemaphoreSlim _arrived = new(0, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _readLoop;
    private readonly Task _peer;
    private readonly int? _baud;
    private long _lastByteAt;
    private Exception? _failure;

    private ProbeLink(Stream stream, int? baud, Action? release, Task? peer, bool ownsStream = true)
    {
        _stream = stream;
        _ownsStream = ownsStream;
        _baud = baud;
        _release = release;
        _peer = peer ?? Task.CompletedTask;
        _readLoop = Task.Run(ReadLoopAsync);
    }

    /// <summary>Opens the link; for a serial port at <paramref name="baud"/>, 8N1 unless the connection says otherwise.</summary>
    /// <exception cref="TransportException">The port or socket cannot be opened (reason io, message says why).</exception>
    public static async Task<ProbeLink> OpenAsync(ConnectionSpec connection, int? baud, TimeSpan timeout, CancellationToken cancellationToken)
    {
        switch (connection)
        {
            case TcpConnectionSpec tcp:
                return new ProbeLink(await ConnectAsync(tcp, timeout, cancellationToken), null, null, null);
            case SerialConnectionSpec serial:
                return OpenSerial(serial, baud ?? serial.BaudRate, timeout);
            case SimulatorConnectionSpec simulator:
            {
                var bms = new SimulatedBms(TransportFactory.ToOptions(simulator));
                var (client, server) = DuplexPipeStream.CreatePair();
                var stop = new CancellationTokenSource();
                var session = Task.Run(async () =>
                {
                    await using (server)
                    {
                        await SimulatorSession.RunAsync(server, bms, canDisconnect: true, stop.Token);
                    }
                }, CancellationToken.None);
                return new ProbeLink(client, null, () => { stop.Cancel(); stop.Dispose(); }, session);
            }

            default:
                throw new TransportException(Protocol.Framing.FrameError.Io, $"cannot probe a {connection.GetType().Name}");
        }
    }

    /// <summary>
    /// Discards whatever is buffered, sends <paramref name="request"/> and listens: at most <paramref name="firstByteTimeout"/>
    /// for the first byte, then until a frame other than the request has ended, or the line has gone quiet.
    /// </summary>
    public async Task<ProbeListen> ExchangeAsync(string request, TimeSpan firstByteTimeout, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _received.Clear();
        }

        _arrived.Wait(0, CancellationToken.None);
        long started = Stopwatch.GetTimestamp();
        byte[] bytes = Encoding.ASCII.GetBytes(request);
        try
        {
            using var writeTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            writeTimeout.CancelAfter(firstByteTimeout + TimeSpan.FromSeconds(1));
            await _stream.WriteAsync(bytes, writeTimeout.Token);
            await _stream.FlushAsync(writeTimeout.Token);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or InvalidOperationException or TimeoutException
                                   || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return new ProbeListen([], Stopwatch.GetElapsedTime(started), $"writing the request failed: {ex.Message}");
        }

        // A reply of the longest frame must have time to cross a slow line once it has started.
        var frameAllowance = _baud is int baud ? TimeSpan.FromSeconds(4200 * 10.0 / baud) + TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(3);
        var firstByteDeadline = started + Ticks(firstByteTimeout);
        long? firstByteAt = null;
        while (true)
        {
            byte[] snapshot;
            Exception? failure;
            long lastByteAt;
            lock (_gate)
            {
                snapshot = [.. _received];
                failure = _failure;
                lastByteAt = _lastByteAt;
            }

            long now = Stopwatch.GetTimestamp();
            long deadline;
            if (snapshot.Length == 0)
            {
                deadline = firstByteDeadline;
            }
            else
            {
                long replyStarted = firstByteAt ??= lastByteAt;
                var state = ReplyState(snapshot, request);
                if (state == ListenState.FrameEnded)
                {
                    return new ProbeListen(snapshot, Stopwatch.GetElapsedTime(started), null);
                }

                var quiet = state == ListenState.OnlyEcho ? WaitAfterEcho : QuietAfterBytes;
                deadline = Math.Min(lastByteAt + Ticks(quiet), replyStarted + Ticks(frameAllowance));
            }

            if (failure is not null)
            {
                return new ProbeListen(snapshot, Stopwatch.GetElapsedTime(started), failure.Message);
            }

            if (now >= deadline)
            {
                return new ProbeListen(snapshot, Stopwatch.GetElapsedTime(started), null);
            }

            await _arrived.WaitAsync(TimeSpan.FromTicks(Math.Max(1, (deadline - now) * TimeSpan.TicksPerSecond / Stopwatch.Frequency)), cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _release?.Invoke();
        if (_ownsStream)
        {
            await _stream.DisposeAsync();
        }

        try
        {
            await _readLoop;
            await _peer;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private enum ListenState
    {
        Partial,
        OnlyEcho,
        FrameEnded,
    }

    private static ListenState ReplyState(byte[] received, string request)
    {
        // Every complete ~...CR frame that is not the request ends the listen; the request alone waits a little longer.
        string text = Encoding.Latin1.GetString(received);
        int from = 0;
        while (true)
        {
            int soi = text.IndexOf('~', from);
            if (soi < 0)
            {
                break;
            }

            int eoi = text.IndexOf('\r', soi);
            if (eoi < 0)
            {
                break;
            }

            if (eoi - soi + 1 == request.Length && string.CompareOrdinal(text, soi, request, 0, request.Length) == 0)
            {
                from = eoi + 1;
                continue;
            }

            return ListenState.FrameEnded;
        }

        return from > 0 && text.Replace(request, "", StringComparison.Ordinal).Length == 0 ? ListenState.OnlyEcho : ListenState.Partial;
    }

    private static long Ticks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);

    private static async Task<Stream> ConnectAsync(TcpConnectionSpec tcp, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            connectTimeout.CancelAfter(timeout);
            await socket.ConnectAsync(tcp.Host, tcp.Port, connectTimeout.Token);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new TransportException(Protocol.Framing.FrameError.Io, $"connecting timed out after {timeout.TotalMilliseconds:F0} ms");
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
            throw new TransportException(Protocol.Framing.FrameError.Io, $"connecting failed: {why}", ex);
        }
    }

    private static ProbeLink OpenSerial(SerialConnectionSpec serial, int baud, TimeSpan timeout)
    {
        if (!File.Exists(serial.Path))
        {
            throw new TransportException(Protocol.Framing.FrameError.Io, $"no such device {serial.Path}");
        }

        int timeoutMs = (int)Math.Clamp(timeout.TotalMilliseconds, 1, int.MaxValue);
        var port = new SerialPort(serial.Path, baud, serial.Parity, serial.DataBits, serial.StopBits)
        {
            Handshake = Handshake.None,
            ReadTimeout = timeoutMs,
            WriteTimeout = timeoutMs,
        };
        try
        {
            port.Open();
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException or ArgumentException or InvalidOperationException)
        {
            port.Dispose();
            string why = ex is UnauthorizedAccessException
                ? "permission denied or in use (is the user in the dialout group?)"
                : ex.Message;
            throw new TransportException(Protocol.Framing.FrameError.Io, $"cannot open {serial.Path}: {why}", ex);
        }

        // SerialPort.Dispose can hang after a timed-out write (REAL-SERVERS.md): never on the probe's path.
        return new ProbeLink(port.BaseStream, baud, () => Task.Run(port.Dispose), null, ownsStream: false);
    }

    private async Task ReadLoopAsync()
    {
        byte[] buffer = new byte[4096];
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                int count = await _stream.ReadAsync(buffer, _stop.Token);
                if (count == 0)
                {
                    lock (_gate)
                    {
                        _failure ??= new EndOfStreamException("the peer closed the connection");
                    }

                    break;
                }

                lock (_gate)
                {
                    _received.AddRange(buffer.AsSpan(0, count));
                    _lastByteAt = Stopwatch.GetTimestamp();
                }

                Signal();
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            lock (_gate)
            {
                _failure ??= ex;
            }
        }
        finally
        {
            Signal();
        }
    }

    private void Signal()
    {
        try
        {
            if (_arrived.CurrentCount == 0)
            {
                _arrived.Release();
            }
        }
        catch (SemaphoreFullException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }
}

/// <summary>What came back after one request: every byte, how long the listen took, and why the link failed if it did.</summary>
internal sealed record ProbeListen(byte[] Received, TimeSpan Elapsed, string? LinkFailure);
