using System.Diagnostics;
using BmsPace.Configuration;
using BmsPace.Hosting;
using BmsPace.Protocol.Dialects;
using BmsPace.Protocol.Wire;
using BmsPace.Transport;
using Microsoft.Extensions.Logging.Abstractions;

namespace BmsPace.Probe;

/// <summary>
/// Probes one connection: the dialects at the master's usual addresses (1, then 0) at each speed until one answers;
/// at the first speed, when the line stayed quiet, the other RS485 addresses before the other speeds (the ASCII
/// dialects, then the Modbus families' slaves); after an answer, the identity read and every address the dialect that
/// answered reaches (0-15, and a self-assigned one such as EG4's 64), since on RS485 each pack answers only its own.
/// </summary>
/// <remarks>
/// Bounded: an attempt waits <see cref="UsualTimeout"/> (or <see cref="ScanTimeout"/> while scanning addresses, and
/// a Modbus slave scan's short wait, <see cref="SlaveScanTimeout"/>) for its first byte, an echo or other bytes end it after a short pause, and the whole connection stops at <see cref="Budget"/>.
/// Only the read-only analog request and identity read of each dialect are sent.
/// </remarks>
internal sealed partial class ProbeRunner(Func<ProbeAttempt, Task> onAttempt)
{
    public static readonly TimeSpan UsualTimeout = TimeSpan.FromMilliseconds(1000);

    /// <summary>The 500 ms the PACE specs give a BMS to reply (PROTOCOL.md section 2).</summary>
    public static readonly TimeSpan ScanTimeout = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// A dead serial line is asked everything: the ASCII scan and the Modbus slave scan at 9600 baud, then every dialect
    /// at the other speeds, about 47 s on an idle machine; the rest of the minute is the margin a busy one needs.
    /// </summary>
    public static readonly TimeSpan Budget = TimeSpan.FromSeconds(55);

    /// <summary>
    /// A Modbus RTU slave replies within milliseconds of the request's end; the shorter wait keeps the Modbus reads at
    /// every speed inside <see cref="Budget"/>.
    /// </summary>
    private static readonly TimeSpan ModbusTimeout = ScanTimeout;

    /// <summary>The address scan asks in the ASCII dialects only; the Modbus families are asked at the usual addresses (docs/CLI.md).</summary>
    private static readonly IBmsDialect[] ScannedDialects = [.. BmsDialects.All.Where(d => d.Wire is AsciiWire)];

    private static readonly byte[] UsualAddresses = [1, 0];

    public async Task<ConnectionProbe> ProbeAsync(ProbeTarget target, CancellationToken cancellationToken)
    {
        var run = new Run(target, onAttempt, Stopwatch.GetTimestamp());
        if (target.Connection is SerialConnectionSpec serial && !await CheckDeviceAsync(run, serial))
        {
            return run.Result(null);
        }

        (StreamTransport Link, int? Baud, ProbeAttemptResult Answer)? found = null;
        StreamTransport? link = null;
        try
        {
            foreach (int? baud in target.Speeds)
            {
                if (run.OutOfTime)
                {
                    break;
                }

                link = await OpenAsync(run, baud, cancellationToken);
                if (link is null)
                {
                    break;
                }

                var outcomes = new List<ProbeOutcome>();

                // Other speeds get address 1 only: an RS232 port answers any address, and an RS485 master is 1.
                foreach (byte address in baud == target.Speeds[0] ? UsualAddresses : UsualAddresses[..1])
                {
                    var atAddress = new List<ProbeAttemptResult>();
                    foreach (var group in Groups(BmsDialects.All, address))
                    {
                        var result = await AttemptAsync(run, link, baud, group, address, group[0].Wire is AsciiWire ? UsualTimeout : ModbusTimeout, cancellationToken);
                        atAddress.Add(result);
                        outcomes.Add(result.Classification.Outcome);
                        if (result.Classification.Outcome == ProbeOutcome.Answer)
                        {
                            found = (link, baud, result);
                            break;
                        }

                        if (result.Classification.Outcome == ProbeOutcome.Io || run.OutOfTime)
                        {
                            break;
                        }
                    }

                    if (found is null && outcomes[^1] != ProbeOutcome.Io && await AskForItselfWhenToldAsync(run, link, baud, address, atAddress, UsualTimeout, cancellationToken) is { } own)
                    {
                        found = (link, baud, own);
                    }

                    if (found is not null || outcomes[^1] == ProbeOutcome.Io || run.OutOfTime)
                    {
                        break;
                    }
                }

                // An RTN is a device at that address that refused the question: on a bus the others may be further on.
                if (found is null && baud == target.Speeds[0] && outcomes.All(o => o is ProbeOutcome.Silence or ProbeOutcome.Rtn) && !run.OutOfTime)
                {
                    // On RS485 a pack answers only its own DIP address: try the others at the usual speed first, in the
                    // ASCII dialects, then (only once those stayed silent) the Modbus families' slaves.
                    found = await ScanOtherAddressesAsync(run, link, baud, cancellationToken)
                        ?? (run.OutOfTime ? null : await ScanModbusSlavesAsync(run, link, baud, cancellationToken));
                }

                if (found is not null || outcomes.Contains(ProbeOutcome.Io))
                {
                    break;
                }

                await link.DisposeAsync();
                link = null;

                // A loopback sends back every request whatever the speed: other speeds would only repeat it.
                if (outcomes.All(o => o == ProbeOutcome.Echo))
                {
                    break;
                }
            }

            if (found is not { } answer)
            {
                return run.Result(null);
            }

            return run.Result(await DescribeAsync(run, answer.Link, answer.Baud, answer.Answer, cancellationToken));
        }
        finally
        {
            if (link is not null)
            {
                await link.DisposeAsync();
            }
        }
    }

