namespace BmsPace.Protocol.Framing;

/// <summary>Validates a received frame in the order of PROTOCOL.md section 6 and METRICS.md's reason table.</summary>
public static class FrameDecoder
{
    /// <summary>Characters between SOI and the CHKSUM that are not INFO: VER, ADR, CID1, CID2/RTN, LENGTH.</summary>
    private const int HeaderLength = 12;

    private const int ChecksumLength = 4;

    /// <summary>
    /// Checks, in order: echo of <paramref name="request"/> (when given), SOI and minimum length, hex, LCHKSUM,
    /// total length = 18 + LENID, CHKSUM, VER, CID1, RTN. Lowercase hex is accepted. The trailing CR may be absent
    /// (on the frame and on the request).
    /// </summary>
    /// <remarks>
    /// A frame shorter than its LENID says is <see cref="FrameError.Truncated"/> only when it also lacks the CR (it
    /// ended before its CR); a CR-terminated frame of the wrong length is <see cref="FrameError.Length"/>, as METRICS.md
    /// defines the two reasons.
    /// </remarks>
    /// <exception cref="PaceProtocolException">The first check that fails, with its reason.</exception>
    public static ResponseFrame Parse(ReadOnlySpan<char> frame, byte expectedVersion, byte expectedCid1 = 0x46, string? request = null)
    {
        if (request is not null && WithoutEndOfFrame(frame).SequenceEqual(WithoutEndOfFrame(request.AsSpan())))
        {
            throw new PaceProtocolException(FrameError.Echo, "the frame is the request just sent (a converter echo)");
        }

        var envelope = ParseEnvelope(frame);
        if (envelope.Version != expectedVersion)
        {
            throw new PaceProtocolException(
                FrameError.Version,
                Invariant($"VER is {envelope.Version:X2}, expected {expectedVersion:X2}"));
        }

        if (envelope.Cid1 != expectedCid1)
        {
            throw new PaceProtocolException(
                FrameError.Cid1,
                Invariant($"CID1 is {envelope.Cid1:X2}, expected {expectedCid1:X2}"));
        }

        if (envelope.Cid2 != 0)
        {
            throw new PaceProtocolException(
                FrameError.Rtn,
                Invariant($"RTN {envelope.Cid2:X2}: {ReturnCodes.Describe(envelope.Cid2)}"),
                envelope.Cid2);
        }

        return new ResponseFrame(envelope.Version, envelope.Address, envelope.Cid1, envelope.Cid2, envelope.Info);
    }

    /// <summary>
    /// Reads a request frame (what <c>bmspace decode --request</c> and a simulated BMS receive): the envelope checks of
    /// <see cref="Parse"/> (SOI, length, hex, LCHKSUM, LENID, CHKSUM) without any expectation about VER, CID1 or CID2.
    /// </summary>
    /// <exception cref="PaceProtocolException">The first envelope check that fails.</exception>
    public static RequestFrame ParseRequest(ReadOnlySpan<char> frame) => ParseEnvelope(frame);

    /// <summary>The echo check and the envelope checks of <see cref="Parse"/>, with no expectation about VER, CID1 or RTN.</summary>
    internal static RequestFrame ParseEnvelope(ReadOnlySpan<char> frame, string? request)
    {
        if (request is not null && WithoutEndOfFrame(frame).SequenceEqual(WithoutEndOfFrame(request.AsSpan())))
        {
            throw new PaceProtocolException(FrameError.Echo, "the frame is the request just sent (a converter echo)");
        }

        return ParseEnvelope(frame);
    }

    private static RequestFrame ParseEnvelope(ReadOnlySpan<char> frame)
    {
        bool hasEndOfFrame = frame.Length > 0 && frame[^1] == FrameEncoder.EndOfFrame;
        var text = hasEndOfFrame ? frame[..^1] : frame;
        if (text.Length == 0 || text[0] != FrameEncoder.StartOfFrame)
        {
            throw new PaceProtocolException(FrameError.Truncated, "the frame does not start with '~'");
        }

        var body = text[1..];
        if (body.Length < HeaderLength + ChecksumLength)
        {
            throw new PaceProtocolException(
                FrameError.Truncated,
                Invariant($"{text.Length + 1} characters with CR, at least {FrameEncoder.EnvelopeLength} needed"));
        }

        for (int i = 0; i < body.Length; i++)
        {
            if (!char.IsAsciiHexDigit(body[i]))
            {
                throw new PaceProtocolException(
                    FrameError.Hex,
                    Invariant($"character {i + 1} is {Describe(body[i])}, not a hex digit"));
            }
        }

        int lengthField = HexValue(body.Slice(8, 4));
        int lenId = lengthField & 0xFFF;
        int lengthChecksum = lengthField >> 12;
        if (Checksums.LengthChecksum(lenId) != lengthChecksum)
        {
            throw new PaceProtocolException(
                FrameError.LengthChecksum,
                Invariant($"LENGTH {lengthField:X4}: LCHKSUM {lengthChecksum:X} does not match LENID {lenId} (expected {Checksums.LengthChecksum(lenId):X})"));
        }

        if (lenId % 2 != 0)
        {
            throw new PaceProtocolException(FrameError.Length, Invariant($"LENID {lenId} is odd: INFO must be whole bytes"));
        }

        int expectedBody = HeaderLength + lenId + ChecksumLength;
        if (body.Length != expectedBody)
        {
            var error = body.Length < expectedBody && !hasEndOfFrame ? FrameError.Truncated : FrameError.Length;
            throw new PaceProtocolException(
                error,
                Invariant($"LENID {lenId} makes a frame of {expectedBody + 2} characters with CR; this one has {body.Length + 2}"));
        }

        var summed = body[..^ChecksumLength];
        int given = HexValue(body[^ChecksumLength..]);
        int computed = Checksums.FrameChecksum(summed);
        if (given != computed)
        {
            throw new PaceProtocolException(
                FrameError.Checksum,
                Invariant($"CHKSUM is {given:X4}, computed {computed:X4}"));
        }

        var info = ImmutableArray.CreateBuilder<byte>(lenId / 2);
        for (int i = 0; i < lenId; i += 2)
        {
            info.Add((byte)HexValue(body.Slice(HeaderLength + i, 2)));
        }

        return new RequestFrame(
            (byte)HexValue(body[..2]),
            (byte)HexValue(body.Slice(2, 2)),
            (byte)HexValue(body.Slice(4, 2)),
            (byte)HexValue(body.Slice(6, 2)),
            info.MoveToImmutable());
    }

    private static ReadOnlySpan<char> WithoutEndOfFrame(ReadOnlySpan<char> frame) =>
        frame.Length > 0 && frame[^1] == FrameEncoder.EndOfFrame ? frame[..^1] : frame;

    private static int HexValue(ReadOnlySpan<char> digits)
    {
        int value = 0;
        foreach (char c in digits)
        {
            value = (value << 4) | HexDigit(c);
        }

        return value;
    }

    private static int HexDigit(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'A' and <= 'F' => c - 'A' + 10,
        >= 'a' and <= 'f' => c - 'a' + 10,
        _ => throw new PaceProtocolException(FrameError.Hex, Invariant($"{Describe(c)} is not a hex digit")),
    };

    private static string Describe(char c) =>
        c is >= ' ' and <= '~' ? Invariant($"'{c}'") : Invariant($"0x{(int)c:X2}");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
