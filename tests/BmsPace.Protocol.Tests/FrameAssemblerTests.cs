using System.Text;
using BmsPace.Protocol.Framing;

namespace BmsPace.Protocol.Tests;

public class FrameAssemblerTests
{
    private const string Frame = "~25014600E00202FD35\r";

    private static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);

    [Fact]
    public void A_frame_split_into_single_bytes_is_assembled_only_when_CR_arrives()
    {
        var assembler = new FrameAssembler();
        var bytes = Ascii(Frame);
        for (int i = 0; i < bytes.Length - 1; i++)
        {
            assembler.Append(bytes.AsSpan(i, 1));
            Assert.False(assembler.TryTakeFrame(out _));
            Assert.True(assembler.HasPartialFrame);
        }

        assembler.Append(bytes.AsSpan(bytes.Length - 1));
        Assert.True(assembler.TryTakeFrame(out string frame));
        Assert.Equal(Frame, frame);
        Assert.Equal(0, assembler.BufferedBytes);
    }

    [Fact]
    public void Noise_before_the_start_is_discarded()
    {
        var assembler = new FrameAssembler();
        assembler.Append([0x00, 0xFF, (byte)'\r', (byte)'A', 0x13]);
        assembler.Append(Ascii(Frame));
        Assert.True(assembler.TryTakeFrame(out string frame));
        Assert.Equal(Frame, frame);
        Assert.Equal(5, assembler.DiscardedBytes);
    }

    [Fact]
    public void Bytes_after_CR_are_kept_for_the_next_frame()
    {
        var assembler = new FrameAssembler();
        const string second = "~250146C10000FD9A\r";
        assembler.Append(Ascii(Frame + second[..7]));
        Assert.True(assembler.TryTakeFrame(out string first));
        Assert.Equal(Frame, first);
        Assert.False(assembler.TryTakeFrame(out _));
        assembler.Append(Ascii(second[7..]));
        Assert.True(assembler.TryTakeFrame(out string next));
        Assert.Equal(second, next);
    }

    [Fact]
    public void Two_frames_in_one_chunk_come_out_in_order()
    {
        var assembler = new FrameAssembler();
        assembler.Append(Ascii(Frame + "~250146C10000FD9A\r"));
        Assert.True(assembler.TryTakeFrame(out string a));
        Assert.True(assembler.TryTakeFrame(out string b));
        Assert.Equal(Frame, a);
        Assert.Equal("~250146C10000FD9A\r", b);
        Assert.False(assembler.TryTakeFrame(out _));
    }

    [Fact]
    public void A_frame_cut_off_by_a_new_start_is_dropped_and_the_new_one_kept()
    {
        var assembler = new FrameAssembler();
        assembler.Append(Ascii("~2501460051"));
        assembler.Append(Ascii(Frame));
        Assert.True(assembler.TryTakeFrame(out string frame));
        Assert.Equal(Frame, frame);
        Assert.Equal(11, assembler.DiscardedBytes);
    }

    [Fact]
    public void An_oversize_frame_is_dropped_and_the_reader_resyncs()
    {
        var assembler = new FrameAssembler();
        assembler.Append(Ascii("~" + new string('A', FrameAssembler.MaxFrameLength + 50)));
        Assert.False(assembler.TryTakeFrame(out _));
        Assert.Equal(1, assembler.OversizeFrames);
        Assert.False(assembler.HasPartialFrame);

        // The CR that finally ends the monster is noise now; the next real frame still comes through.
        assembler.Append(Ascii("AAAA\r" + Frame));
        Assert.True(assembler.TryTakeFrame(out string frame));
        Assert.Equal(Frame, frame);
    }

    [Fact]
    public void An_oversize_frame_ended_in_one_chunk_is_dropped()
    {
        var assembler = new FrameAssembler();
        var big = "~" + new string('B', FrameAssembler.MaxFrameLength) + "\r";
        assembler.Append(Ascii(big + Frame));
        Assert.True(assembler.TryTakeFrame(out string frame));
        Assert.Equal(Frame, frame);
        Assert.Equal(1, assembler.OversizeFrames);
    }

    [Fact]
    public void The_largest_legal_frame_fits()
    {
        var assembler = new FrameAssembler(16);
        string largest = "~" + new string('0', 12 + 0xFFF + 4) + "\r";
        foreach (var chunk in Ascii(largest).Chunk(1000))
        {
            assembler.Append(chunk);
        }

        Assert.True(assembler.TryTakeFrame(out string frame));
        Assert.Equal(largest.Length, frame.Length);
    }

    [Fact]
    public void Clear_forgets_a_partial_frame()
    {
        var assembler = new FrameAssembler();
        assembler.Append(Ascii("~2501"));
        Assert.True(assembler.HasPartialFrame);
        Assert.Equal("~2501", assembler.DescribePartial());
        assembler.Clear();
        Assert.False(assembler.HasPartialFrame);
        assembler.Append(Ascii("4600E00202FD35\r"));
        Assert.False(assembler.TryTakeFrame(out _));
    }
}
