using System.Text;
using System.Threading.Channels;
using BmsPace.Protocol.Framing;
using BmsPace.Protocol.Tests;
using BmsPace.Protocol.Wire;
using BmsPace.Resilience;
using BmsPace.Simulator;
using BmsPace.Transport;

namespace BmsPace.Tests.Transport;

/// <summary>The shared frame reader, driven by a scripted peer on the other end of an in-memory link.</summary>
public class StreamTransportTests
{
    private const string Request = "~25014642E00201FD30\r";
    private const string Reply = "~25014600E00202FD35\r";
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(300);
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task A_reply_in_many_small_chunks_with_noise_before_it_is_assembled()
    {
        await using var transport = new ScriptedTransport();
        var exchange = transport.ExchangeAsync(Request, Long, CancellationToken.None);
        var peer = await transport.NextPeerAsync();
        Assert.Equal(Request, await peer.ReadRequestAsync());
        await peer.SendAsync("\x01\x02garbage\r");
        foreach (var chunk in Reply.Chunk(3))
        {
            await peer.SendAsync(new string(chunk));
            await Task.Delay(2);
        }

        Assert.Equal(Reply, await exchange);
    }

    [Fact]
    public async Task Stale_bytes_left_from_an_earlier_exchange_are_flushed()
    {
        await using var transport = new ScriptedTransport();
        var first = transport.ExchangeAsync(Request, Long, CancellationToken.None);
        var peer = await transport.NextPeerAsync();
        await peer.ReadRequestAsync();
        await peer.SendAsync(Reply + "~250146STALE0000\r");
        Assert.Equal(Reply, await first);

        var second = transport.ExchangeAsync(Request, Long, CancellationToken.None);
        await peer.ReadRequestAsync();
        const string fresh = "~250146C10000FD9A\r";
        await peer.SendAsync(fresh);
        Assert.Equal(fresh, await second);
    }

    [Fact]
    public async Task An_echo_is_skipped_and_the_real_reply_returned()
    {
        await using var transport = new ScriptedTransport();
        var exchange = transport.ExchangeAsync(Request, Long, CancellationToken.None);
        var peer = await transport.NextPeerAsync();
        await peer.ReadRequestAsync();
        await peer.SendAsync(Request);
        await Task.Delay(20);
        await peer.SendAsync(Reply);
        Assert.Equal(Reply, await exchange);
    }

    [Fact]
    public async Task Only_an_echo_is_reported_as_echo()
    {
        await using var transport = new ScriptedTransport();
        var exchange = transport.ExchangeAsync(Request, TimeSpan.FromSeconds(1), CancellationToken.None);
        var peer = await transport.NextPeerAsync();
        await peer.ReadRequestAsync();
        await peer.SendAsync(Request);
        var error = await Assert.ThrowsAsync<TransportException>(() => exchange);
        Assert.Equal(FrameError.Echo, error.Reason);
    }

    [Fact]
    public async Task Silence_is_a_timeout()
    {
        await using var transport = new ScriptedTransport();
        var exchange = transport.ExchangeAsync(Request, Short, CancellationToken.None);
        var peer = await transport.NextPeerAsync();
        await peer.ReadRequestAsync();
        var error = await Assert.ThrowsAsync<TransportException>(() => exchange);
        Assert.Equal(FrameError.Timeout, error.Reason);
    }

    [Fact]
    public async Task A_frame_without_CR_is_truncated_and_carries_the_partial_text()
    {
        await using var transport = new ScriptedTransport();
        var exchange = transport.ExchangeAsync(Request, TimeSpan.FromSeconds(1), CancellationToken.None);
        var peer = await transport.NextPeerAsync();
        await peer.ReadRequestAsync();
        await peer.SendAsync("~2501460051");
        var error = await Assert.ThrowsAsync<TransportException>(() => exchange);
        Assert.Equal(FrameError.Truncated, error.Reason);
        Assert.Equal("~2501460051", error.Partial);
    }

