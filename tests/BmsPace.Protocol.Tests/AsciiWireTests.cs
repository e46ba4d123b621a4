using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using BmsPace.Protocol.Wire;

namespace BmsPace.Protocol.Tests;

/// <summary>
/// The one framer of the ASCII family, as the transport runs it over a <see cref="PipeReader"/> (a real <see cref="Pipe"/>
/// with small segments, so frames span segments) and as a simulated BMS runs it over the chunks it reads.
/// </summary>
public class AsciiWireTests
{
    private const string Frame = "~25014600E00202FD35\r";

    private static readonly int MaxFrameLength = AsciiWire.Instance.MaxFrameLength;

    [Fact]
    public async Task A_frame_split_into_single_bytes_is_cut_only_when_CR_arrives_and_the_unfinished_frame_is_kept()
    {
        var cutter = new PipeCutter();
        foreach (char c in Frame[..^1])
        {
            Assert.Empty(await cutter.FeedAsync(c.ToString()));
        }

        Assert.Equal(Frame[..^1], cutter.Unfinished);
        Assert.Equal([Frame], await cutter.FeedAsync("\r"));
        Assert.Equal("", cutter.Unfinished);
    }

    [Fact]
    public void Noise_before_the_start_is_discarded()
    {
        var buffer = new WireBuffer(AsciiWire.Instance);
        Assert.Empty(buffer.Feed([0x00, 0xFF, (byte)'\r', (byte)'A', 0x13]));
        Assert.Equal("", buffer.Unfinished);
        Assert.Equal([Frame], buffer.Feed(Frame));
    }

    [Fact]
    public async Task Noise_is_dropped_a_second_start_resyncs_and_bytes_after_CR_wait_for_the_next_read()
    {
        var cutter = new PipeCutter();
        Assert.Equal([Frame], await cutter.FeedAsync("\x00\xFF\rA~2501" + Frame + "~2501"));
        Assert.Equal("~2501", cutter.Unfinished);
        Assert.Equal(["~25014600\r"], await cutter.FeedAsync("4600\r"));
    }

    [Fact]
    public void Bytes_after_CR_are_kept_for_the_next_frame()
    {
        var buffer = new WireBuffer(AsciiWire.Instance);
        const string second = "~250146C10000FD9A\r";
        Assert.Equal([Frame], buffer.Feed(Frame + second[..7]));
        Assert.Equal(second[..7], buffer.Unfinished);
        Assert.Equal([second], buffer.Feed(second[7..]));
    }

    [Fact]
    public void Two_frames_in_one_chunk_come_out_in_order()
    {
        var buffer = new WireBuffer(AsciiWire.Instance);
        Assert.Equal([Frame, "~250146C10000FD9A\r"], buffer.Feed(Frame + "~250146C10000FD9A\r"));
    }

    [Fact]
    public void A_frame_cut_off_by_a_new_start_is_dropped_and_the_new_one_kept()
    {
        var buffer = new WireBuffer(AsciiWire.Instance);
        Assert.Empty(buffer.Feed("~2501460051"));
        Assert.Equal([Frame], buffer.Feed(Frame));
        Assert.Equal("", buffer.Unfinished);
    }

    [Fact]
    public async Task An_oversize_frame_is_dropped_with_or_without_its_CR_and_the_next_frame_is_cut()
    {
        var cutter = new PipeCutter();
        string oversize = "~" + new string('B', MaxFrameLength);
        Assert.Equal([Frame], await cutter.FeedAsync(oversize + "\r" + Frame));

        // Without its CR the monster is dropped at once; the CR that finally ends it is noise, and the next frame comes through.
        Assert.Empty(await cutter.FeedAsync(oversize));
        Assert.Equal("", cutter.Unfinished);
        Assert.Equal([Frame], await cutter.FeedAsync("BBBB\r" + Frame));
    }

    [Fact]
    public async Task A_frame_of_exactly_the_cap_is_kept()
    {
        string longest = "~" + new string('C', MaxFrameLength - 2) + "\r";
        Assert.Equal([longest], await new PipeCutter().FeedAsync(longest));
    }

