using System.Text;

namespace BmsPace.Protocol.Framing;

/// <summary>
/// Writes the envelope of a PACE frame: <c>~ VER ADR CID1 CID2/RTN LENGTH INFO CHKSUM CR</c>, all as uppercase hex.
/// Requests go through <see cref="Commands.RequestBuilder"/>, which refuses anything but read commands; this type is
/// the shared envelope writer (and what a simulated BMS uses to answer).
/// </summary>
public static class FrameEncoder
{
    public const char StartOfFrame = '~';
    public const char EndOfFrame = '\r';

    /// <summary>Characters of a frame that are not INFO: SOI, 12 header characters, 4 CHKSUM characters, EOI.</summary>
    public const int EnvelopeLength = 18;

    /// <summary>Encodes a response frame carrying <paramref name="returnCode"/> in the CID2 position.</summary>
    public static string EncodeResponse(byte version, byte address, byte cid1, byte returnCode, ReadOnlySpan<byte> info) =>
        Encode(version, address, cid1, returnCode, info);

    internal static string Encode(byte version, byte address, byte cid1, byte cid2OrReturnCode, ReadOnlySpan<byte> info)
    {
        int lenId = info.Length * 2;
        if (lenId > 0xFFF)
        {
            throw new ArgumentOutOfRangeException(nameof(info), info.Length, "INFO longer than LENID can describe (4095 characters)");
        }

        var text = new StringBuilder(EnvelopeLength + lenId);
        text.Append(StartOfFrame);
        AppendHex(text, version);
        AppendHex(text, address);
        AppendHex(text, cid1);
        AppendHex(text, cid2OrReturnCode);
        text.Append(Checksums.LengthField(lenId).ToString("X4", CultureInfo.InvariantCulture));
        foreach (byte b in info)
        {
            AppendHex(text, b);
        }

        int checksum = Checksums.FrameChecksum(text.ToString(1, text.Length - 1));
        text.Append(checksum.ToString("X4", CultureInfo.InvariantCulture));
        text.Append(EndOfFrame);
        return text.ToString();
    }

    private static void AppendHex(StringBuilder text, byte value) => text.Append(value.ToString("X2", CultureInfo.InvariantCulture));
}
