namespace BmsPace.Protocol.Framing;

/// <summary>The two checksums of the PACE frame (PROTOCOL.md sections 4 and 5).</summary>
public static class Checksums
{
    /// <summary>
    /// The 4-bit LCHKSUM of a 12-bit LENID: the three nibbles summed modulo 16, inverted, plus one.
    /// </summary>
    public static int LengthChecksum(int lenId)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(lenId);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(lenId, 0xFFF);
        int sum = (lenId & 0xF) + ((lenId >> 4) & 0xF) + ((lenId >> 8) & 0xF);
        return (16 - (sum % 16)) % 16;
    }

    /// <summary>The 16-bit LENGTH field: LCHKSUM in the top nibble, LENID below.</summary>
    public static int LengthField(int lenId) => (LengthChecksum(lenId) << 12) | lenId;

    /// <summary>
    /// The 16-bit CHKSUM: the ASCII codes of every character between SOI and CHKSUM summed modulo 65536,
    /// then two's complement.
    /// </summary>
    public static int FrameChecksum(ReadOnlySpan<char> body)
    {
        int sum = 0;
        foreach (char c in body)
        {
            sum = (sum + c) & 0xFFFF;
        }

        return (0x10000 - sum) & 0xFFFF;
    }
}
