using System.Text;

namespace BmsPace.Protocol.Simulation;

/// <summary>Builds INFO bytes big-endian, as the protocol writes multi-byte numbers (PROTOCOL.md section 3).</summary>
internal sealed class InfoWriter
{
    private readonly List<byte> _bytes = new(256);

    public void U8(int value) => _bytes.Add((byte)value);

    public void U16(int value)
    {
        _bytes.Add((byte)((value >> 8) & 0xFF));
        _bytes.Add((byte)(value & 0xFF));
    }

    public void U24(int value)
    {
        _bytes.Add((byte)((value >> 16) & 0xFF));
        U16(value & 0xFFFF);
    }

    public void S16(int value) => U16(value & 0xFFFF);

    public void U32(long value)
    {
        U16((int)((value >> 16) & 0xFFFF));
        U16((int)(value & 0xFFFF));
    }

    /// <summary>Exactly <paramref name="width"/> ASCII characters, padded with spaces.</summary>
    public void Ascii(string text, int width)
    {
        var padded = text.Length >= width ? text[..width] : text.PadRight(width, ' ');
        _bytes.AddRange(Encoding.ASCII.GetBytes(padded));
    }

    public byte[] ToArray() => [.. _bytes];
}
