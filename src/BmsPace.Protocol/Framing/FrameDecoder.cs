namespace BmsPace.Protocol.Framing;

/// <summary>Validates a received frame in the order of PROTOCOL.md section 6 and METRICS.md's reason table.</summary>
public static class FrameDecoder
{
    /// <summary>
    /// Checks, in order: echo of <paramref name="request"/> (when given), SOI and minimum length, hex, LCHKSUM,
    /// total length = 18 + LENID, CHKSUM, EOI, VER, CID1, RTN. Lowercase hex is accepted. The trailing CR may be absent.
    /// </summary>
    /// <exception cref="PaceProtocolException">The first check that fails, with its reason.</exception>
    public static ResponseFrame Parse(ReadOnlySpan<char> frame, byte expectedVersion, byte expectedCid1 = 0x46, string? request = null) =>
        throw new NotImplementedException();
}
