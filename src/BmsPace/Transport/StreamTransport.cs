using System.Buffers;
using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using BmsPace.Protocol.Framing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace BmsPace.Transport;

/// <summary>
/// The one frame reader behind every transport. A link is a <see cref="Stream"/> opened by the subclass; while it is
/// open a single background loop reads it and feeds a <see cref="FrameAssembler"/>, so no read is ever left pending
/// between exchanges (a pending <c>SerialPort.BaseStream.ReadAsync</c> would swallow the next reply). An exchange flushes
/// stale input, writes the request and waits for the next frame that is not an echo of it.
/// </summary>
/// <remarks>Exchanges are serialised: a second caller waits for the first to finish.</remarks>
public abstract class StreamTransport : IBmsTransport
{
    private readonly object _gate = new();
    private readonly FrameAssembler _assembler = new();
    private readonly SemaphoreSlim _dataArrived = new(0, 1);
    private readonly SemaphoreSlim _exchangeLock = new(1, 1);
    private readonly ReconnectPolicy _reconnect;
    private readonly Random _jitter = new();
    private Link? _link;
    private int _consecutiveLinkFailures;
    private long _nextOpenAllowedAt;
    private bool _disposed;

    protected StreamTransport(string description, ILogger? logger, ReconnectPolicy? reconnect)
    {
        Description = description;
        Logger = logger ?? NullLogger.Instance;
        _reconnect = reconnect ?? ReconnectPolicy.Default;
    }

    public string Description { get; }

    /// <summary>Whether a link is open right now (it may still turn out dead on the next exchange).</summary>
    public bool IsOpen
    {
        get
        {
            lock (_gate)
            {
                return _link is { Failure: null };
            }
        }
    }

    /// <summary>How many times a link has been opened (1 after the first connect; grows with every reconnect).</summary>
    public int OpenCount { get; private set; }

    protected ILogger Logger { get; }

    /// <summary>Opens the underlying link within <paramref name="timeout"/>.</summary>
    /// <exception cref="TransportException">With <see cref="FrameError.Io"/> and a message naming the link and the cause.</exception>
    protected abstract Task<Stream> OpenStreamAsync(TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>Closes a link's stream. Must not block the caller for long (a serial port's Dispose can hang).</summary>
    protected virtual void ReleaseStream(Stream stream) => stream.Dispose();

    public async Task<string> ExchangeAsync(string request, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _exchangeLock.WaitAsync(cancellationToken);
        try
        {
            long started = Stopwatch.GetTimestamp();
            var link = await EnsureOpenAsync(timeout, cancellationToken);
            FlushStale();
            await WriteRequestAsync(link, request, Remaining(started, timeout), cancellationToken);
            return await AwaitReplyAsync(link, request, started, timeout, cancellationToken);
        }
        finally
        {
            _exchangeLock.Release();
        }
    }

    public async Task ResetAsync(CancellationToken cancellationToken)
    {
        await _exchangeLock.WaitAsync(cancellationToken);
        try
        {
            CloseLink("reset requested");
        }
        finally
        {
            _exchangeLock.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        await _exchangeLock.WaitAsync();
        try
        {
            _disposed = true;
            CloseLink("disposed");
        }
        finally
        {
            _exchangeLock.Release();
        }

        await ReleaseResourcesAsync();
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases what a subclass holds beyond the link.</summary>
    protected virtual ValueTask ReleaseResourcesAsync() => ValueTask.CompletedTask;

    private static TimeSpan Remaining(long started, TimeSpan timeout)
    {
        var left = timeout - Stopwatch.GetElapsedTime(started);
        return left > TimeSpan.Zero ? left : TimeSpan.Zero;
    }

    private async Task<Link> EnsureOpenAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        Link? current;
        lock (_gate)
        {
            current = _link;
        }

        if (current is { Failure: null })
        {
            return current;
        }

        if (current is not null)
        {
            CloseLink(Describe(current.Failure));
        }

        var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), Volatile.Read(ref _nextOpenAllowedAt));
        if (wait > TimeSpan.Zero)
        {
            if (wait > timeout)
            {
                throw new TransportException(
                    FrameError.Io,
                    $"{Description} is not connected; the next attempt is in {wait.TotalMilliseconds:F0} ms after {_consecutiveLinkFailures} failure(s)");
            }

            await Task.Delay(wait, cancellationToken);
        }

