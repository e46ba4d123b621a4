using BmsPace.Protocol.Commands;
using BmsPace.Protocol.Dialects;
using BmsPace.Protocol.Wire;
using BmsPace.Transport;

namespace BmsPace.Probe;

internal sealed partial class ProbeRunner
{
    /// <summary>
    /// One attempt at one address: one request of the ASCII families (an answer that comes late for the address asked
    /// before is credited there), or every analog read of a Modbus RTU family.
    /// </summary>
    private static async Task<ProbeAttemptResult> AttemptAsync(
        Run run, StreamTransport link, int? baud, IBmsDialect[] dialects, byte address, TimeSpan timeout, CancellationToken cancellationToken, bool ownAddress = false)
    {
        if (dialects[0].Wire is not AsciiWire)
        {
            var (answer, firstRequest) = await AskEveryReadAsync(run, link, baud, dialects, address, timeout, cancellationToken);
            await RecordAttemptAsync(run, baud, dialects, address, answer, firstRequest);
            return new ProbeAttemptResult(answer, address);
        }

        byte[] request = ownAddress ? ProbeQuestions.OwnAddressRequest(dialects[0], address) : ProbeQuestions.AnalogRequest(dialects[0], address);
        string requestText = dialects[0].Wire.Describe(request);
        var listen = await ListenAsync(link, request, dialects[0], timeout, cancellationToken);
        var classification = ReplyClassifier.Classify(listen, request, dialects, address, ownAddress);
        ProbeAttemptResult? late = null;
        if (classification is { Outcome: ProbeOutcome.Answer, Frame: { } frame, Dialect: { } lateDialect }
            && frame.Address != address && run.Attempts.LastOrDefault(a => a.Baud == baud) is { Outcome: ProbeOutcome.Silence } previous
            && previous.Address == frame.Address)
        {
            // The answer names the address asked just before, whose attempt timed out: it is that address's reply,
            // come late. Credit it there and ask this address again, rather than naming a pack that may not exist.
            await run.RecordAsync(new ProbeAttempt(run.Target.Name, baud, lateDialect.Name, frame.Address, ProbeOutcome.Answer,
                $"{classification.Detail}, late: after its own request timed out", ProbeQuestions.AnalogRequestText(lateDialect, frame.Address)));
            late = new ProbeAttemptResult(classification, frame.Address, ownAddress);
            listen = await ListenAsync(link, request, dialects[0], timeout, cancellationToken);
            classification = ReplyClassifier.Classify(listen, request, dialects, address, ownAddress);
        }

        await RecordAttemptAsync(run, baud, dialects, address, classification, requestText);
        return classification.Outcome != ProbeOutcome.Answer && late is not null ? late : new ProbeAttemptResult(classification, address, ownAddress);
    }

    /// <summary>
    /// The analog reads of a family that reads its values in several requests (Modbus RTU): each read in turn, stopping
    /// at the first that is not answered with a valid reply, and a family named only when all of them were and its own
    /// rules explain them. The attempt line shows the first read, where the family's question starts.
    /// </summary>
    private static async Task<(ReplyClassification Classification, string FirstRequest)> AskEveryReadAsync(
        Run run, StreamTransport link, int? baud, IBmsDialect[] dialects, byte address, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var dialect = dialects[0];
        byte packByte = dialect.PackByteAt(address);
        var requests = dialect.BuildRequests(CommandKind.Analog, address, packByte);
        var replies = new List<DialectReply>(requests.Count);
        var elapsed = TimeSpan.Zero;
        ReplyClassification? classification = null;
        foreach (byte[] request in requests)
        {
            var listen = await ListenAsync(link, request, dialect, timeout, cancellationToken);
            elapsed += listen.Elapsed;
            classification = ReplyClassifier.Classify(listen, request, dialects, address);
            if (classification.Reply is null && replies.Count == 0 && LateSlave(run, baud, listen, dialects, address) is byte late)
            {
                // The slave asked just before answered after its short wait ran out, into this listen: it is asked
                // again with a longer wait once this address is done, and this address is asked once more now.
                run.LateSlaves.Enqueue(late);
                listen = await ListenAsync(link, request, dialect, timeout, cancellationToken);
                elapsed += listen.Elapsed;
                classification = ReplyClassifier.Classify(listen, request, dialects, address);
            }

            if (classification.Reply is not { } reply)
            {
                break;
            }

            // A slave that answered tells how long this line and slave take to start a reply.
            if (listen.FirstByteAfter is { } firstByte && (run.SlowestSlave is null || firstByte > run.SlowestSlave))
            {
                run.SlowestSlave = firstByte;
            }

            replies.Add(reply);
        }

        if (replies.Count == requests.Count)
        {
            classification = ModbusReplyClassifier.Explain(dialects, replies, packByte, address, elapsed);
        }

        return (classification!, dialect.Wire.Describe(requests[0]));
    }

    /// <summary>The attempt's line: the dialect that explained the answer, or every dialect the request asked for.</summary>
    private static Task RecordAttemptAsync(Run run, int? baud, IBmsDialect[] asked, byte address, ReplyClassification classification, string request)
    {
        string protocol = classification.Dialect?.Name ?? string.Join("/", asked.Select(d => d.Name));
        return run.RecordAsync(new ProbeAttempt(run.Target.Name, baud, protocol, address, classification.Outcome, classification.Detail, request));
    }
}
