using System.Buffers;
using System.Text;

namespace BmsPace.Protocol.Wire;

/// <summary>
/// The wire format of the PACE ASCII family (PROTOCOL.md section 6): a frame runs from <c>~</c> to CR. Bytes before
/// <c>~</c> are noise, a second <c>~</c> before CR means the first frame was cut off, and a frame longer than
/// <see cref="MaxFrameLength"/> is dropped so the reader resyncs on the next <c>~</c>. Requests and replies are cut
/// alike; the caller keeps whatever is left for the next read.
/// </summary>
public sealed class AsciiWire : IWireFormat
{
    /// <summary>
    /// LENID can describe 4095 INFO characters, so no valid frame exceeds 18 + 4095 = 4113 characters; the margin keeps a
    /// slightly malformed but complete frame reachable for the validator, which reports the real reason.
    /// </summary>
    public const int MaxFrameBytes = 4200;

    private const byte StartOfFrame = (byte)'~';
    private const byte EndOfFrame = (byte)'\r';

    private AsciiWire()
    {
    }

    public static AsciiWire Instance { get; } = new();

    public string Name => "ascii";

    public int MaxFrameLength => MaxFrameBytes;

    public bool TryCutReply(ref ReadOnlySequence<byte> buffer, ReadOnlySpan<byte> request, out ReadOnlySequence<byte> frame) =>
        TryCut(ref buffer, out frame);

    public bool TryCutRequest(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> frame) => TryCut(ref buffer, out frame);

    public bool IsEchoOf(ReadOnlySpan<byte> frame, ReadOnlySpan<byte> request) => frame.SequenceEqual(request);

    public string Describe(ReadOnlySpan<byte> bytes) => Encoding.ASCII.GetString(bytes);

    private static bool TryCut(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> frame)
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
                if (length <= MaxFrameBytes)
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
        return unfinished.Length > MaxFrameBytes ? buffer.Slice(buffer.End) : unfinished;
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