    private static async Task<(StreamTransport Link, int? Baud, ProbeAttemptResult Answer)?> ScanOtherAddressesAsync(Run run, StreamTransport link, int? baud, CancellationToken cancellationToken)
    {
        for (byte address = 2; address <= 15 && !run.OutOfTime; address++)
        {
            var atAddress = new List<ProbeAttemptResult>();
            foreach (var group in Groups(ScannedDialects, address))
            {
                var result = await AttemptAsync(run, link, baud, group, address, ScanTimeout, cancellationToken);
                atAddress.Add(result);
                if (result.Classification.Outcome == ProbeOutcome.Answer)
                {
                    return (link, baud, result);
                }

                if (result.Classification.Outcome == ProbeOutcome.Io || run.OutOfTime)
                {
                    return null;
                }
            }

            if (await AskForItselfWhenToldAsync(run, link, baud, address, atAddress, ScanTimeout, cancellationToken) is { } own)
            {
                return (link, baud, own);
            }
        }

        return null;
    }

    /// <summary>
    /// A PACE pack on an RS485 bus without a master answers only its own address, only COMMAND = that address (never
    /// the master's FF), and a question in another VER with RTN 01 in its own header. So when a reply at
    /// <paramref name="address"/> carries the VER and CID1 of a dialect whose usual question (COMMAND FF) stayed silent
    /// there, that dialect is asked again for the pack at this address itself.
    /// </summary>
    private static async Task<ProbeAttemptResult?> AskForItselfWhenToldAsync(
        Run run, StreamTransport link, int? baud, byte address, List<ProbeAttemptResult> atAddress, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var headers = atAddress.Where(r => r.Classification is { Outcome: ProbeOutcome.Rtn, Frame: not null })
            .Select(r => (r.Classification.Frame!.Version, r.Classification.Frame!.Cid1)).Distinct().ToList();
        foreach (var dialect in BmsDialects.All.Where(ProbeQuestions.AsksTheMaster))
        {
            bool told = headers.Contains((dialect.DefaultVersion, dialect.Cid1));
            bool silentToTheMastersQuestion = run.Attempts.Any(a => a.Baud == baud && a.Address == address && a.Outcome == ProbeOutcome.Silence
                && a.Request == ProbeQuestions.AnalogRequestText(dialect, address));
            if (!told || !silentToTheMastersQuestion || run.OutOfTime)
            {
                continue;
            }

            var result = await AttemptAsync(run, link, baud, [dialect], address, timeout, cancellationToken, ownAddress: true);
            if (result.Classification.Outcome == ProbeOutcome.Answer)
            {
                return result;
            }
        }

        return null;
    }

