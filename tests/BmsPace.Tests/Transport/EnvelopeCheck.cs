using System.Globalization;
using BmsPace.Protocol.Framing;

namespace BmsPace.Tests.Transport;

/// <summary>
/// The envelope checks of PROTOCOL.md section 6 written out with <see cref="Checksums"/>, for tests (the protocol
/// library's validator is built on another branch). Returns the first failing check, or null for a good frame.
/// </summary>
internal static class EnvelopeCheck
{
    public static string? Problem(string frame)
    {
        if (frame.Length < 18 || frame[0] != '~' || frame[^1] != '\r')
        {
            return "shape";
        }

        var body = frame.AsSpan(1, frame.Length - 2);
        foreach (char c in body)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return "hex";
            }
        }

        int length = int.Parse(body.Slice(8, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        int lenId = length & 0xFFF;
        if (length >> 12 != Checksums.LengthChecksum(lenId))
        {
            return "length_checksum";
        }

        if (frame.Length != 18 + lenId)
        {
            return "length";
        }

        int given = int.Parse(body[^4..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        if (given != Checksums.FrameChecksum(body[..^4]))
        {
            return "checksum";
        }

        return null;
    }

    public static void AssertValid(string frame)
    {
        var problem = Problem(frame);
        Assert.True(problem is null, $"frame failed the {problem} check: {frame}");
    }

    public static byte Address(string frame) => byte.Parse(frame.AsSpan(3, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    public static byte ReturnCode(string frame) => byte.Parse(frame.AsSpan(7, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    public static byte[] Info(string frame) => Convert.FromHexString(frame.AsSpan(13, frame.Length - 18));
}
