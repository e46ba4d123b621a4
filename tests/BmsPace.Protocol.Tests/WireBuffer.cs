using System.Buffers;
using System.Text;
using BmsPace.Protocol.Wire;

namespace BmsPace.Protocol.Tests;

/// <summary>Chunks appended as they arrive, and the frames a wire format cuts from them; what it leaves waits for the next chunk.</summary>
internal sealed class WireBuffer(IWireFormat wire)
{
    private byte[] _pending = [];

    /// <summary>What the wire format kept for the next chunk (an unfinished frame), as text.</summary>
    public string Unfinished => Encoding.Latin1.GetString(_pending);

    /// <summary>Appends <paramref name="chunk"/> and returns every reply frame now complete, in order, as text.</summary>
    public List<string> Feed(ReadOnlySpan<byte> chunk)
    {
        var buffer = new ReadOnlySequence<byte>([.. _pending, .. chunk]);
        var frames = new List<string>();
        while (wire.TryCutReply(ref buffer, [], out var frame))
        {
            frames.Add(Encoding.Latin1.GetString(frame));
        }

        _pending = buffer.ToArray();
        return frames;
    }

    public List<string> Feed(string chunk) => Feed(Encoding.Latin1.GetBytes(chunk));

    public void Clear() => _pending = [];
}
