using System.Buffers;
using System.Globalization;
using System.Text;
using BmsPace.Protocol.Dialects;
using BmsPace.Protocol.Framing;
using BmsPace.Protocol.Wire;
using BmsPace.Transport;

namespace BmsPace.Probe;

/// <summary>The outcome of one probe attempt (CLI.md <c>probe</c> output).</summary>
internal enum ProbeOutcome
{
    Answer,
    Silence,
    Echo,
    Foreign,
    Rtn,
    BadFrame,
    Io,
}

internal static class ProbeOutcomes
{
    public static string ToLabel(this ProbeOutcome outcome) => outcome switch
    {
        ProbeOutcome.Answer => "answer",
        ProbeOutcome.Silence => "silence",
        ProbeOutcome.Echo => "echo",
        ProbeOutcome.Foreign => "foreign",
        ProbeOutcome.Rtn => "rtn",
        ProbeOutcome.BadFrame => "bad_frame",
        ProbeOutcome.Io => "io",
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, "unknown outcome"),
    };
}

/// <summary>How one reply was read: the outcome, a detail for the attempt line, and for an answer which dialect explained it.</summary>
internal sealed record ReplyClassification(ProbeOutcome Outcome, string Detail)
{
    /// <summary>The ASCII frame that came back, when one did.</summary>
    public ResponseFrame? Frame { get; init; }

    /// <summary>A valid reply of a family that reads a command in several requests (Modbus RTU): one of the replies its decoders take.</summary>
    public DialectReply? Reply { get; init; }

    public IBmsDialect? Dialect { get; init; }

    /// <summary>The pack count of an analog answer.</summary>
    public int? PackCount { get; init; }

    public byte? ReturnCode { get; init; }
}

/// <summary>
/// Reads what came back after a request, in the order that tells the most: nothing; a whole frame other than the
/// request (valid, an RTN, or failing a check); the request itself; a frame that started and did not end; bytes that
/// are no PACE-family frame at all (Modbus RTU is named when its CRC fits).
/// </summary>
internal static class ReplyClassifier
{
    /// <summary>How the detail of a valid frame that no dialect asked explains begins.</summary>
    public const string Unexplained = "a valid frame";

    /// <param name="candidates">The dialects that sent exactly this request; the first whose layout explains a valid answer names it.</param>
    /// <param name="address">The ADR the request carried.</param>
    /// <param name="ownAddress">The request asked the pack at <paramref name="address"/> for itself (COMMAND = address).</param>
    public static ReplyClassification Classify(TransportListen listen, byte[] request, IReadOnlyList<IBmsDialect> candidates, byte address, bool ownAddress = false)
    {
        var received = listen.Received;
        if (received.Length == 0)
        {
            return listen.LinkFailure is null
                ? new ReplyClassification(ProbeOutcome.Silence, $"nothing within {Milliseconds(listen.Elapsed)}")
                : new ReplyClassification(ProbeOutcome.Io, listen.LinkFailure);
        }

        var wire = candidates[0].Wire;
        if (wire is not AsciiWire)
        {
            return ModbusReplyClassifier.Classify(listen, request, candidates[0]);
        }

        if (FirstReply(wire, received, request, out bool sawEcho) is { } frame)
        {
            return ClassifyFrame(Encoding.ASCII.GetString(frame), candidates, address, listen.Elapsed, ownAddress);
        }

        string text = Encoding.Latin1.GetString(received);
        string rest = text.Replace(Encoding.Latin1.GetString(request), "", StringComparison.Ordinal);
        if (sawEcho)
        {
            string extra = rest.Length == 0 ? "" : $", then {rest.Length} other bytes";
            return new ReplyClassification(ProbeOutcome.Echo, $"the request itself came back{extra}");
        }

        int soi = rest.IndexOf('~', StringComparison.Ordinal);
        if (soi >= 0 && IsFrameText(rest.AsSpan(soi + 1)))
        {
            return new ReplyClassification(ProbeOutcome.BadFrame, $"truncated: a frame started ({Shorten(rest[soi..])}) and no CR followed");
        }

        return new ReplyClassification(ProbeOutcome.Foreign, DescribeForeign(received));
    }

    /// <summary>
    /// The first whole frame <paramref name="wire"/> cuts from what came back that is not the request's echo (a
    /// half-duplex adapter hears its own request); null when there is none. <paramref name="sawEcho"/> tells whether
    /// the echo came.
    /// </summary>
    internal static byte[]? FirstReply(IWireFormat wire, byte[] received, byte[] request, out bool sawEcho)
    {
        var buffer = new ReadOnlySequence<byte>(received);
        sawEcho = false;
        while (wire.TryCutReply(ref buffer, request, out var cut))
        {
            byte[] frame = cut.ToArray();
            if (!wire.IsEchoOf(frame, request))
            {
                return frame;
            }

            sawEcho = true;
        }

        return null;
    }

