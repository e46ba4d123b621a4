using System.Buffers;
using BmsPace.Protocol.Wire;

namespace BmsPace.Transport;

/// <summary>
/// The listening mode of <c>probe</c>: unlike an exchange it keeps every byte that arrives (a reply of another protocol
/// family or line noise is evidence, not something to skip) and ends as soon as the outcome is clear: a whole frame that
/// is not the request, the request itself followed by a short pause, or a pause after other bytes.
/// </summary>
public abstract partial class StreamTransport
{
    /// <summary>After bytes that are not a finished frame, this much quiet means the sender is done.</summary>
    private static readonly TimeSpan QuietAfterBytes = TimeSpan.FromMilliseconds(250);

    /// <summary>After an echo of the request, how long a reply from a BMS behind the echoing converter may take to start.</summary>
    private static readonly TimeSpan WaitAfterEcho = TimeSpan.FromMilliseconds(400);

    /// <summary>Opens the link now (when it is closed), so an unreachable link is reported before anything is sent.</summary>
    /// <exception cref="TransportException">With <see cref="Protocol.Framing.FrameError.Io"/> and a message naming the link and the cause.</exception>
    public async Task ConnectAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _turn.WaitAsync(cancellationToken);
        try
        {
            await EnsureOpenAsync(timeout, cancellationToken);
        }
        finally
        {
            _turn.Release();
        }
    }

    /// <summary>
    /// Discards whatever is buffered, sends <paramref name="request"/> and listens: at most <paramref name="firstByteTimeout"/>
    /// for the first byte, then until a frame that <paramref name="wire"/> cuts and that is not the request has ended, or
    /// the line has gone quiet. A link that fails is reported in the result, not thrown.
    /// </summary>
    /// <exception cref="TransportException">The link is closed and cannot be opened.</exception>
    public async Task<TransportListen> ListenAsync(ReadOnlyMemory<byte> request, IWireFormat wire, TimeSpan firstByteTimeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(wire);
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _turn.WaitAsync(cancellationToken);
        Link? link = null;
        try
        {
            link = await EnsureOpenAsync(firstByteTimeout, cancellationToken);
            long started = _time.GetTimestamp();
            while (link.Frames.Reader.TryRead(out _))
            {
            }

            var capture = new ListenCapture();
            link.Capture = capture;
            Expect(link, wire, request);
            try
            {
                await WriteRequestAsync(link, request, firstByteTimeout + TimeSpan.FromSeconds(1), cancellationToken);
            }
            catch (TransportException ex)
            {
                return new TransportListen([], _time.GetElapsedTime(started), ex.Message);
            }

            var listen = await CollectAsync(link, capture, wire, request, started, firstByteTimeout, cancellationToken);
            if (listen.LinkFailure is { } reason)
            {
                await CloseLinkAsync(LinkEnd.Failed, reason);
            }

            return listen;
        }
        finally
        {
            if (link is not null)
            {
                link.Capture = null;
            }

            _turn.Release();
        }
    }

    private async Task<TransportListen> CollectAsync(
        Link link, ListenCapture capture, IWireFormat wire, ReadOnlyMemory<byte> request, long started, TimeSpan firstByteTimeout, CancellationToken cancellationToken)
    {
        // A reply of the longest frame must have time to cross a slow line once it has started.
        var frameAllowance = BaudRate is int baud
            ? TimeSpan.FromSeconds(wire.MaxFrameLength * 10.0 / baud) + TimeSpan.FromSeconds(1)
            : TimeSpan.FromSeconds(3);
        long firstByteDeadline = started + Ticks(firstByteTimeout);
        long? firstByteAt = null;
        while (true)
        {
            var (received, lastByteAt) = capture.Snapshot();
            var failure = link.Failure;
            long now = _time.GetTimestamp();
            long deadline;
            if (received.Length == 0)
            {
                deadline = firstByteDeadline;
            }
            else
            {
                long replyStarted = firstByteAt ??= lastByteAt;
                var state = StateOf(received, wire, request.Span);
                if (state == ListenState.FrameEnded)
                {
                    return new TransportListen(received, _time.GetElapsedTime(started), null) { FirstByteAfter = _time.GetElapsedTime(started, replyStarted) };
                }

                var quiet = state == ListenState.OnlyEcho ? WaitAfterEcho : QuietAfterBytes;
                deadline = Math.Min(lastByteAt + Ticks(quiet), replyStarted + Ticks(frameAllowance));
            }

            if (failure is not null)
            {
                return new TransportListen(received, _time.GetElapsedTime(started), Describe(failure));
            }

            if (now >= deadline)
            {
                return new TransportListen(received, _time.GetElapsedTime(started), null)
                {
                    FirstByteAfter = firstByteAt is long first ? _time.GetElapsedTime(started, first) : null,
                };
            }

            var wait = TimeSpan.FromSeconds((deadline - now) / (double)_time.TimestampFrequency);
            await capture.WaitAsync(wait > TimeSpan.FromTicks(1) ? wait : TimeSpan.FromTicks(1), _time, cancellationToken);
        }
    }

    private long Ticks(TimeSpan span) => (long)(span.TotalSeconds * _time.TimestampFrequency);

    private enum ListenState
    {
        Partial,
        OnlyEcho,
        FrameEnded,
    }

    /// <summary>Any whole frame other than the request ends the listen; copies of the request alone wait a little longer.</summary>
    private static ListenState StateOf(byte[] received, IWireFormat wire, ReadOnlySpan<byte> request)
    {
        var buffer = new ReadOnlySequence<byte>(received);
        long echoed = 0;
        while (wire.TryCutReply(ref buffer, request, out var frame))
        {
            if (!wire.IsEchoOf(frame.ToArray(), request))
            {
                return ListenState.FrameEnded;
            }

            echoed += frame.Length;
        }

        return echoed > 0 && echoed == received.Length ? ListenState.OnlyEcho : ListenState.Partial;
    }
}

/// <summary>What came back after one request in listening mode: every byte, how long the listen took, and why the link failed if it did.</summary>
public sealed record TransportListen(byte[] Received, TimeSpan Elapsed, string? LinkFailure)
{
    /// <summary>How long after the request was sent the first byte came (null when none did): the slave's turnaround, seen from here.</summary>
    public TimeSpan? FirstByteAfter { get; init; }
}
