using System.Globalization;
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
/// Polls one battery link, one cycle at a time: identity when due (<see cref="LinkIdentity"/>), the dialect when not
/// yet known (<see cref="DialectDetector"/>), then 0x42 and 0x44 for all packs (COMMAND FF to the master) or pack by
/// pack (RS485 list mode), over the <see cref="RequestLink"/> (gaps, retries, reconnects, failure counting). Every
/// failure is counted by command and reason and never escapes a cycle.
/// </summary>
/// <remarks>Not thread-safe: one caller drives <see cref="PollOnceAsync"/> (the poller service or <c>bmspace once</c>).</remarks>
public sealed class BatteryPoller
{
    private readonly BatteryOptions _battery;
    private readonly BmsPaceOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly RequestLink _link;
    private readonly LinkIdentity _identity;
    private readonly DialectDetector _dialect;
    private readonly SortedDictionary<int, PackTracker> _packs = [];
    private readonly StackTracker _stack = new();

    /// <summary>Addresses whose answer was a bank master's summary, not a pack: never counted or tracked as packs.</summary>
    private readonly HashSet<int> _masterAddresses = [];

    private StackReading? _cycleStack;
    private int _packsReported;

    /// <summary>The pack addresses found for <c>packs: all</c> where each pack answers only for itself (null: not yet found).</summary>
    private List<int>? _packsFound;

