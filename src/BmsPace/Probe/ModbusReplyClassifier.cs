using System.Globalization;
using BmsPace.Protocol.Commands;
using BmsPace.Protocol.Decoding;
using BmsPace.Protocol.Dialects;
using BmsPace.Protocol.Framing;
using BmsPace.Transport;

namespace BmsPace.Probe;

/// <summary>
/// Reads what came back after a Modbus RTU read, in the order of <see cref="ReplyClassifier"/>: nothing; a reply from
/// the slave asked (valid, an exception reply, or failing its CRC or byte count); the request itself; bytes that are
/// no reply to this read. A family is named only when the replies to all its analog reads pass its own sanity rules.
/// </summary>
internal static class ModbusReplyClassifier
{
    /// <summary>How the detail of valid replies that no family asked explains begins.</summary>
    public const string Unexplained = "valid Modbus RTU replies";

    public static ReplyClassification Classify(TransportListen listen, byte[] request, IBmsDialect dialect)
    {
        if (ReplyClassifier.FirstReply(dialect.Wire, listen.Received, request, out bool sawEcho) is { } frame && AnswersThisRead(frame, request))
        {
            return ValidateOne(frame, request, dialect, listen.Elapsed);
        }

        if (sawEcho)
        {
            return new ReplyClassification(ProbeOutcome.Echo, "the request itself came back");
        }

        return new ReplyClassification(ProbeOutcome.Foreign, ModbusRtu.TryDescribe(listen.Received, out _)
            ? ReplyClassifier.DescribeForeign(listen.Received)
            : Invariant($"{listen.Received.Length} bytes that are no reply to this Modbus read: {Convert.ToHexString(listen.Received.AsSpan(0, Math.Min(listen.Received.Length, 24)))}{(listen.Received.Length > 24 ? "..." : "")}"));
    }

    /// <summary>
    /// The outcome of a family whose every analog read was answered with a valid reply: an answer from the first
    /// candidate whose layout and sanity rules explain them (EG4 LL and PACE_MODBUS both read holding registers from
    /// 0: the values tell them apart), else a bad frame: valid Modbus, but no map this program knows.
    /// </summary>
    public static ReplyClassification Explain(IReadOnlyList<IBmsDialect> candidates, IReadOnlyList<DialectReply> replies, byte packByte, byte address, TimeSpan elapsed)
    {
        foreach (var dialect in candidates)
        {
            if (!dialect.Explains(replies, CommandKind.Analog, packByte))
            {
                continue;
            }

            var options = DecoderOptions.Default with { TemperatureOffsetDeciKelvin = dialect.TemperatureOffsetDeciKelvin };
            int packs = dialect.DecodeAnalog(replies, packByte, options).PackCount;
            string reads = replies.Count == 1 ? "1 read" : Invariant($"{replies.Count} reads");
            return new ReplyClassification(ProbeOutcome.Answer, Invariant($"Modbus RTU slave {address}, {reads} answered, in {elapsed.TotalMilliseconds:F0} ms"))
            {
                Dialect = dialect,
                PackCount = packs,
            };
        }

        string asked = string.Join("/", candidates.Select(d => d.Name));
        return new ReplyClassification(ProbeOutcome.BadFrame, Invariant($"{Unexplained} from slave {address} that are no {asked} analog answer (the values fail its sanity rules)"));
    }

    /// <summary>Another slave's or another function's bytes, without a CRC that fits, are no reply to this read.</summary>
    private static bool AnswersThisRead(byte[] frame, byte[] request) =>
        (frame.Length >= 2 && frame[0] == request[0] && (frame[1] & 0x7F) == request[1]) || ModbusRtu.TryDescribe(frame, out _);

    private static ReplyClassification ValidateOne(byte[] frame, byte[] request, IBmsDialect dialect, TimeSpan elapsed)
    {
        try
        {
            var reply = dialect.Validate(frame, request);
            return new ReplyClassification(ProbeOutcome.Answer, Invariant($"slave {frame[0]}, function {frame[1]:X2}, {frame.Length} bytes, in {elapsed.TotalMilliseconds:F0} ms"))
            {
                Reply = reply,
            };
        }
        catch (PaceProtocolException ex) when (ex.Error == FrameError.Rtn)
        {
            return new ReplyClassification(ProbeOutcome.Rtn, Invariant($"Modbus {ex.Detail} (slave {frame[0]})")) { ReturnCode = ex.ReturnCode };
        }
        catch (PaceProtocolException ex)
        {
            return new ReplyClassification(ProbeOutcome.BadFrame, $"{ex.Error.ToReason()}: {ex.Detail}");
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
