using System.Text;

namespace BmsPace.Protocol.Framing;

/// <summary>
/// Cuts <c>~ ... CR</c> frames out of a byte stream that arrives in arbitrary chunks (PROTOCOL.md section 6): bytes before
/// <c>~</c> are noise, a frame may span any number of chunks, bytes after CR belong to the next frame, and a frame that
/// grows past <see cref="MaxFrameLength"/> without CR is dropped so the reader resyncs on the next <c>~</c>.
/// </summary>
/// <remarks>Not thread-safe: the owner serialises access.</remarks>
public sealed class FrameAssembler
{
    /// <summary>
    /// LENID can describe 4095 INFO characters, so no valid frame exceeds 18 + 4095 = 4113 characters; the margin keeps a
    /// slightly malformed but complete frame reachable for the validator, which reports the real reason.
    /// </summary>
    public const int MaxFrameLength = 4200;

    private const byte StartOfFrame = (byte)'~';
    private const byte EndOfFrame = (byte)'\r';

    private byte[] _buffer;
    private int _start;
    private int _end;

    public FrameAssembler(int initialCapacity = 512)
    {
        _buffer = new byte[Math.Max(initialCapacity, 64)];
    }

    /// <summary>Bytes thrown away so far: noise before <c>~</c>, unfinished frames cut by a new <c>~</c>, oversize frames.</summary>
    public long DiscardedBytes { get; private set; }

    /// <summary>Frames dropped because they grew past <see cref="MaxFrameLength"/> without CR.</summary>
    public int OversizeFrames { get; private set; }

    /// <summary>Bytes held for a frame that has not ended yet (or noise not yet scanned).</summary>
    public int BufferedBytes => _end - _start;

    /// <summary>Whether a <c>~</c> has arrived whose CR has not.</summary>
    public bool HasPartialFrame => _buffer.AsSpan(_start, _end - _start).Contains(StartOfFrame);

    public void Append(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return;
        }

        if (_end + data.Length > _buffer.Length)
        {
            int held = _end - _start;
            if (held + data.Length <= _buffer.Length && _start > 0)
            {
                _buffer.AsSpan(_start, held).CopyTo(_buffer);
            }
            else
            {
                var larger = new byte[Math.Max(_buffer.Length * 2, held + data.Length)];
                _buffer.AsSpan(_start, held).CopyTo(larger);
                _buffer = larger;
            }

            _start = 0;
            _end = held;
        }

        data.CopyTo(_buffer.AsSpan(_end));
        _end += data.Length;
        TrimOversize();
    }

    /// <summary>Forgets everything buffered (stale bytes before a new request).</summary>
    public void Clear()
    {
        DiscardedBytes += _end - _start;
        _start = 0;
        _end = 0;
    }

    /// <summary>Takes the next complete frame (SOI to CR inclusive) as ASCII text, if one has arrived.</summary>
    public bool TryTakeFrame(out string frame)
    {
        while (true)
        {
            var pending = _buffer.AsSpan(_start, _end - _start);
            int soi = pending.IndexOf(StartOfFrame);
            if (soi < 0)
            {
                Discard(pending.Length);
                frame = "";
                return false;
            }

            Discard(soi);
            pending = pending[soi..];

            // Neither ~ nor CR can occur inside a frame, so a second ~ before CR means the first frame was cut off.
            int stop = pending[1..].IndexOfAny(EndOfFrame, StartOfFrame);
            if (stop < 0)
            {
                frame = "";
                return false;
            }

            stop += 1;
            if (pending[stop] == StartOfFrame)
            {
                Discard(stop);
                continue;
            }

            int length = stop + 1;
            if (length > MaxFrameLength)
            {
                OversizeFrames++;
                Discard(length);
                continue;
            }

            frame = Encoding.ASCII.GetString(pending[..length]);
            _start += length;
            if (_start == _end)
            {
                _start = 0;
                _end = 0;
            }

            return true;
        }
    }

    /// <summary>The unfinished frame (from its <c>~</c>, at most <paramref name="maxChars"/> characters) for a log line.</summary>
    public string DescribePartial(int maxChars = 200)
    {
        var pending = _buffer.AsSpan(_start, _end - _start);
        int soi = pending.IndexOf(StartOfFrame);
        var partial = soi < 0 ? pending : pending[soi..];
        return Encoding.ASCII.GetString(partial[..Math.Min(partial.Length, maxChars)]);
    }

    private void Discard(int count)
    {
        DiscardedBytes += count;
        _start += count;
        if (_start == _end)
        {
            _start = 0;
            _end = 0;
        }
    }

    private void TrimOversize()
    {
        var pending = _buffer.AsSpan(_start, _end - _start);
        int soi = pending.IndexOf(StartOfFrame);
        if (soi < 0 || pending.Length - soi <= MaxFrameLength)
        {
            return;
        }

        // A frame longer than the cap without CR: drop it, keep anything from a later ~ onwards.
        var frame = pending[soi..];
        if (frame[..MaxFrameLength].Contains(EndOfFrame))
        {
            return;
        }

        int next = frame[1..].IndexOf(StartOfFrame);
        if (next >= 0 && next + 1 <= MaxFrameLength)
        {
            return;
        }

        OversizeFrames++;
        int drop = next < 0 ? pending.Length : soi + 1 + next;
        Discard(drop);
    }
}