    /// <param name="logger">Link state, failures and decoding notes (category <c>BmsPace.Battery.NAME</c> in the host).</param>
    /// <param name="frames">Every frame sent and received (<see cref="LogCategories.Frames"/>); none when null.</param>
    public BatteryPoller(BatteryOptions battery, BmsPaceOptions options, IBmsTransport transport, TimeProvider time, ILogger logger, ILogger? frames = null)
    {
        _battery = battery;
        _options = options;
        _time = time;
        _logger = logger;
        _link = new RequestLink(battery, options, transport, time, logger, frames ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        _dialect = new DialectDetector(battery, _link, logger);
        _identity = new LinkIdentity(battery, _link, time, logger, () => _dialect.Current);
    }

    public string Battery => _battery.Name;

    /// <summary>Runs one whole cycle and returns what it learnt. Never throws for device problems; only cancellation escapes.</summary>
    public async Task<PollCycleResult> PollOnceAsync(CancellationToken cancellationToken)
    {
        var startedAt = _time.GetUtcNow();
        long startTimestamp = _time.GetTimestamp();

        _identity.RefreshWhenDue();
        var identityDialect = _dialect.IdentityDialectBeforeDetection;
        bool identityRead = false;
        if (_identity.Pending && identityDialect is not null)
        {
            await _identity.ReadAsync(identityDialect, cancellationToken);
            identityRead = true;
        }

        if (_dialect.Current is null)
        {
            bool replaced = await _dialect.DetectAsync(cancellationToken);
            if (replaced)
            {
                // Nothing read from the old battery may be exported as the new one's: not a stale value, not a pack.
                _packs.Clear();
                _stack.Clear();
                _masterAddresses.Clear();
            }

            if (_dialect.Current is { } detected && (detected != identityDialect || (replaced && !identityRead)))
            {
                // What was read before detection (if anything) was not from this battery: read its own identity instead.
                _identity.Forget();
                await _identity.ReadAsync(detected, cancellationToken);
            }
        }

        var analogPacks = new List<AnalogPack>();
        var alarmPacks = new List<AlarmPack>();
        _cycleStack = null;
        var (analogAnswered, alarmAnswered) = !_battery.PollsAllPacks
            ? await PollPackListAsync(_battery.Packs, analogPacks, alarmPacks, startedAt, cancellationToken)
            : _dialect.Current is { Addressing.MasterAnswersForEveryPack: false }
                ? await PollPacksFromAddressAsync(analogPacks, alarmPacks, startedAt, cancellationToken)
                : await PollAllPacksAsync(analogPacks, alarmPacks, startedAt, cancellationToken);

        await ReadStackAsync(analogPacks, startedAt, cancellationToken);
        if (_dialect.Current is { } identityOf)
        {
            await _identity.ReadPacksWhenDueAsync(identityOf, _packs.Values.Where(t => t.Analog is { Offline: false }).Select(t => t.Pack), cancellationToken);
        }

        _link.EndCycle();
        var snapshot = new BatterySnapshot
        {
            Battery = _battery.Name,
            Timestamp = startedAt,
            Duration = _time.GetElapsedTime(startTimestamp),
            Up = analogPacks.Any(p => !p.Offline),
            LinkAnswered = _link.IsUp,
            PacksReported = _packsReported,
            PacksDecoded = analogPacks.Count(p => !p.Offline),
            Protocol = _dialect.Current?.Name,
            ProtocolVersion = (_battery.ProtocolVersion ?? _dialect.Current?.DefaultVersion ?? _battery.EffectiveProtocolVersion).ToString("X2", CultureInfo.InvariantCulture),
            Identity = _identity.Battery,
            Packs = [.. _packs.Values.Select(p => p.ToState(_options.StaleAfterCycles) with { Identity = _identity.Of(p.Pack) })],
            Counters = _link.Counters.Snapshot(),
            Stack = _stack.ToState(_options.StaleAfterCycles),
        };
        return new PollCycleResult(snapshot, analogAnswered, alarmAnswered, analogPacks, alarmPacks);
    }

    /// <summary>
    /// The stack's summary of this cycle: what a bank master answered to the packs' own read, or, where the dialect has
    /// bank blocks at the battery's address, their read; completed with the packs read in the same cycle.
    /// </summary>
    private async Task ReadStackAsync(IReadOnlyList<AnalogPack> analogPacks, DateTimeOffset at, CancellationToken cancellationToken)
    {
        if (_dialect.Current is not { } dialect)
        {
            return;
        }

        var stack = _cycleStack;
        if (dialect.ReadsStackAt(_battery.Address))
        {
            var frame = await _link.RequestAsync(dialect, CommandKind.Stack, _battery.Address, _battery.Address, cancellationToken);
            stack = frame is null ? null : _link.Counters.Decode(CommandKind.Stack, () => dialect.DecodeStack(frame));
        }

        _stack.EndCycle(stack is null ? null : dialect.CompleteStack(stack, analogPacks), at);
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

    /// <summary>
    /// <c>packs: all</c> in a dialect where every pack answers only for itself (the 0x20 family): the packs at consecutive
    /// addresses from <c>address</c> up. They are found on the first cycle, by asking up to the first address that
    /// stays silent (that one request is counted as a timeout), and found again after a cycle in which none answered.
    /// </summary>
    private async Task<(bool Analog, bool Alarm)> PollPacksFromAddressAsync(
        List<AnalogPack> analogPacks, List<AlarmPack> alarmPacks, DateTimeOffset at, CancellationToken cancellationToken)
    {
        if (_packsFound is null)
        {
            var found = new List<int>();
            // Up to the end of the dialect's range: the DIP range, or a self-assigned address alone (EG4's 64).
            for (int address = _battery.Address; _dialect.Current!.Addressing.Reaches(address); address++)
            {
                var (_, analog) = await ReadAnalogAsync((byte)address, (byte)address, cancellationToken);
                if (analog is null)
                {
                    break;
                }

                found.Add(address);
                if (address == 0)
                {
                    // A stand-alone pack shares its bus with no other.
                    break;
                }
            }

            if (found.Count == 0)
            {
                foreach (var tracker in _packs.Values)
                {
                    tracker.MissAnalog();
                }

                return (false, false);
            }

            _packsFound = found;
        }

        var answered = await PollPackListAsync(_packsFound, analogPacks, alarmPacks, at, cancellationToken);
        if (!analogPacks.Any(p => !p.Offline))
        {
            _packsFound = null;
        }

        return answered;
    }

    private async Task<(bool Analog, bool Alarm)> PollPackListAsync(
        IReadOnlyList<int> addresses, List<AnalogPack> analogPacks, List<AlarmPack> alarmPacks, DateTimeOffset at, CancellationToken cancellationToken)
    {
        bool allAnalog = true;
        bool allAlarm = true;
        foreach (int packAddress in addresses)
        {
            // RS485 without a master: each pack answers only its own address, so ADR = COMMAND = pack.
            byte address = (byte)packAddress;
            int pack = PackAddressing.PackNumberAt(packAddress);
            var (analogFrame, analog) = await ReadAnalogAsync(address, address, cancellationToken);
            if (analog is not null && analogFrame is not null && !NamesAskedPack(analogFrame, address, CommandKind.Analog))
            {
                analog = null;
            }

            if (analog is { Packs.IsEmpty: true, Stack: not null })
            {
                // A bank master answered its summary (taken by ReadAnalogAsync): the stack's values, no pack to track.
                _masterAddresses.Add(packAddress);
                continue;
            }

            if (analog is null && _masterAddresses.Contains(packAddress))
            {
                allAnalog = false;
                continue;
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
            if (alarm is not null && alarmFrame is not null && !NamesAskedPack(alarmFrame, address, CommandKind.Alarm))
            {
                alarm = null;
            }

            allAlarm &= alarm is not null;
            RecordAlarm(alarm is null ? [] : [.. alarm.Packs.Select(p => p with { Pack = pack })], alarmPacks, onlyPack: pack);
        }

        _packsReported = addresses.Count(a => !_masterAddresses.Contains(a));
        return (allAnalog, allAlarm);
    }

    private DecoderOptions DecoderOptionsFor(IBmsDialect dialect) => new()
    {
        TemperatureOffsetDeciKelvin = dialect.TemperatureOffsetFor(_battery.TemperatureOffset),
        ForcePackOffsetCharacters = _options.ForcePackOffset,
    };

    private async Task<(IReadOnlyList<DialectReply>? Frame, AnalogReading? Reading)> ReadAnalogAsync(byte address, byte packByte, CancellationToken cancellationToken)
    {
        if (_dialect.Current is not { } dialect)
        {
            return (null, null);
        }

        var frame = _dialect.TakeDecidingAnswer(address, packByte)
            ?? await _link.RequestAsync(dialect, CommandKind.Analog, address, packByte, cancellationToken);
        var reading = frame is null ? null : _link.Counters.Decode(CommandKind.Analog, () => dialect.DecodeAnalog(frame, packByte, DecoderOptionsFor(dialect)));
        if (frame is not null && reading is null)
        {
            _dialect.Doubt(frame, packByte);
        }

        if (reading?.Stack is { } stack)
        {
            _cycleStack = stack;
        }

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
        if (_dialect.Current is not { } dialect)
        {
            return (null, null);
        }

        var frame = await _link.RequestAsync(dialect, CommandKind.Alarm, address, packByte, cancellationToken);
        var reading = frame is null ? null : _link.Counters.Decode(CommandKind.Alarm, () => dialect.DecodeAlarm(frame, packByte, DecoderOptionsFor(dialect)));
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
                _link.Counters.Failed(CommandKind.Alarm, FrameError.Decode, string.Create(CultureInfo.InvariantCulture,
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

        // A stand-alone pack (address 0) shares its bus with no other, so no other pack can have answered; it numbers
        // itself as it likes (a Seplos at address 0 says group 01).
        if (echoed == pack || pack == 0)
        {
            return true;
        }

        _link.Counters.WrongPack(kind, pack, echoed);
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
}
