using BmsPace.Protocol.Commands;
using BmsPace.Protocol.Dialects;
using BmsPace.Transport;

namespace BmsPace.Probe;

internal sealed partial class ProbeRunner
{
    /// <summary>
    /// One attempt of a family that reads its analog values in several requests (Modbus RTU): each read in turn, stopping
    /// at the first that is not answered with a valid reply, and a family named only when all of them were and its own
    /// rules explain them. The attempt line shows the first read, where the family's question starts.
    /// </summary>
    private static async Task<ProbeAttemptResult> AttemptEveryReadAsync(
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
            if (classification.Reply is not { } reply)
            {
                break;
            }

            replies.Add(reply);
        }

        if (replies.Count == requests.Count)
        {
            classification = ModbusReplyClassifier.Explain(dialects, replies, packByte, address, elapsed);
        }

        string protocol = classification!.Dialect?.Name ?? string.Join("/", dialects.Select(d => d.Name));
        await run.RecordAsync(new ProbeAttempt(run.Target.Name, baud, protocol, address, classification.Outcome, classification.Detail, dialect.Wire.Describe(requests[0])));
        return new ProbeAttemptResult(classification, address);
    }
}
