using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Threading.Channels;
using BmsPace.Protocol.Framing;
using BmsPace.Protocol.Wire;
using BmsPace.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace BmsPace.Transport;

/// <summary>
/// The one frame reader behind every transport; a subclass only opens the link's <see cref="Stream"/>. While a link is
/// open, one read loop drains it through a <see cref="PipeReader"/>, cuts frames with the wire format of the request
/// in flight (<see cref="IWireFormat"/>) and hands them on through a <see cref="Channel{T}"/>, so no read is ever left
/// pending between exchanges (a pending <c>SerialPort.BaseStream.ReadAsync</c> would swallow the next reply). An
/// exchange writes the request and waits for the first frame cut after it that is not an echo of it; frames cut before
/// the request are stale and skipped. <c>probe</c> listens instead (<see cref="ListenAsync"/>): it keeps every byte.
/// </summary>
/// <remarks>Exchanges take turns: a second caller waits for the first to finish.</remarks>
public abstract partial class StreamTransport : IBmsTransport
{
    /// <summary>The longest unfinished frame kept for a log line or an error's <see cref="TransportException.Partial"/>.</summary>
    private const int PartialTextLimit = 200;

    /// <summary>How long closing a link waits for its read loop to notice; a port that ignores cancellation is left behind.</summary>
    private static readonly TimeSpan ReadLoopGrace = TimeSpan.FromSeconds(1);

    private readonly SemaphoreSlim _turn = new(1, 1);
    private readonly BackoffPolicy _reconnect;
    private readonly TimeProvider _time;
    private Link? _link;
    private int _consecutiveLinkFailures;
    private long _nextOpenAllowedAt;
    private long _requestSerial;
    private bool _disposed;

