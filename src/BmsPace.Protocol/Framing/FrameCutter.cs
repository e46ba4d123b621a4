using System.Buffers;

namespace BmsPace.Protocol.Framing;

/// <summary>
/// Cuts <c>~ ... CR</c> frames off the front of buffered bytes, such as a <c>PipeReader</c>'s buffer, by the rules of
/// <see cref="FrameAssembler"/> (PROTOCOL.md section 6): bytes before <c>~</c> are noise, a second <c>~</c> before CR
/// means the first frame was cut off, and a frame longer than <see cref="FrameAssembler.MaxFrameLength"/> is dropped so
/// the reader resyncs on the next <c>~</c>. The caller keeps whatever is left for the next read.
/// </summary>
public static class FrameCutter
{
    private const byte StartOfFrame = (byte)'~';
    private const byte EndOfFrame = (byte)'\r';

    /// <summary>
    /// Takes the next complete frame (from <c>~</c> to CR inclusive) off the front of <paramref name="buffer"/>. Noise,
    /// cut-off and oversize frames before it are consumed too. When no complete frame is buffered it returns false and
    /// leaves in <paramref name="buffer"/> only an unfinished frame from its <c>~</c> (or nothing at all).
    /// </summary>
    public static bool TryCut(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> frame)
    {
        while (true)
        {
            var reader = new SequenceReader<byte>(buffer);
            if (!reader.TryReadTo(out ReadOnlySequence<byte> line, EndOfFrame, advancePastDelimiter: true))
            {
                buffer = KeepUnfinished(buffer);
                frame = default;
                return false;
            }

            var afterLine = reader.Position;
            if (LastStart(line) is { } start)
            {
                // Neither ~ nor CR can occur inside a frame: the frame is the last ~ of the line up to its CR.
                long length = line.Slice(start).Length + 1;
                if (length <= FrameAssembler.MaxFrameLength)
                {
                    frame = buffer.Slice(start, length);
                    buffer = buffer.Slice(afterLine);
                    return true;
                }
            }

            buffer = buffer.Slice(afterLine);
        }
    }

    private static ReadOnlySequence<byte> KeepUnfinished(ReadOnlySequence<byte> buffer)
    {
        if (LastStart(buffer) is not { } start)
        {
            return buffer.Slice(buffer.End);
        }

        var unfinished = buffer.Slice(start);
        return unfinished.Length > FrameAssembler.MaxFrameLength ? buffer.Slice(buffer.End) : unfinished;
    }

    private static SequencePosition? LastStart(ReadOnlySequence<byte> bytes)
    {
        if (bytes.IsSingleSegment)
        {
            int index = bytes.FirstSpan.LastIndexOf(StartOfFrame);
            return index < 0 ? null : bytes.GetPosition(index);
        }

        SequencePosition? last = null;
        var reader = new SequenceReader<byte>(bytes);
        while (reader.TryAdvanceTo(StartOfFrame, advancePastDelimiter: false))
        {
            last = reader.Position;
            reader.Advance(1);
        }

        return last;
    }
}