        Stream stream;
        try
        {
            stream = await OpenStreamAsync(timeout - (wait > TimeSpan.Zero ? wait : TimeSpan.Zero), cancellationToken);
        }
        catch (TransportException)
        {
            NoteLinkFailure();
            throw;
        }
        catch (Exception ex) when (ex is IOException or SocketException or UnauthorizedAccessException or InvalidOperationException or ArgumentException)
        {
            NoteLinkFailure();
            throw new TransportException(FrameError.Io, $"{Description} could not be opened: {ex.Message}", ex);
        }

        var link = new Link(stream);
        lock (_gate)
        {
            _assembler.Clear();
            _link = link;
        }

        OpenCount++;
        link.ReadLoop = Task.Run(() => ReadLoopAsync(link), CancellationToken.None);
        TransportLog.Connected(Logger, Description);
        return link;
    }

    private void FlushStale()
    {
        int stale;
        lock (_gate)
        {
            stale = _assembler.BufferedBytes;
            _assembler.Clear();
        }

        _dataArrived.Wait(0);
        if (stale > 0)
        {
            TransportLog.Flushed(Logger, Description, stale);
        }
    }

    private async Task WriteRequestAsync(Link link, string request, TimeSpan timeout, CancellationToken cancellationToken)
    {
        int length = Encoding.ASCII.GetByteCount(request);
        byte[] bytes = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            Encoding.ASCII.GetBytes(request, bytes);
            if (Logger.IsEnabled(LogLevel.Trace))
            {
                TransportLog.SentHex(Logger, Description, Convert.ToHexString(bytes, 0, length));
            }

            using var writeTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            writeTimeout.CancelAfter(timeout > TimeSpan.Zero ? timeout : TimeSpan.FromMilliseconds(1));
            await link.Stream.WriteAsync(bytes.AsMemory(0, length), writeTimeout.Token);
            await link.Stream.FlushAsync(writeTimeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            FailLink(link, "write timed out");
            throw new TransportException(FrameError.Io, $"{Description}: writing the request timed out after {timeout.TotalMilliseconds:F0} ms");
        }
        catch (TimeoutException ex)
        {
            // SerialPort's WriteTimeout: the device stopped taking bytes (unplugged, flow control stuck).
            FailLink(link, "write timed out");
            throw new TransportException(FrameError.Io, $"{Description}: writing the request timed out: {ex.Message}", ex);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or InvalidOperationException or UnauthorizedAccessException)
        {
            FailLink(link, ex.Message);
            throw new TransportException(FrameError.Io, $"{Description}: writing the request failed: {ex.Message}", ex);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    private async Task<string> AwaitReplyAsync(Link link, string request, long started, TimeSpan timeout, CancellationToken cancellationToken)
    {
        bool sawEcho = false;
        while (true)
        {
            Exception? failure;
            lock (_gate)
            {
                while (_assembler.TryTakeFrame(out string frame))
                {
                    if (string.Equals(frame, request, StringComparison.Ordinal))
                    {
                        sawEcho = true;
                        TransportLog.EchoDiscarded(Logger, Description);
                        continue;
                    }

                    _consecutiveLinkFailures = 0;
                    return frame;
                }

                failure = link.Failure;
            }

            if (failure is not null)
            {
                string partial = PartialText();
                string reason = Describe(failure);
                CloseLink(reason);
                var error = new TransportException(FrameError.Io, $"{Description}: {reason}", failure) { Partial = partial };
                TransportLog.ExchangeFailed(Logger, Description, "io", error.Message, partial);
                throw error;
            }

            var remaining = Remaining(started, timeout);
            if (remaining > TimeSpan.Zero)
            {
                await _dataArrived.WaitAsync(remaining, cancellationToken);
                continue;
            }

            throw TimedOut(sawEcho, timeout);
        }
    }

    private TransportException TimedOut(bool sawEcho, TimeSpan timeout)
    {
        bool partialFrame;
        string partial;
        lock (_gate)
        {
            partialFrame = _assembler.HasPartialFrame;
            partial = _assembler.DescribePartial();
        }

        var error = partialFrame
            ? new TransportException(FrameError.Truncated, $"{Description}: a frame started but no CR arrived within {timeout.TotalMilliseconds:F0} ms") { Partial = partial }
            : sawEcho
                ? new TransportException(FrameError.Echo, $"{Description}: only an echo of the request came back within {timeout.TotalMilliseconds:F0} ms")
                : new TransportException(FrameError.Timeout, $"{Description}: no reply within {timeout.TotalMilliseconds:F0} ms") { Partial = partial.Length > 0 ? partial : null };
        TransportLog.ExchangeFailed(Logger, Description, error.Reason.ToReason(), error.Message, partial);
        return error;
    }

    private string PartialText()
    {
        lock (_gate)
        {
            return _assembler.DescribePartial();
        }
    }

    private async Task ReadLoopAsync(Link link)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(4096);
        try
        {
            while (!link.Stop.IsCancellationRequested)
            {
                int count = await link.Stream.ReadAsync(buffer, link.Stop.Token);
                if (count == 0)
                {
                    link.Failure ??= new EndOfStreamException("the peer closed the connection");
                    break;
                }

                if (Logger.IsEnabled(LogLevel.Trace))
                {
                    TransportLog.Chunk(Logger, Description, count, Convert.ToHexString(buffer, 0, count));
                }

                lock (_gate)
                {
                    if (ReferenceEquals(_link, link))
                    {
                        _assembler.Append(buffer.AsSpan(0, count));
                    }
                }

                Signal();
            }
        }
        catch (OperationCanceledException) when (link.Stop.IsCancellationRequested)
        {
            link.Failure ??= new ObjectDisposedException(Description, "the link was closed");
        }
        catch (Exception ex)
        {
            link.Failure ??= ex;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            link.Failure ??= new EndOfStreamException("the link ended");
            Signal();
        }
    }

    private void Signal()
    {
        try
        {
            if (_dataArrived.CurrentCount == 0)
            {
                _dataArrived.Release();
            }
        }
        catch (SemaphoreFullException)
        {
            // Another chunk signalled first; one pending wake-up is enough.
        }
    }

    private void FailLink(Link link, string reason)
    {
        link.Failure ??= new IOException(reason);
        CloseLink(reason);
    }

    private void CloseLink(string reason)
    {
        Link? link;
        lock (_gate)
        {
            link = _link;
            _link = null;
            _assembler.Clear();
        }

        if (link is null)
        {
            return;
        }

        if (link.Failure is not null && reason != "reset requested" && reason != "disposed")
        {
            NoteLinkFailure();
            TransportLog.LinkLost(Logger, Description, reason);
        }

        link.Failure ??= new ObjectDisposedException(Description, reason);
        link.Stop.Cancel();
        try
        {
            ReleaseStream(link.Stream);
        }
        catch (Exception ex)
        {
            TransportLog.DisposeFailed(Logger, Description, ex.Message);
        }
    }

    private void NoteLinkFailure()
    {
        int failures = Interlocked.Increment(ref _consecutiveLinkFailures);
        var delay = _reconnect.DelayAfter(failures, _jitter);
        Volatile.Write(ref _nextOpenAllowedAt, Stopwatch.GetTimestamp() + (long)(delay.TotalSeconds * Stopwatch.Frequency));
    }

    private static string Describe(Exception? failure) => failure switch
    {
        null => "closed",
        EndOfStreamException => "the peer closed the connection",
        ObjectDisposedException => "the port or socket vanished",
        SocketException socket => $"socket error {socket.SocketErrorCode}: {socket.Message}",
        _ => failure.Message,
    };

    private sealed class Link(Stream stream)
    {
        public Stream Stream { get; } = stream;

        public CancellationTokenSource Stop { get; } = new();

        public Task? ReadLoop { get; set; }

        private volatile Exception? _failure;

        public Exception? Failure
        {
            get => _failure;
            set => _failure = value;
        }
    }
}