    protected StreamTransport(string description, ILoggerFactory? loggers, BackoffPolicy? reconnect, TimeProvider? time)
    {
        Description = description;
        loggers ??= NullLoggerFactory.Instance;
        Logger = loggers.CreateLogger(GetType().FullName ?? nameof(StreamTransport));
        FrameLogger = loggers.CreateLogger(LogCategories.Frames);
        _reconnect = reconnect ?? DefaultReconnect;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>200 ms after the first failure, doubling up to 10 s: a restarted serial server is back within seconds.</summary>
    public static BackoffPolicy DefaultReconnect { get; } = new(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(10), JitterFraction: 0.3);

    public string Description { get; }

    protected ILogger Logger { get; }

    private ILogger FrameLogger { get; }

    /// <summary>Opens the underlying link within <paramref name="timeout"/>.</summary>
    /// <exception cref="TransportException">With <see cref="FrameError.Io"/> and a message naming the link and the cause.</exception>
    protected abstract Task<Stream> OpenStreamAsync(TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>Closes a link's stream. Must not block the caller for long (a serial port's Dispose can hang).</summary>
    protected virtual void ReleaseStream(Stream stream) => stream.Dispose();

    /// <summary>Releases what a subclass holds beyond the link.</summary>
    protected virtual ValueTask ReleaseResourcesAsync() => ValueTask.CompletedTask;

    /// <summary>The line speed when the link is a serial port (how long the longest frame takes to arrive), else null.</summary>
    protected virtual int? BaudRate => null;

    public async Task<byte[]> ExchangeAsync(ReadOnlyMemory<byte> request, IWireFormat wire, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(wire);
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _turn.WaitAsync(cancellationToken);
        try
        {
            long started = _time.GetTimestamp();
            var link = await EnsureOpenAsync(timeout, cancellationToken);
            long serial = Expect(link, wire, request);
            await WriteRequestAsync(link, request, Remaining(started, timeout), cancellationToken);
            return await AwaitReplyAsync(link, wire, request, serial, Remaining(started, timeout), timeout, cancellationToken);
        }
        finally
        {
            _turn.Release();
        }
    }

    public async Task ResetAsync(CancellationToken cancellationToken)
    {
        await _turn.WaitAsync(cancellationToken);
        try
        {
            await CloseLinkAsync(LinkEnd.Reset, "reset requested");
        }
        finally
        {
            _turn.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        await _turn.WaitAsync();
        try
        {
            _disposed = true;
            await CloseLinkAsync(LinkEnd.Disposed, "disposed");
        }
        finally
        {
            _turn.Release();
        }

        await ReleaseResourcesAsync();
        GC.SuppressFinalize(this);
    }

    private TimeSpan Remaining(long started, TimeSpan timeout)
    {
        var left = timeout - _time.GetElapsedTime(started);
        return left > TimeSpan.Zero ? left : TimeSpan.Zero;
    }

    private async Task<Link> EnsureOpenAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (_link is { Failure: null } open)
        {
            return open;
        }

        if (_link is { } failed)
        {
            await CloseLinkAsync(LinkEnd.Failed, Describe(failed.Failure));
        }

        var wait = _time.GetElapsedTime(_time.GetTimestamp(), Volatile.Read(ref _nextOpenAllowedAt));
        if (wait > TimeSpan.Zero)
        {
            if (wait > timeout)
            {
                throw new TransportException(
                    FrameError.Io,
                    $"{Description} is not connected; the next attempt is in {wait.TotalMilliseconds:F0} ms after {_consecutiveLinkFailures} failure(s)");
            }

            await Task.Delay(wait, _time, cancellationToken);
        }
        else
        {
            wait = TimeSpan.Zero;
        }

        Stream stream;
        try
        {
            stream = await OpenStreamAsync(timeout - wait, cancellationToken);
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
        _link = link;
        link.ReadLoop = Task.Run(() => ReadLoopAsync(link), CancellationToken.None);
        TransportLog.Connected(Logger, Description);
        return link;
    }

    /// <summary>Stamps the frames cut from now on as following a new request, cut by <paramref name="wire"/>.</summary>
    private long Expect(Link link, IWireFormat wire, ReadOnlyMemory<byte> request)
    {
        long serial = Interlocked.Increment(ref _requestSerial);
        link.Expected = new Expectation(serial, wire, request);
        return serial;
    }

    private async Task WriteRequestAsync(Link link, ReadOnlyMemory<byte> request, TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            using var writeTimeout = new CancellationTokenSource(timeout > TimeSpan.Zero ? timeout : TimeSpan.FromMilliseconds(1), _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, writeTimeout.Token);
            await link.Stream.WriteAsync(request, linked.Token);
            await link.Stream.FlushAsync(linked.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            await FailLinkAsync(link, new IOException("write timed out"));
            throw new TransportException(FrameError.Io, $"{Description}: writing the request timed out after {timeout.TotalMilliseconds:F0} ms");
        }
        catch (TimeoutException ex)
        {
            // SerialPort's WriteTimeout: the device stopped taking bytes (unplugged, flow control stuck).
            await FailLinkAsync(link, new IOException("write timed out", ex));
            throw new TransportException(FrameError.Io, $"{Description}: writing the request timed out: {ex.Message}", ex);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or InvalidOperationException or UnauthorizedAccessException)
        {
            await FailLinkAsync(link, ex);
            throw new TransportException(FrameError.Io, $"{Description}: writing the request failed: {ex.Message}", ex);
        }
    }

    private async Task<byte[]> AwaitReplyAsync(Link link, IWireFormat wire, ReadOnlyMemory<byte> request, long serial, TimeSpan remaining, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = new CancellationTokenSource(remaining > TimeSpan.Zero ? remaining : TimeSpan.FromTicks(1), _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        var frames = link.Frames.Reader;
        bool sawEcho = false;
        int stale = 0;
        try
        {
            while (true)
            {
                if (!frames.TryRead(out var arrived))
                {
                    arrived = await frames.ReadAsync(linked.Token);
                }

                if (arrived.Serial < serial)
                {
                    stale++;
                    continue;
                }

                if (wire.IsEchoOf(arrived.Bytes, request.Span))
                {
                    sawEcho = true;
                    TransportLog.EchoDiscarded(Logger, Description);
                    continue;
                }

                _consecutiveLinkFailures = 0;
                return arrived.Bytes;
            }
        }
        catch (ChannelClosedException)
        {
            var failure = link.Failure;
            string reason = Describe(failure);
            string partial = link.Partial?.Text ?? "";
            await CloseLinkAsync(LinkEnd.Failed, reason);
            var error = new TransportException(FrameError.Io, $"{Description}: {reason}", failure) { Partial = partial, RequestSent = true };
            TransportLog.ExchangeFailed(Logger, Description, error.Reason.ToReason(), error.Message, partial);
            throw error;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw TimedOut(link.Partial is { } partial && partial.Serial >= serial ? partial : null, sawEcho, timeout);
        }
        finally
        {
            if (stale > 0)
            {
                TransportLog.StaleSkipped(Logger, Description, stale);
            }
        }
    }

    private TransportException TimedOut(PartialFrame? partial, bool sawEcho, TimeSpan timeout)
    {
        var (reason, message) = partial is not null
            ? (FrameError.Truncated, $"{Description}: a frame started but no CR arrived within {timeout.TotalMilliseconds:F0} ms")
            : sawEcho
                ? (FrameError.Echo, $"{Description}: only an echo of the request came back within {timeout.TotalMilliseconds:F0} ms")
                : (FrameError.Timeout, $"{Description}: no reply within {timeout.TotalMilliseconds:F0} ms");
        TransportLog.ExchangeFailed(Logger, Description, reason.ToReason(), message, partial?.Text ?? "");
        return new TransportException(reason, message) { Partial = partial?.Text, RequestSent = true };
    }

    /// <summary>Reads the link until it ends or is closed; every frame goes to the link's channel stamped with the request it followed.</summary>
    private async Task ReadLoopAsync(Link link)
    {
        var reader = PipeReader.Create(link.Stream, new StreamPipeReaderOptions(bufferSize: 4096, minimumReadSize: 512, leaveOpen: true));
        long kept = 0;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(link.Stop.Token);
                var buffer = result.Buffer;
                if (FrameLogger.IsEnabled(LogLevel.Trace) && buffer.Length > kept)
                {
                    var chunk = buffer.Slice(kept);
                    TransportLog.Chunk(FrameLogger, Description, (int)chunk.Length, Convert.ToHexString(chunk.ToArray()));
                }

                link.Capture?.Add(buffer.Slice(kept), _time.GetTimestamp());
                if (link.Expected is not { } expected)
                {
                    // Nothing was asked on this link yet: whatever arrives answers no request.
                    buffer = buffer.Slice(buffer.End);
                }
                else
                {
                    while (expected.Wire.TryCutReply(ref buffer, expected.Request.Span, out var frame))
                    {
                        link.Frames.Writer.TryWrite(new ArrivedFrame(frame.ToArray(), expected.Serial));
                    }
                }

                link.Partial = buffer.IsEmpty || link.Expected is not { } cutBy
                    ? null
                    : new PartialFrame(cutBy.Wire.Describe(buffer.Slice(0, Math.Min(buffer.Length, PartialTextLimit)).ToArray()), cutBy.Serial);
                kept = buffer.Length;
                reader.AdvanceTo(buffer.Start, result.Buffer.End);
                if (result.IsCompleted)
                {
                    link.Fail(new EndOfStreamException("the peer closed the connection"));
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (link.Stop.IsCancellationRequested)
        {
            link.Fail(new ObjectDisposedException(Description, "the link was closed"));
        }
        catch (Exception ex)
        {
            link.Fail(ex);
        }
        finally
        {
            link.Fail(new EndOfStreamException("the link ended"));
            link.Frames.Writer.TryComplete();
            await reader.CompleteAsync();
        }
    }

    private async Task FailLinkAsync(Link link, Exception failure)
    {
        link.Fail(failure);
        await CloseLinkAsync(LinkEnd.Failed, failure.Message);
    }

    private async Task CloseLinkAsync(LinkEnd end, string reason)
    {
        var link = _link;
        _link = null;
        if (link is null)
        {
            return;
        }

        if (end == LinkEnd.Failed)
        {
            NoteLinkFailure();
            TransportLog.LinkLost(Logger, Description, reason);
        }

        link.Fail(new ObjectDisposedException(Description, reason));
        await link.Stop.CancelAsync();
        try
        {
            ReleaseStream(link.Stream);
        }
        catch (Exception ex)
        {
            TransportLog.DisposeFailed(Logger, Description, ex.Message);
        }

        if (link.ReadLoop is { } readLoop)
        {
            try
            {
                await readLoop.WaitAsync(ReadLoopGrace, _time);
            }
            catch (TimeoutException)
            {
                TransportLog.ReadLoopLingers(Logger, Description, ReadLoopGrace.TotalMilliseconds);
            }
        }
    }

    private void NoteLinkFailure()
    {
        int failures = Interlocked.Increment(ref _consecutiveLinkFailures);
        var delay = _reconnect.DelayAfter(failures);
        Volatile.Write(ref _nextOpenAllowedAt, _time.GetTimestamp() + (long)(delay.TotalSeconds * _time.TimestampFrequency));
    }

    private static string Describe(Exception? failure) => failure switch
    {
        null => "closed",
        EndOfStreamException => "the peer closed the connection",
        ObjectDisposedException => "the port or socket vanished",
        SocketException socket => $"socket error {socket.SocketErrorCode}: {socket.Message}",
        _ => failure.Message,
    };
}