    private static ReplyClassification ClassifyFrame(string frame, IReadOnlyList<IBmsDialect> candidates, byte address, TimeSpan elapsed, bool ownAddress)
    {
        RequestFrame envelope;
        try
        {
            envelope = FrameDecoder.ParseRequest(frame);
        }
        catch (PaceProtocolException ex)
        {
            return new ReplyClassification(ProbeOutcome.BadFrame, $"{ex.Error.ToReason()}: {ex.Detail}");
        }

        var response = new ResponseFrame(envelope.Version, envelope.Address, envelope.Cid1, envelope.Cid2, envelope.Info);
        string header = Invariant($"VER {envelope.Version:X2} ADR {envelope.Address:X2} CID1 {envelope.Cid1:X2}");
        if (envelope.Cid2 != 0)
        {
            return new ReplyClassification(ProbeOutcome.Rtn, Invariant($"RTN {envelope.Cid2:X2}: {ReturnCodes.Describe(envelope.Cid2)} ({header})"))
            {
                Frame = response,
                ReturnCode = envelope.Cid2,
            };
        }

        foreach (var dialect in candidates)
        {
            if (ProbeQuestions.ExplainAnalog(dialect, response, address, ownAddress) is int packCount)
            {
                string packs = packCount == 1 ? "1 pack" : Invariant($"{packCount} packs");
                return new ReplyClassification(ProbeOutcome.Answer, $"{header}, {packs}, in {Milliseconds(elapsed)}")
                {
                    Frame = response,
                    Dialect = dialect,
                    PackCount = packCount,
                };
            }
        }

        // A whole, checksummed frame whose header or layout is no analog answer of the dialect asked: never decode it with another's layout.
        string asked = string.Join("/", candidates.Select(d => d.Name));
        return new ReplyClassification(ProbeOutcome.BadFrame, $"{Unexplained} ({header}) that is no {asked} analog answer")
        {
            Frame = response,
        };
    }

    private static bool IsFrameText(ReadOnlySpan<char> afterSoi)
    {
        foreach (char c in afterSoi)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    internal static string DescribeForeign(byte[] received)
    {
        string hex = Convert.ToHexString(received.AsSpan(0, Math.Min(received.Length, 24)));
        string more = received.Length > 24 ? "..." : "";
        if (ModbusRtu.TryDescribe(received, out string? modbus))
        {
            return Invariant($"{received.Length} bytes of Modbus RTU ({modbus}): {hex}{more}");
        }

        return Invariant($"{received.Length} bytes that are no PACE-family ASCII frame: {hex}{more}");
    }

    private static string Shorten(string text) => text.Length <= 24 ? text : text[..24] + "...";

    private static string Milliseconds(TimeSpan span) => Invariant($"{span.TotalMilliseconds:F0} ms");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>Recognises a Modbus RTU frame by its CRC-16 (polynomial 0xA001, low byte first), to name what a port speaks.</summary>
internal static class ModbusRtu
{
    public static bool TryDescribe(ReadOnlySpan<byte> bytes, out string? description)
    {
        description = null;
        if (bytes.Length < 4)
        {
            return false;
        }

        // A reply may be preceded by noise: look for the first span whose CRC fits (a Modbus RTU frame is at most 256 bytes).
        bytes = bytes[..Math.Min(bytes.Length, 256)];
        for (int start = 0; start < 16 && start + 4 <= bytes.Length; start++)
        {
            for (int end = bytes.Length; end >= start + 4; end--)
            {
                var frame = bytes[start..end];
                int crc = Crc(frame[..^2]);
                if (frame[^2] == (crc & 0xFF) && frame[^1] == (crc >> 8))
                {
                    byte function = frame[1];
                    string kind = (function & 0x80) != 0
                        ? $"exception {frame[2]:X2} to function {function & 0x7F:X2}"
                        : $"function {function:X2}";
                    description = string.Create(CultureInfo.InvariantCulture, $"slave {frame[0]}, {kind}, CRC ok");
                    return true;
                }
            }
        }

        return false;
    }

    private static int Crc(ReadOnlySpan<byte> data)
    {
        int crc = 0xFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int bit = 0; bit < 8; bit++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xA001 : crc >> 1;
            }
        }

        return crc;
    }
}