    /// <summary>Dialects whose requests at <paramref name="address"/> are the same bytes share one attempt.</summary>
    private static IEnumerable<IBmsDialect[]> Groups(IReadOnlyList<IBmsDialect> dialects, byte address) =>
        dialects.GroupBy(d => ProbeQuestions.AnalogRequestText(d, address), StringComparer.Ordinal).Select(g => g.ToArray());

    private static async Task<bool> CheckDeviceAsync(Run run, SerialConnectionSpec serial)
    {
        if (!File.Exists(serial.Path))
        {
            await run.RecordAsync(new ProbeAttempt(run.Target.Name, serial.BaudRate, null, null, ProbeOutcome.Io, $"no such device {serial.Path}", null));
            return false;
        }

        var holders = SerialDevices.Holders(serial.Path);
        if (holders.Count > 0)
        {
            string who = string.Join(", ", holders.Select(h => $"pid {h.ProcessId} ({h.Name})"));
            await run.RecordAsync(new ProbeAttempt(run.Target.Name, serial.BaudRate, null, null, ProbeOutcome.Io, $"busy: {serial.Path} is open in {who}", null));
            return false;
        }

        return true;
    }

    /// <summary>Opens the connection through the transports the poller uses; a serial port at <paramref name="baud"/>.</summary>
    private static async Task<StreamTransport?> OpenAsync(Run run, int? baud, CancellationToken cancellationToken)
    {
        var connection = run.Target.Connection is SerialConnectionSpec serial && baud is int speed ? serial with { BaudRate = speed } : run.Target.Connection;
        var link = TransportFactory.Create(connection, NullLoggerFactory.Instance);
        try
        {
            await link.ConnectAsync(UsualTimeout * 3, cancellationToken);
            return link;
        }
        catch (TransportException ex)
        {
            await link.DisposeAsync();
            await run.RecordAsync(new ProbeAttempt(run.Target.Name, baud, null, null, ProbeOutcome.Io, ex.Message, null));
            return null;
        }
    }