    [Fact]
    public async Task An_oversize_frame_is_dropped_and_the_next_frame_returned()
    {
        await using var transport = new ScriptedTransport();
        var exchange = transport.ExchangeAsync(Request, Long, CancellationToken.None);
        var peer = await transport.NextPeerAsync();
        await peer.ReadRequestAsync();
        await peer.SendAsync("~" + new string('0', 5000) + "\r" + Reply);
        Assert.Equal(Reply, await exchange);
    }

    [Fact]
    public async Task A_peer_that_closes_is_an_io_error_and_the_next_exchange_opens_a_new_link()
    {
        await using var transport = new ScriptedTransport();
        var exchange = transport.ExchangeAsync(Request, Long, CancellationToken.None);
        var peer = await transport.NextPeerAsync();
        await peer.ReadRequestAsync();
        await peer.SendAsync("~25014600");
        await peer.Stream.DisposeAsync();
        var error = await Assert.ThrowsAsync<TransportException>(() => exchange);
        Assert.Equal(FrameError.Io, error.Reason);
        Assert.Equal(1, transport.Opens);

        var again = transport.ExchangeAsync(Request, Long, CancellationToken.None);
        var second = await transport.NextPeerAsync();
        await second.ReadRequestAsync();
        await second.SendAsync(Reply);
        Assert.Equal(Reply, await again);
        Assert.Equal(2, transport.Opens);
    }

    [Fact]
    public async Task Reset_closes_the_link_and_the_next_exchange_reopens()
    {
        await using var transport = new ScriptedTransport();
        var exchange = transport.ExchangeAsync(Request, Long, CancellationToken.None);
        var peer = await transport.NextPeerAsync();
        await peer.ReadRequestAsync();
        await peer.SendAsync(Reply);
        await exchange;

        await transport.ResetAsync(CancellationToken.None);
        Assert.Equal(0, await peer.Stream.ReadAsync(new byte[8]));

        var again = transport.ExchangeAsync(Request, Long, CancellationToken.None);
        var second = await transport.NextPeerAsync();
        await second.ReadRequestAsync();
        await second.SendAsync(Reply);
        Assert.Equal(Reply, await again);
    }

    [Fact]
    public async Task Cancellation_ends_a_waiting_exchange()
    {
        await using var transport = new ScriptedTransport();
        using var cancel = new CancellationTokenSource();
        var exchange = transport.ExchangeAsync(Request, Long, cancel.Token);
        var peer = await transport.NextPeerAsync();
        await peer.ReadRequestAsync();
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => exchange);
    }

    private sealed class ScriptedTransport() : StreamTransport("scripted", null, new BackoffPolicy(TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(5)), null)
    {
        private readonly Channel<Peer> _peers = Channel.CreateUnbounded<Peer>();
        private int _opens;

        /// <summary>How many links the transport asked this test's stream factory for.</summary>
        public int Opens => Volatile.Read(ref _opens);

        public async Task<Peer> NextPeerAsync()
        {
            using var timeout = new CancellationTokenSource(Long);
            return await _peers.Reader.ReadAsync(timeout.Token);
        }

        protected override Task<Stream> OpenStreamAsync(TimeSpan timeout, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _opens);
            var (mine, theirs) = DuplexPipeStream.CreatePair();
            _peers.Writer.TryWrite(new Peer(theirs));
            return Task.FromResult<Stream>(mine);
        }
    }

    private sealed class Peer(Stream stream)
    {
        private readonly WireBuffer _requests = new(AsciiWire.Instance);
        private readonly Queue<string> _cut = [];

        public Stream Stream { get; } = stream;

        public async Task<string> ReadRequestAsync()
        {
            var buffer = new byte[256];
            using var timeout = new CancellationTokenSource(Long);
            while (_cut.Count == 0)
            {
                int n = await Stream.ReadAsync(buffer, timeout.Token);
                Assert.NotEqual(0, n);
                foreach (string frame in _requests.Feed(buffer.AsSpan(0, n)))
                {
                    _cut.Enqueue(frame);
                }
            }

            return _cut.Dequeue();
        }

        public async Task SendAsync(string text)
        {
            await Stream.WriteAsync(Encoding.Latin1.GetBytes(text));
            await Stream.FlushAsync();
        }
    }
}
