using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using BmsPace.Protocol.Framing;

namespace BmsPace.Protocol.Tests;

/// <summary>
/// The frame cutter the transport runs over its PipeReader, fed through a real <see cref="Pipe"/> with small segments so
/// frames span segments, and held to the same rules as <see cref="FrameAssembler"/>.
/// </summary>
public class FrameCutterTests
{
    private const string Frame = "~25014600E00202FD35\r";

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
    public async Task Noise_is_dropped_a_second_start_resyncs_and_bytes_after_CR_wait_for_the_next_read()
    {
        var cutter = new PipeCutter();
        Assert.Equal([Frame], await cutter.FeedAsync("\x00\xFF\rA~2501" + Frame + "~2501"));
        Assert.Equal("~2501", cutter.Unfinished);
        Assert.Equal(["~25014600\r"], await cutter.FeedAsync("4600\r"));
    }

    [Fact]
    public async Task An_oversize_frame_is_dropped_with_or_without_its_CR_and_the_next_frame_is_cut()
    {
        var cutter = new PipeCutter();
        string oversize = "~" + new string('B', FrameAssembler.MaxFrameLength);
        Assert.Equal([Frame], await cutter.FeedAsync(oversize + "\r" + Frame));

        Assert.Empty(await cutter.FeedAsync(oversize));
        Assert.Equal("", cutter.Unfinished);
        Assert.Equal([Frame], await cutter.FeedAsync("BBBB\r" + Frame));
    }

    [Fact]
    public async Task A_frame_of_exactly_the_cap_is_kept()
    {
        string longest = "~" + new string('C', FrameAssembler.MaxFrameLength - 2) + "\r";
        Assert.Equal([longest], await new PipeCutter().FeedAsync(longest));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public async Task Random_streams_in_random_chunks_give_the_same_frames_as_the_assembler(int seed)
    {
        var random = new Random(seed);
        var stream = new StringBuilder();
        while (stream.Length < 40_000)
        {
            stream.Append(random.Next(12) switch
            {
                0 => "~",
                1 => "\r",
                2 => "\x00\x13noise",
                3 => "~" + new string('D', FrameAssembler.MaxFrameLength - 3 + random.Next(6)),
                _ => Frame,
            });
        }

        var assembler = new FrameAssembler();
        var cutter = new PipeCutter();
        var expected = new List<string>();
        var actual = new List<string>();
        string text = stream.ToString();
        for (int at = 0; at < text.Length;)
        {
            int length = Math.Min(1 + random.Next(700), text.Length - at);
            string chunk = text.Substring(at, length);
            at += length;
            assembler.Append(Encoding.Latin1.GetBytes(chunk));
            while (assembler.TryTakeFrame(out string frame))
            {
                expected.Add(frame);
            }

            actual.AddRange(await cutter.FeedAsync(chunk));
        }

        Assert.NotEmpty(expected);
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
            while (FrameCutter.TryCut(ref buffer, out var frame))
            {
                frames.Add(Encoding.ASCII.GetString(frame));
            }

            Unfinished = Encoding.ASCII.GetString(buffer);
            _pipe.Reader.AdvanceTo(buffer.Start, result.Buffer.End);
            return frames;
        }
    }
}
