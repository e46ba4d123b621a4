namespace BmsPace.Protocol.Modbus;

/// <summary>CRC-16/MODBUS: polynomial 0xA001 (0x8005 reflected), initial value 0xFFFF, sent low byte first.</summary>
public static class ModbusCrc
{
    public static ushort Compute(ReadOnlySpan<byte> bytes)
    {
        ushort crc = 0xFFFF;
        foreach (byte b in bytes)
        {
            crc ^= b;
            for (int bit = 0; bit < 8; bit++)
            {
                crc = (crc & 1) != 0 ? (ushort)((crc >> 1) ^ 0xA001) : (ushort)(crc >> 1);
            }
        }

        return crc;
    }

    /// <summary>Whether the last two bytes of <paramref name="frame"/> are the CRC of the bytes before them.</summary>
    public static bool Holds(ReadOnlySpan<byte> frame) =>
        frame.Length >= 3 && Compute(frame[..^2]) == (frame[^2] | (frame[^1] << 8));

    /// <summary><paramref name="body"/> followed by its CRC, low byte first.</summary>
    public static byte[] Append(ReadOnlySpan<byte> body)
    {
        var frame = new byte[body.Length + 2];
        body.CopyTo(frame);
        ushort crc = Compute(body);
        frame[^2] = (byte)crc;
        frame[^1] = (byte)(crc >> 8);
        return frame;
    }
}