    [Fact]
    public void The_largest_legal_frame_fits_when_it_arrives_in_pieces()
    {
        var buffer = new WireBuffer(AsciiWire.Instance);
        string largest = "~" + new string('0', 12 + 0xFFF + 4) + "\r";
        var frames = new List<string>();
        foreach (var chunk in Encoding.ASCII.GetBytes(largest).Chunk(1000))
        {
            frames.AddRange(buffer.Feed(chunk));
        }

        Assert.Equal([largest], frames);
    }

    [Fact]
    public void Requests_are_cut_like_replies_and_an_echo_is_the_request_byte_for_byte()
    {
        var wire = AsciiWire.Instance;
        var buffer = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes("noise" + Frame + "~25"));
        Assert.True(wire.TryCutRequest(ref buffer, out var request));
        Assert.Equal(Frame, Encoding.ASCII.GetString(request));
        Assert.False(wire.TryCutRequest(ref buffer, out _));
        Assert.Equal("~25", Encoding.ASCII.GetString(buffer));

        Assert.True(wire.IsEchoOf(Encoding.ASCII.GetBytes(Frame), Encoding.ASCII.GetBytes(Frame)));
        Assert.False(wire.IsEchoOf(Encoding.ASCII.GetBytes(Frame), Encoding.ASCII.GetBytes("~250146C10000FD9A\r")));
        Assert.Equal(Frame, wire.Describe(Encoding.ASCII.GetBytes(Frame)));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public async Task Random_streams_in_random_chunks_give_the_frames_a_whole_stream_holds(int seed)
    {
        var random = new Random(seed);
        var stream = new StringBuilder();
        var expected = new List<string>();
        while (stream.Length < 40_000)
        {
            // Each piece is a frame that must come out, or something that must not (and that cannot swallow a neighbour).
            switch (random.Next(12))
            {
                case 0:
                    stream.Append("~\r");
                    expected.Add("~\r");
                    break;
                case 1:
                    stream.Append("\r\x00\x13noise");
                    break;
                case 2:
                    stream.Append("~2501" + Frame);
                    expected.Add(Frame);
                    break;
                case 3:
                    int length = MaxFrameLength - 3 + random.Next(6);
                    string big = "~" + new string('D', length - 2) + "\r";
                    stream.Append(big);
                    if (big.Length <= MaxFrameLength)
                    {
                        expected.Add(big);
                    }

                    break;
                default:
                    stream.Append(Frame);
                    expected.Add(Frame);
                    break;
            }
        }

        var cutter = new PipeCutter();
        var whole = new WireBuffer(AsciiWire.Instance).Feed(stream.ToString());
        var actual = new List<string>();
        string text = stream.ToString();
        for (int at = 0; at < text.Length;)
        {
            int length = Math.Min(1 + random.Next(700), text.Length - at);
            actual.AddRange(await cutter.FeedAsync(text.Substring(at, length)));
            at += length;
        }

        Assert.Equal(expected, whole);
        Assert.Equal(expected, actual);
    }

    /// <summary>A pipe with small segments and a reader that cuts what it holds, as the transport's read loop does.</summary>
    private sealed class PipeCutter
    {
        private readonly Pipe _pipe = new(new PipeOptions(minimumSegmentSize: 64, pauseWriterThreshold: 0));

        public string Unfinished { get; private set; } = "";

        public async Task<List<string>> FeedAsync(string chunk)
        {
            await _pipe.Writer.WriteAsync(Encoding.Latin1.GetBytes(chunk));
            var result = await _pipe.Reader.ReadAsync();
            var buffer = result.Buffer;
            var frames = new List<string>();
            while (AsciiWire.Instance.TryCutReply(ref buffer, [], out var frame))
            {
                frames.Add(Encoding.ASCII.GetString(frame));
            }

            Unfinished = Encoding.ASCII.GetString(buffer);
            _pipe.Reader.AdvanceTo(buffer.Start, result.Buffer.End);
            return frames;
        }
    }
}
