using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using BmsPace.Configuration;
using BmsPace.Protocol.Commands;
using BmsPace.Protocol.Decoding;
using BmsPace.Protocol.Dialects;
using BmsPace.Protocol.Framing;
using BmsPace.Protocol.Readings;
using BmsPace.Protocol.Wire;
using BmsPace.Transport;
using Microsoft.Extensions.Logging;

namespace BmsPace.Polling;

/// <summary>
/// Polls one battery link: identity (0xC1/0xC2, optional), then 0x42 and 0x44 for all packs (COMMAND FF to the master)
/// or pack by pack (RS485 list mode), one request in flight, the configured gap between requests, retries, reconnect
/// after repeated failures. Every failure is counted by command and reason and never escapes a cycle.
/// </summary>
/// <remarks>Not thread-safe: one caller drives <see cref="PollOnceAsync"/> (the poller service or <c>bmspace once</c>).</remarks>
public sealed class BatteryPoller
{
    /// <summary>How often version and serials are asked again while the link holds: they change only when a pack is swapped.</summary>
    public static readonly TimeSpan IdentityRefreshInterval = TimeSpan.FromHours(1);

    private readonly BatteryOptions _battery;
    private readonly BmsPaceOptions _options;
    private readonly IBmsTransport _transport;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ILogger _frames;
    private readonly LinkHealth _link;
    private readonly Dictionary<(CommandKind Command, FrameError Reason), long> _lastWarned = [];
    private readonly IBmsDialect? _configuredDialect;
    private readonly SortedDictionary<int, PackTracker> _packs = [];
    private readonly Dictionary<string, long> _requests = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Command, string Reason), long> _failures = [];
    private readonly HashSet<CommandKind> _unsupported = [];
    private readonly HashSet<CommandKind> _answeredIdentity = [];
    private long _reconnects;
    private int _consecutiveFailures;
    private long _lastExchangeEndTimestamp;
    private bool _identityPending = true;
    private string? _softwareVersion;
    private SerialNumbers? _serials;
    private int _packsReported;

    /// <summary>The version and serials of packs other than <see cref="IdentityOwnerPack"/> that answered for themselves.</summary>
    private readonly Dictionary<int, BatteryIdentity> _packIdentities = [];
    private bool _packIdentitiesPending = true;
    private long _identityAskedTimestamp;

    /// <summary>The dialect in use: the configured one, or the one detected since the last connect (null before).</summary>
    private IBmsDialect? _dialect;

    /// <summary>The analog answer that decided detection, used as that cycle's analog reading.</summary>
    private (byte Address, byte PackByte, IReadOnlyList<DialectReply> Frame)? _detectionAnswer;

    /// <summary>Why the last request returned nothing (null after a good frame).</summary>
    private FrameError? _lastFailure;

    /// <param name="logger">Link state, failures and decoding notes (category <c>BmsPace.Battery.NAME</c> in the host).</param>
    /// <param name="frames">Every frame sent and received (<see cref="LogCategories.Frames"/>); none when null.</param>
    public BatteryPoller(BatteryOptions battery, BmsPaceOptions options, IBmsTransport transport, TimeProvider time, ILogger logger, ILogger? frames = null)
    {
        _battery = battery;
        _options = options;
        _transport = transport;
        _time = time;
        _logger = logger;
        _frames = frames ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        _link = new LinkHealth(battery.Name, transport.Description, time, logger);
        _configuredDialect = BmsDialects.TryFind(battery.Protocol, out var dialect) ? dialect : null;
        _dialect = _configuredDialect;
    }

    private DecoderOptions DecoderOptionsFor(IBmsDialect dialect) => new()
    {
        // The configured offset is PACE's default unless changed; the 0x20 family's documents use their own.
        TemperatureOffsetDeciKelvin = _battery.TemperatureOffset == 2730 ? dialect.TemperatureOffsetDeciKelvin : _battery.TemperatureOffset,
        ForcePackOffsetCharacters = _options.ForcePackOffset,
    };

    public string Battery => _battery.Name;

    /// <summary>Runs one whole cycle and returns what it learnt. Never throws for device problems; only cancellation escapes.</summary>
    public async Task<PollCycleResult> PollOnceAsync(CancellationToken cancellationToken)
    {
        var startedAt = _time.GetUtcNow();
        long startTimestamp = _time.GetTimestamp();

        if (_identityAskedTimestamp != 0 && _time.GetElapsedTime(_identityAskedTimestamp) >= IdentityRefreshInterval)
        {
            // Answers already read stay until a new one replaces them; commands the firmware does not know stay unasked.
            _identityPending = true;
            _answeredIdentity.Clear();
            _packIdentitiesPending = true;
        }

        // protocol: auto starts out as PACE, so a PACE battery is read exactly as before: same requests, same order.
        var identityDialect = _dialect ?? BmsDialects.Pace;
        if (_identityPending)
        {
            await ReadIdentityAsync(identityDialect, cancellationToken);
        }

        if (_dialect is null)
        {
            await DetectDialectAsync(cancellationToken);
            if (_dialect is not null && _dialect != identityDialect)
            {
                // What the PACE identity reads got was not from this dialect's battery: read its own identity instead.
                ForgetIdentity();
                await ReadIdentityAsync(_dialect, cancellationToken);
            }
        }

        var analogPacks = new List<AnalogPack>();
        var alarmPacks = new List<AlarmPack>();
        bool analogAnswered;
        bool alarmAnswered;
        if (_battery.PollsAllPacks)
        {
            (analogAnswered, alarmAnswered) = await PollAllPacksAsync(analogPacks, alarmPacks, startedAt, cancellationToken);
        }
        else
        {
            (analogAnswered, alarmAnswered) = await PollPackListAsync(analogPacks, alarmPacks, startedAt, cancellationToken);
        }

        if (_packIdentitiesPending && _dialect is { } identityOf)
        {
            await ReadPackIdentitiesAsync(identityOf, cancellationToken);
        }

        _link.EndCycle();
        var duration = _time.GetElapsedTime(startTimestamp);
        var snapshot = new BatterySnapshot
        {
            Battery = _battery.Name,
            Timestamp = startedAt,
            Duration = duration,
            Up = analogPacks.Any(p => !p.Offline),
            PacksReported = _packsReported,
            PacksDecoded = analogPacks.Count(p => !p.Offline),
            Protocol = _dialect?.Name,
            ProtocolVersion = (_battery.ProtocolVersion ?? _dialect?.DefaultVersion ?? _battery.EffectiveProtocolVersion).ToString("X2", CultureInfo.InvariantCulture),
            Identity = new BatteryIdentity(_softwareVersion, _serials?.BmsSerial, _serials?.PackSerial),
            Packs = [.. _packs.Values.Select(p => p.ToState(_options.StaleAfterCycles) with { Identity = IdentityOf(p.Pack) })],
            Counters = new PollCounters
            {
                Requests = _requests.ToImmutableDictionary(StringComparer.Ordinal),
                Failures = _failures.ToImmutableDictionary(),
                Reconnects = _reconnects,
            },
        };
        return new PollCycleResult(snapshot, analogAnswered, alarmAnswered, analogPacks, alarmPacks);
    }

    private async Task<(bool Analog, bool Alarm)> PollAllPacksAsync(
        List<AnalogPack> analogPacks, List<AlarmPack> alarmPacks, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var (_, analog) = await ReadAnalogAsync(_battery.Address, RequestBuilder.AllPacks, cancellationToken);
        if (analog is null)
        {
            foreach (var tracker in _packs.Values)
            {
                tracker.MissAnalog();
            }
        }
        else
        {
            _packsReported = analog.PackCount;
            if (analog.LastTailDiffers)
            {
                // PROTOCOL.md 8.3: no single tail length fits every pack, so the last pack was allowed a different one.
                PollerLog.LastTailDiffers(_logger, _battery.Name);
            }

            // A pack missing from a good answer has left the stack: its series go, they are not kept as stale.
            foreach (int gone in _packs.Keys.Where(p => analog.Packs.All(a => a.Pack != p)).ToList())
            {
                _packs.Remove(gone);
            }

            RecordAnalog(analog.Packs, at, analogPacks);
        }

        var (_, alarm) = await ReadAlarmAsync(_battery.Address, RequestBuilder.AllPacks, cancellationToken);
        RecordAlarm(alarm?.Packs ?? [], alarmPacks);
        return (analog is not null, alarm is not null);
    }

    private async Task<(bool Analog, bool Alarm)> PollPackListAsync(
        List<AnalogPack> analogPacks, List<AlarmPack> alarmPacks, DateTimeOffset at, CancellationToken cancellationToken)
    {
        bool allAnalog = true;
        bool allAlarm = true;
        foreach (int pack in _battery.Packs)
        {
            // RS485 without a master: each pack answers only its own address, so ADR = COMMAND = pack.
            byte address = (byte)pack;
            var (analogFrame, analog) = await ReadAnalogAsync(address, address, cancellationToken);
            if (analog is not null && analogFrame is not null && !NamesAskedPack(analogFrame, pack, CommandKind.Analog))
            {
                analog = null;
            }

            if (analog is null)
            {
                allAnalog = false;
                Tracker(pack).MissAnalog();
            }
            else
            {
                RecordAnalog([.. analog.Packs.Select(p => p with { Pack = pack })], at, analogPacks);
            }

            var (alarmFrame, alarm) = await ReadAlarmAsync(address, address, cancellationToken);
            if (alarm is not null && alarmFrame is not null && !NamesAskedPack(alarmFrame, pack, CommandKind.Alarm))
            {
                alarm = null;
            }

            allAlarm &= alarm is not null;
            RecordAlarm(alarm is null ? [] : [.. alarm.Packs.Select(p => p with { Pack = pack })], alarmPacks, onlyPack: pack);
        }

        _packsReported = _battery.Packs.Count;
        return (allAnalog, allAlarm);
    }

    /// <summary>
    /// <c>protocol: auto</c>, at connect time: asks each dialect for the analog values of the first pack this battery
    /// polls and keeps the first that explains its answer; that answer is this cycle's analog reading.
    /// </summary>
    private async Task DetectDialectAsync(CancellationToken cancellationToken)
    {
        byte address = _battery.PollsAllPacks ? _battery.Address : (byte)_battery.Packs[0];
        byte packByte = _battery.PollsAllPacks ? RequestBuilder.AllPacks : address;
        // PACE is asked exactly as a PACE battery always was (with retries); the others once each.
        var detected = await DialectDetector.DetectAsync(
            async dialect =>
            {
                var frame = await RequestAsync(dialect, CommandKind.Analog, address, packByte, cancellationToken, singleAttempt: dialect != BmsDialects.Pace);
                return (frame, _lastFailure);
            },
            packByte,
            _battery.ProtocolVersion);
        if (detected is { } found)
        {
            _dialect = found.Dialect;
            _detectionAnswer = (address, packByte, found.Analog);
            PollerLog.DialectDetected(_logger, _battery.Name, found.Dialect.Name, found.Analog[0].DescribeHeader(), _transport.Description);
        }
        else
        {
            PollerLog.NoDialectAnswered(_logger, _battery.Name, string.Join(", ", BmsDialects.Names));
        }
    }

    private async Task<(IReadOnlyList<DialectReply>? Frame, AnalogReading? Reading)> ReadAnalogAsync(byte address, byte packByte, CancellationToken cancellationToken)
    {
        if (_dialect is not { } dialect)
        {
            return (null, null);
        }

        IReadOnlyList<DialectReply>? frame;
        if (_detectionAnswer is { } answer && answer.Address == address && answer.PackByte == packByte)
        {
            frame = answer.Frame;
            _detectionAnswer = null;
        }
        else
        {
            frame = await RequestAsync(dialect, CommandKind.Analog, address, packByte, cancellationToken);
        }

        var reading = frame is null ? null : Decode(CommandKind.Analog, () => dialect.DecodeAnalog(frame, packByte, DecoderOptionsFor(dialect)));
        if (reading is not null && _logger.IsEnabled(LogLevel.Debug))
        {
            foreach (var pack in reading.Packs)
            {
                foreach (var dropped in pack.Implausible)
                {
                    PollerLog.ImplausibleValue(_logger, _battery.Name, pack.Pack, dropped.Field, dropped.Detail, string.Join(" ", frame!.Select(r => Convert.ToHexString(r.Payload.AsSpan()))));
                }
            }
        }

        return (frame, reading);
    }

    private async Task<(IReadOnlyList<DialectReply>? Frame, AlarmReading? Reading)> ReadAlarmAsync(byte address, byte packByte, CancellationToken cancellationToken)
    {
        if (_dialect is not { } dialect)
        {
            return (null, null);
        }

        var frame = await RequestAsync(dialect, CommandKind.Alarm, address, packByte, cancellationToken);
        var reading = frame is null ? null : Decode(CommandKind.Alarm, () => dialect.DecodeAlarm(frame, packByte, DecoderOptionsFor(dialect)));
        // A binary wire format ties a reply to its request (function, start, byte count), so only an ASCII answer can be a
        // late reply to another request.
        return (frame, reading is null || dialect.Wire is not AsciiWire || CountsMatchAnalog(reading) ? reading : null);
    }

    /// <summary>
    /// An alarm answer names per pack as many cells and sensors as the analog answer. A late analog reply taken for the
    /// alarm answer (it arrives after its request timed out) walks as a plausible alarm block with the cell voltages read
    /// as warning codes; its sensor count is then a cell voltage's high byte, so the counts tell it apart.
    /// </summary>
    private bool CountsMatchAnalog(AlarmReading alarm)
    {
        foreach (var pack in alarm.Packs)
        {
            if (_packs.TryGetValue(pack.Pack, out var tracker) && tracker.Analog is { } analog
                && (pack.CellWarnings.Length != analog.CellVoltagesVolts.Length || pack.TemperatureWarnings.Length != analog.TemperaturesCelsius.Length))
            {
                CountFailure(CommandKind.Alarm, FrameError.Decode);
                LogFailure(CommandKind.Alarm, FrameError.Decode, string.Create(CultureInfo.InvariantCulture,
                    $"pack {pack.Pack}: the alarm answer names {pack.CellWarnings.Length} cells and {pack.TemperatureWarnings.Length} sensors, the analog answer {analog.CellVoltagesVolts.Length} and {analog.TemperaturesCelsius.Length} (a late reply to another request?)"));
                return false;
            }
        }

        return true;
    }

    /// <summary>In list mode the echo byte of 0x42/0x44 must name the pack that was asked (METRICS.md wrong_address).</summary>
    private bool NamesAskedPack(IReadOnlyList<DialectReply> replies, int pack, CommandKind kind)
    {
        if (replies[0] is not ResponseFrame)
        {
            // A binary reply carries no echo byte; its slave address was checked when it was validated (wrong_address).
            return true;
        }

        var info = replies[0].Payload;
        int echoed = info.Length > 1 ? info[1] : -1;
        if (echoed == pack)
        {
            return true;
        }

        CountFailure(kind, FrameError.WrongAddress);
        LogFailure(kind, FrameError.WrongAddress, $"asked pack {pack}, the answer names pack {echoed}");
        return false;
    }

    private void RecordAnalog(IEnumerable<AnalogPack> packs, DateTimeOffset at, List<AnalogPack> decoded)
    {
        foreach (var pack in packs)
        {
            decoded.Add(pack);
            var tracker = Tracker(pack.Pack);
            if (pack.Offline)
            {
                // An all-zero block is a slave that did not report: zeros are not measurements.
                tracker.MissAnalog();
            }
            else
            {
                tracker.RecordAnalog(pack, at);
            }
        }
    }

    private void RecordAlarm(IReadOnlyCollection<AlarmPack> packs, List<AlarmPack> decoded, int? onlyPack = null)
    {
        decoded.AddRange(packs);
        foreach (var tracker in _packs.Values.Where(t => onlyPack is null || t.Pack == onlyPack))
        {
            var alarm = packs.FirstOrDefault(p => p.Pack == tracker.Pack);
            if (alarm is null)
            {
                tracker.MissAlarm();
            }
            else
            {
                tracker.RecordAlarm(alarm);
            }
        }
    }

    private PackTracker Tracker(int pack)
    {
        if (!_packs.TryGetValue(pack, out var tracker))
        {
            tracker = new PackTracker(pack);
            _packs[pack] = tracker;
        }

        return tracker;
    }

    private async Task ReadIdentityAsync(IBmsDialect dialect, CancellationToken cancellationToken)
    {
        _identityAskedTimestamp = _time.GetTimestamp();
        bool pending = false;
        foreach (var kind in dialect.IdentityCommands)
        {
            if (_unsupported.Contains(kind) || _answeredIdentity.Contains(kind))
            {
                continue;
            }

            var frame = await RequestAsync(dialect, kind, _battery.Address, RequestBuilder.AllPacks, cancellationToken, singleAttempt: true);
            var identity = frame is null ? null : Decode(kind, () => dialect.DecodeIdentity(kind, frame));
            if (identity is null)
            {
                pending |= !_unsupported.Contains(kind);
                continue;
            }

            _answeredIdentity.Add(kind);
            _softwareVersion = identity.SoftwareVersion ?? _softwareVersion;
            if (identity.BmsSerial is not null || identity.PackSerial is not null)
            {
                _serials = new SerialNumbers(identity.BmsSerial ?? _serials?.BmsSerial ?? "", identity.PackSerial ?? _serials?.PackSerial ?? "");
            }
        }

        _identityPending = pending;
    }

    private T? Decode<T>(CommandKind kind, Func<T> decode)
        where T : class
    {
        try
        {
            return decode();
        }
        catch (PaceProtocolException error)
        {
            CountFailure(kind, error.Error);
            LogFailure(kind, error.Error, error.Detail);
            return null;
        }
    }

    /// <summary>
    /// Sends one read in <paramref name="dialect"/> (with retries) and returns the validated frame, or null after counting
    /// the failure. A refusal is retried like a damaged frame unless it says the command is unknown (RTN 04). Identity reads and detection probes get no retries: firmware without an identity command answers
    /// RTN 04 or nothing, a pack of another dialect stays silent, and that must not slow every cycle.
    /// </summary>
    private async Task<IReadOnlyList<DialectReply>?> RequestAsync(IBmsDialect dialect, CommandKind kind, byte address, byte packByte, CancellationToken cancellationToken, bool singleAttempt = false)
    {
        var requests = dialect.BuildRequests(kind, address, packByte, _battery.ProtocolVersion);
        var replies = new DialectReply[requests.Count];
        for (int i = 0; i < requests.Count; i++)
        {
            if (await ExchangeAsync(dialect, kind, requests[i], singleAttempt, cancellationToken) is not { } reply)
            {
                return null;
            }

            replies[i] = reply;
        }

        return replies;
    }

    /// <summary>One exchange of a command (with retries): the validated reply, or null after counting the failure.</summary>
    private async Task<DialectReply?> ExchangeAsync(IBmsDialect dialect, CommandKind kind, byte[] request, bool singleAttempt, CancellationToken cancellationToken)
    {
        bool identity = dialect.IdentityCommands.Contains(kind);
        int attempts = singleAttempt ? 1 : 1 + _options.Retries;
        for (int attempt = 1; attempt <= attempts; attempt++)
        {
            await WaitForGapAsync(cancellationToken);
            FrameError reason;
            string detail;
            bool finalRefusal = false;
            try
            {
                LogFrame("->", kind, dialect, request);
                byte[] response = await _transport.ExchangeAsync(request, dialect.Wire, _options.RequestTimeout, cancellationToken);
                Count(_requests, kind.ToLabel());
                _link.Answered();
                LogFrame("<-", kind, dialect, response);

                // Without a VER override a frame with another dialect's header cannot be ours (with one, the dialect's
                // decoder refuses a frame that another dialect's layout explains).
                if (_configuredDialect is not null && _battery.ProtocolVersion is null && DialectDetector.LookAlike(response, dialect) is { } other)
                {
                    throw new PaceProtocolException(
                        FrameError.Decode,
                        $"the answer carries the VER and CID1 of {other.Name}, not of the configured {dialect.Name}: set protocol: {other.Name} (or auto)");
                }

                var frame = dialect.Validate(response, request, _battery.ProtocolVersion);
                _consecutiveFailures = 0;
                _lastFailure = null;
                return frame;
            }
            catch (TransportException error)
            {
                // Only a request that went out on the line is a request; one the link could not even send is not.
                if (error.RequestSent)
                {
                    Count(_requests, kind.ToLabel());
                }

                reason = error.Reason;
                detail = error.Message;
                _link.Unanswered(reason, detail);
            }
            catch (PaceProtocolException error)
            {
                reason = error.Error;
                detail = error.Detail;
                finalRefusal = error.Error == FrameError.Rtn && !(error.ReturnCode is { } code && ReturnCodes.IsTransient(code));
                if (error.Error == FrameError.Rtn && identity)
                {
                    // The BMS answered and said it does not know the command: ask again only after a reconnect.
                    _unsupported.Add(kind);
                }
            }
            finally
            {
                _lastExchangeEndTimestamp = _time.GetTimestamp();
            }

            _lastFailure = reason;
            CountFailure(kind, reason);
            LogFailure(kind, reason, detail);
            if (reason != FrameError.Rtn)
            {
                _consecutiveFailures++;
            }

            if (_consecutiveFailures >= _options.ReconnectAfterFailures)
            {
                await ReconnectAsync(cancellationToken);
            }

            if (finalRefusal)
            {
                break;
            }
        }

        return null;
    }

    private void ForgetIdentity()
    {
        _identityPending = true;
        _unsupported.Clear();
        _answeredIdentity.Clear();
        _softwareVersion = null;
        _serials = null;
        _packIdentities.Clear();
        _packIdentitiesPending = true;
    }

    /// <summary>
    /// The pack whose identity the battery's address gives: in a stack asked with COMMAND FF the master, whose block comes
    /// first; in list mode the listed pack at that address (none when the address is not listed).
    /// </summary>
    private int IdentityOwnerPack => _battery.PollsAllPacks ? 1 : _battery.Address;

    private BatteryIdentity IdentityOf(int pack) =>
        pack == IdentityOwnerPack ? new BatteryIdentity(_softwareVersion, _serials?.BmsSerial, _serials?.PackSerial)
        : _packIdentities.GetValueOrDefault(pack, BatteryIdentity.Unknown);

    /// <summary>
    /// Asks every other pack with data for its own version and serials at its own address (0xC1/0xC2 describe only the
    /// pack addressed, PROTOCOL.md 8.4): on an RS485 bus each pack answers for itself. A pack is given the answer only
    /// when it carries that pack's address and a serial no other pack has; a master on RS232 answers every address with
    /// its own ADR (or, on some firmware, the asked one but its own serial), and then the other packs stay unknown
    /// rather than carry the master's. The first pack that does not answer for itself ends the round: the next comes
    /// with the hourly refresh, so a link that cannot answer per pack costs one request an hour.
    /// </summary>
    private async Task ReadPackIdentitiesAsync(IBmsDialect dialect, CancellationToken cancellationToken)
    {
        _packIdentitiesPending = false;
        var owner = IdentityOf(IdentityOwnerPack);
        foreach (var tracker in _packs.Values.Where(t => t.Pack != IdentityOwnerPack && t.Analog is { Offline: false }).ToList())
        {
            var (identity, notItsOwn) = await AskPackIdentityAsync(dialect, tracker.Pack, cancellationToken);
            if (identity is null && !notItsOwn)
            {
                // No answer this time: what the pack said earlier stays until the next round.
                return;
            }

            string? serial = identity is null ? null : SerialKey(identity);
            bool distinct = serial is not null && serial != SerialKey(owner)
                && _packIdentities.Where(p => p.Key != tracker.Pack).All(p => SerialKey(p.Value) != serial);
            if (!distinct)
            {
                _packIdentities.Remove(tracker.Pack);
                PollerLog.PackIdentityNotOwn(_logger, _battery.Name, tracker.Pack, notItsOwn ? "the answer carries another address" : "no serial of its own");
                return;
            }

            _packIdentities[tracker.Pack] = identity!;
        }
    }

    private async Task<(BatteryIdentity? Identity, bool NotItsOwn)> AskPackIdentityAsync(IBmsDialect dialect, int pack, CancellationToken cancellationToken)
    {
        string? version = null;
        string? bmsSerial = null;
        string? packSerial = null;
        foreach (var kind in dialect.IdentityCommands.Where(k => !_unsupported.Contains(k)))
        {
            var frame = await RequestAsync(dialect, kind, (byte)pack, RequestBuilder.AllPacks, cancellationToken, singleAttempt: true);
            if (frame is null)
            {
                return (null, false);
            }

            if (frame.Any(reply => reply.Address != pack))
            {
                return (null, true);
            }

            if (Decode(kind, () => dialect.DecodeIdentity(kind, frame)) is not { } reading)
            {
                return (null, false);
            }

            version ??= reading.SoftwareVersion;
            bmsSerial ??= reading.BmsSerial;
            packSerial ??= reading.PackSerial;
        }

        return (new BatteryIdentity(version, bmsSerial, packSerial), false);
    }

    /// <summary>Both serials as one key, or null when the pack reports none (then nothing tells it from the master).</summary>
    private static string? SerialKey(BatteryIdentity identity) =>
        string.IsNullOrEmpty(identity.BmsSerial) && string.IsNullOrEmpty(identity.PackSerial) ? null : $"{identity.BmsSerial}/{identity.PackSerial}";

    private async Task ReconnectAsync(CancellationToken cancellationToken)
    {
        _consecutiveFailures = 0;
        _reconnects++;
        _identityPending = true;
        _packIdentitiesPending = true;
        _unsupported.Clear();

        // A reconnect may find another battery behind the link: detect again.
        _dialect = _configuredDialect;
        _detectionAnswer = null;
        PollerLog.Reopening(_logger, _battery.Name, _options.ReconnectAfterFailures, _transport.Description);
        try
        {
            await _transport.ResetAsync(cancellationToken);
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            PollerLog.CloseFailed(_logger, error, _battery.Name, _transport.Description);
        }
    }

    private async Task WaitForGapAsync(CancellationToken cancellationToken)
    {
        if (_lastExchangeEndTimestamp == 0 || _options.RequestGap <= TimeSpan.Zero)
        {
            return;
        }

        var remaining = _options.RequestGap - _time.GetElapsedTime(_lastExchangeEndTimestamp);
        if (remaining > TimeSpan.Zero)
        {
            await Task.Delay(remaining, _time, cancellationToken);
        }
    }

    private void CountFailure(CommandKind kind, FrameError reason) => Count(_failures, (kind.ToLabel(), reason.ToReason()));

    private static void Count<TKey>(Dictionary<TKey, long> counts, TKey key)
        where TKey : notnull =>
        counts[key] = counts.GetValueOrDefault(key) + 1;

    /// <summary>
    /// A request that got no answer is the link's business (<see cref="LinkHealth"/> reports it once per change). A
    /// refusal that says the configuration is wrong (RTN, VER, CID1) or an answer that cannot be decoded is a warning
    /// at most once per <see cref="LinkHealth.ReminderInterval"/> for each command and reason; everything else, such
    /// as a checksum on a noisy line, is Debug and on the counters.
    /// </summary>
    private void LogFailure(CommandKind kind, FrameError reason, string detail)
    {
        bool worthAWarning = reason is FrameError.Rtn or FrameError.Version or FrameError.Cid1 or FrameError.Decode;
        if (worthAWarning && DueForWarning(kind, reason))
        {
            PollerLog.RequestRefused(_logger, _battery.Name, kind.ToLabel(), reason.ToReason(), detail);
            return;
        }

        PollerLog.RequestFailed(_logger, _battery.Name, kind.ToLabel(), reason.ToReason(), detail);
    }

    private bool DueForWarning(CommandKind kind, FrameError reason)
    {
        long now = _time.GetTimestamp();
        if (_lastWarned.TryGetValue((kind, reason), out long last) && _time.GetElapsedTime(last, now) < LinkHealth.ReminderInterval)
        {
            return false;
        }

        _lastWarned[(kind, reason)] = now;
        return true;
    }

    /// <summary>A frame as ASCII with CR shown at Debug, and with its bytes in hex at Trace.</summary>
    private void LogFrame(string direction, CommandKind kind, IBmsDialect dialect, byte[] frame)
    {
        if (!_frames.IsEnabled(LogLevel.Debug))
        {
            return;
        }

        string ascii = dialect.Wire.Describe(frame).Replace("\r", "\\r", StringComparison.Ordinal);
        if (!_frames.IsEnabled(LogLevel.Trace))
        {
            PollerLog.Frame(_frames, _battery.Name, direction, kind.ToLabel(), ascii);
            return;
        }

        var hex = new StringBuilder(frame.Length * 3);
        foreach (byte b in frame)
        {
            hex.Append(b.ToString("X2", CultureInfo.InvariantCulture)).Append(' ');
        }

        PollerLog.FrameWithHex(_frames, _battery.Name, direction, kind.ToLabel(), ascii, hex.ToString().TrimEnd());
    }
}