    /// <summary>One request and what came back; a link that cannot be used any more is the listen's failure.</summary>
    private static async Task<TransportListen> ListenAsync(StreamTransport link, byte[] request, IBmsDialect dialect, TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            return await link.ListenAsync(request, dialect.Wire, timeout, cancellationToken);
        }
        catch (TransportException ex)
        {
            return new TransportListen([], TimeSpan.Zero, ex.Message);
        }
    }

    private static async Task<ProbeFinding> DescribeAsync(Run run, StreamTransport link, int? baud, ProbeAttemptResult first, CancellationToken cancellationToken)
    {
        var dialect = first.Classification.Dialect!;
        byte version = first.Classification.Frame?.Version ?? dialect.DefaultVersion;
        string? softwareVersion = await ReadIdentityAsync(run, link, baud, dialect, first.Address, cancellationToken);

        // A pack that answered only for itself is scanned for with the same form of question.
        bool ownAddress = first.OwnAddress;
        string Question(byte address) => ownAddress ? dialect.Wire.Describe(ProbeQuestions.OwnAddressRequest(dialect, address)) : ProbeQuestions.AnalogRequestText(dialect, address);
        var tried = run.Attempts
            .Where(a => a.Baud == baud && a.Address is not null && a.Request == Question((byte)a.Address.Value))
            .Select(a => a.Address!.Value)
            .ToHashSet();
        var answered = run.Attempts
            .Where(a => a.Baud == baud && a.Protocol == dialect.Name && a.Outcome == ProbeOutcome.Answer && a.Address is not null)
            .Select(a => a.Address!.Value)
            .ToHashSet();
        foreach (int address in dialect.Addressing.EveryAddress)
        {
            if (run.OutOfTime)
            {
                break;
            }

            if (tried.Contains(address))
            {
                continue;
            }

            tried.Add(address);
            // No later listen can catch a late reply to the last address: it gets the full scan wait.
            var wait = address == dialect.Addressing.EveryAddress.Last() ? ScanTimeout : ScanWait(run, dialect);
            var result = await AttemptAsync(run, link, baud, [dialect], (byte)address, wait, cancellationToken, ownAddress);
            if (result.Classification.Outcome == ProbeOutcome.Answer)
            {
                answered.Add(result.Address);
            }

            answered.UnionWith((await AskLateSlavesAgainAsync(run, link, baud, [dialect], cancellationToken)).Select(r => (int)r.Address));
        }

        // Most addresses answered: an RS232 master that answers them all, whose scan lost a reply or two to the short
        // scan timeout (a loaded machine, or a reply that came late into the next attempt). Ask those again with the
        // usual timeout before concluding that only some addresses answer.
        if (answered.Count >= 8 && dialect.Wire is AsciiWire)
        {
            foreach (int address in tried.Except(answered).Order().ToList())
            {
                if (run.OutOfTime)
                {
                    break;
                }

                var again = await AttemptAsync(run, link, baud, [dialect], (byte)address, UsualTimeout, cancellationToken, ownAddress);
                if (again.Classification.Outcome == ProbeOutcome.Answer)
                {
                    answered.Add(again.Address);
                }
            }
        }

        bool everyAddress = answered.Count == tried.Count && tried.Count == 16;
        // Packs that answer only for themselves are read one by one, even a single one (packs: [N]).
        bool list = ownAddress || (!everyAddress && answered.Count > 1);
        int[] addresses = [.. answered.Order()];
        return new ProbeFinding(
            run.Target,
            baud,
            dialect,
            version,
            list ? addresses[0] : first.Address,
            list ? addresses.Length : first.Classification.PackCount!.Value,
            list ? addresses : null,
            everyAddress,
            softwareVersion);
    }

    private static async Task<string?> ReadIdentityAsync(Run run, StreamTransport link, int? baud, IBmsDialect dialect, byte address, CancellationToken cancellationToken)
    {
        byte[] request = ProbeQuestions.IdentityRequest(dialect, address);
        var listen = await ListenAsync(link, request, dialect, UsualTimeout, cancellationToken);
        var classification = ReplyClassifier.Classify(listen, request, [dialect], address);
        string? version = null;
        var outcome = classification.Outcome;
        string detail = classification.Detail;
        if (classification is { Frame: null, Reply: { } reply })
        {
            version = ProbeQuestions.SoftwareVersion(dialect, reply);
            outcome = ProbeOutcome.Answer;
            detail = version is null ? "identity read answered" : $"software version {version}";
        }
        else if (classification.Frame is { ReturnCode: 0 } identity)
        {
            // Any valid RTN 00 frame answers an identity read; it is no analog answer, so Explain does not apply.
            version = ProbeQuestions.SoftwareVersion(dialect, identity);
            outcome = ProbeOutcome.Answer;
            detail = version is null ? "identity read answered" : $"software version {version}";
        }

        await run.RecordAsync(new ProbeAttempt(run.Target.Name, baud, dialect.Name, address, outcome, detail, dialect.Wire.Describe(request)));
        return version;
    }

    /// <param name="OwnAddress">Asked for the pack at that address itself (COMMAND = address), not the dialect's usual question.</param>
    private sealed record ProbeAttemptResult(ReplyClassification Classification, byte Address, bool OwnAddress = false);

    private sealed class Run(ProbeTarget target, Func<ProbeAttempt, Task> onAttempt, long started)
    {
        public ProbeTarget Target { get; } = target;

        public List<ProbeAttempt> Attempts { get; } = [];

        public bool TimeLimitReached { get; private set; }

        /// <summary>The longest a Modbus slave that answered took to start its reply (<see cref="SlaveScanTimeout"/>).</summary>
        public TimeSpan? SlowestSlave { get; set; }

        /// <summary>Modbus slaves whose reply came after their short scan wait, to be asked again with a longer one.</summary>
        public Queue<byte> LateSlaves { get; } = [];

        public bool OutOfTime
        {
            get
            {
                // Leave room for one more attempt of the longest kind inside the budget.
                TimeLimitReached |= Stopwatch.GetElapsedTime(started) + UsualTimeout > Budget;
                return TimeLimitReached;
            }
        }

        public async Task RecordAsync(ProbeAttempt attempt)
        {
            Attempts.Add(attempt);
            await onAttempt(attempt);
        }

        public ConnectionProbe Result(ProbeFinding? finding) => new(Target, Attempts, finding, TimeLimitReached);
    }
}
