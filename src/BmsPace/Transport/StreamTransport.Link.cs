using System.Buffers;
using System.Threading.Channels;
using BmsPace.Protocol.Wire;

namespace BmsPace.Transport;

/// <summary>The state of one open link: its stream, its read loop, and what the read loop hands to exchanges and listens.</summary>
public abstract partial class StreamTransport
{
    /// <summary>Why a link is closed: only a failure counts towards the reconnect backoff and is logged as lost.</summary>
    private enum LinkEnd
    {
        Failed,
        Reset,
        Disposed,
    }

    /// <summary>A frame as it came off the line, with the serial of the last request written before it was cut.</summary>
    private readonly record struct ArrivedFrame(byte[] Bytes, long Serial);

    /// <summary>The start of a frame buffered after the last complete frame (as its wire format shows it), and the request it followed.</summary>
    private sealed record PartialFrame(string Text, long Serial);

    /// <summary>The request last written: frames cut after it carry its serial, and its wire format cuts them.</summary>
    private sealed record Expectation(long Serial, IWireFormat Wire, ReadOnlyMemory<byte> Request);

    private sealed class Link(Stream stream)
    {
        private Exception? _failure;
        private PartialFrame? _partial;
        private Expectation? _expected;
        private ListenCapture? _capture;

        public Stream Stream { get; } = stream;

        public CancellationTokenSource Stop { get; } = new();

        public Channel<ArrivedFrame> Frames { get; } = Channel.CreateUnbounded<ArrivedFrame>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });

        public Task? ReadLoop { get; set; }

        /// <summary>The first reason the link failed; set once, read by the exchange.</summary>
        public Exception? Failure => Volatile.Read(ref _failure);

        public PartialFrame? Partial
        {
            get => Volatile.Read(ref _partial);
            set => Volatile.Write(ref _partial, value);
        }

        public Expectation? Expected
        {
            get => Volatile.Read(ref _expected);
            set => Volatile.Write(ref _expected, value);
        }

        /// <summary>Where a listen collects every byte read; null while no listen runs.</summary>
        public ListenCapture? Capture
        {
            get => Volatile.Read(ref _capture);
            set => Volatile.Write(ref _capture, value);
        }

        public void Fail(Exception failure)
        {
            Interlocked.CompareExchange(ref _failure, failure, null);
            Capture?.Signal();
        }
    }

    /// <summary>Every byte read during one listen, when the last one came, and a signal for the listener.</summary>
    private sealed class ListenCapture
    {
        private readonly object _gate = new();
        private readonly List<byte> _received = [];
        private TaskCompletionSource _arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private long _lastByteAt;

        public void Add(ReadOnlySequence<byte> bytes, long at)
        {
            if (bytes.IsEmpty)
            {
                return;
            }

            lock (_gate)
            {
                foreach (var segment in bytes)
                {
                    _received.AddRange(segment.Span);
                }

                _lastByteAt = at;
                _arrived.TrySetResult();
            }
        }

        public (byte[] Received, long LastByteAt) Snapshot()
        {
            lock (_gate)
            {
                return ([.. _received], _lastByteAt);
            }
        }

        /// <summary>Waits until bytes arrive or the link fails (or <paramref name="timeout"/> passes); the listener looks again either way.</summary>
        public async Task WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
        {
            Task arrived;
            lock (_gate)
            {
                arrived = _arrived.Task;
            }

            try
            {
                await arrived.WaitAsync(timeout, time, cancellationToken);
            }
            catch (TimeoutException)
            {
            }

            lock (_gate)
            {
                if (_arrived.Task.IsCompleted)
                {
                    _arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }
            }
        }

        public void Signal()
        {
            lock (_gate)
            {
                _arrived.TrySetResult();
            }
        }
    }
}
