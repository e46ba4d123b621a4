using System.Buffers;
using BmsPace.Protocol.Commands;
using BmsPace.Protocol.Dialects;
using BmsPace.Protocol.Modbus;
using BmsPace.Protocol.Wire;
using BmsPace.Transport;

namespace BmsPace.Probe;

internal sealed partial class ProbeRunner
{
    /// <summary>
    /// How long a Modbus slave gets to start its reply while slaves are scanned before any answered: the short end of
    /// the 200-500 ms MODBUS.md gives, since a slave replies within milliseconds of the request's end.
    /// </summary>
    private static readonly TimeSpan ModbusScanTimeout = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// The slave whose attempt just before timed out, when what came back is its valid reply to that attempt's first
    /// read (a slave slower than the short scan wait), else null.
    /// </summary>
    private static byte? LateSlave(Run run, int? baud, TransportListen listen, IBmsDialect[] dialects, byte address)
    {
        if (run.Attempts.LastOrDefault(a => a.Baud == baud) is not { Outcome: ProbeOutcome.Silence, Address: int previous } || previous == address)
        {
            return null;
        }

        foreach (var dialect in dialects)
        {
            byte[] earlier = dialect.BuildRequests(CommandKind.Analog, (byte)previous, dialect.PackByteAt((byte)previous))[0];
            var buffer = new ReadOnlySequence<byte>(listen.Received);
            if (!dialect.Wire.TryCutReply(ref buffer, earlier, out var frame))
            {
                continue;
            }

            try
            {
                dialect.Validate(frame.ToArray(), earlier);
                return (byte)previous;
            }
            catch (Protocol.Framing.PaceProtocolException)
            {
            }
        }

        return null;
    }

    /// <summary>Asks again, with the 500 ms scan wait, every slave that answered late during the scan; the answers found.</summary>
    private static async Task<List<ProbeAttemptResult>> AskLateSlavesAgainAsync(Run run, StreamTransport link, int? baud, IBmsDialect[] dialects, CancellationToken cancellationToken)
    {
        var answers = new List<ProbeAttemptResult>();
        while (!run.OutOfTime && run.LateSlaves.TryDequeue(out byte late))
        {
            var result = await AttemptAsync(run, link, baud, dialects, late, ScanTimeout, cancellationToken);
            if (result.Classification.Outcome == ProbeOutcome.Answer)
            {
                answers.Add(result);
            }
        }

        return answers;
    }

    /// <summary>
    /// The wait for a slave's first byte while the other slaves of a family that answered are scanned: twice the slowest
    /// start of a reply seen on this line and 50 ms, within <see cref="ModbusScanTimeout"/> and <see cref="ScanTimeout"/>,
    /// so a silent address costs one short wait and a slow converter still gets the time its slaves need.
    /// </summary>
    private static TimeSpan SlaveScanTimeout(Run run)
    {
        var measured = run.SlowestSlave is { } slowest ? (slowest * 2) + TimeSpan.FromMilliseconds(50) : ModbusScanTimeout;
        return measured < ModbusScanTimeout ? ModbusScanTimeout : measured > ScanTimeout ? ScanTimeout : measured;
    }

    /// <summary>How long a scanned address of <paramref name="dialect"/> is waited for: the ASCII scan's 500 ms, or the Modbus slave scan's wait.</summary>
    private static TimeSpan ScanWait(Run run, IBmsDialect dialect) => dialect.Wire is AsciiWire ? ScanTimeout : SlaveScanTimeout(run);

    /// <summary>
    /// After the ASCII dialects stayed silent at every address, at the first speed: the Modbus families whose documents
    /// give this speed (all of them on a network link, whose line speed is not ours to know) at every other slave
    /// address they reach (2-15, and a self-assigned one such as EG4's auto-ID 64), each silent address costing one short
    /// wait. A slave silent to one read is taken as absent for the families that read with the same function; a reply
    /// of any kind (an exception, a failed check) has the other families asked there too.
    /// </summary>
    private static async Task<(StreamTransport Link, int? Baud, ProbeAttemptResult Answer)?> ScanModbusSlavesAsync(
        Run run, StreamTransport link, int? baud, CancellationToken cancellationToken)
    {
        if (run.Attempts.LastOrDefault() is { Outcome: ProbeOutcome.Io })
        {
            return null;
        }

        var families = BmsDialects.All.OfType<ModbusDialect>().Where(d => baud is null || d.DefaultBaudRate == baud).ToList<IBmsDialect>();
        var addresses = families.SelectMany(d => d.Addressing.EveryAddress).Distinct().Order().Where(a => !UsualAddresses.Contains((byte)a)).ToList();
        foreach (int address in addresses)
        {
            var silentFunctions = new HashSet<byte>();
            foreach (var group in Groups([.. families.Where(d => d.Addressing.Reaches(address))], (byte)address))
            {
                byte function = ProbeQuestions.AnalogRequest(group[0], (byte)address)[1];
                if (silentFunctions.Contains(function))
                {
                    continue;
                }

                if (run.OutOfTime)
                {
                    return null;
                }

                // No later listen can catch a late reply to the last address: it gets the full scan wait.
                var wait = address == addresses[^1] ? ScanTimeout : SlaveScanTimeout(run);
                var result = await AttemptAsync(run, link, baud, group, (byte)address, wait, cancellationToken);
                if ((await AskLateSlavesAgainAsync(run, link, baud, [.. families], cancellationToken)).FirstOrDefault() is { } lateAnswer)
                {
                    return (link, baud, lateAnswer);
                }

                switch (result.Classification.Outcome)
                {
                    case ProbeOutcome.Answer:
                        return (link, baud, result);
                    case ProbeOutcome.Io:
                        return null;
                    case ProbeOutcome.Silence:
                        silentFunctions.Add(function);
                        break;
                }
            }
        }

        return null;
    }
}
