using BmsPace.Configuration;
using BmsPace.Protocol.Commands;
using BmsPace.Protocol.Decoding;
using BmsPace.Protocol.Dialects;
using BmsPace.Protocol.Framing;
using BmsPace.Protocol.Readings;
using Microsoft.Extensions.Logging;

namespace BmsPace.Polling;

/// <summary>
/// The version and serials of a link's battery (0xC1/0xC2 or the dialect's own identity reads, optional) and of each
/// pack that answers for itself. Asked after a connect and again every <see cref="RefreshInterval"/>; commands the
/// firmware refuses as unknown are not asked again until the link is reopened.
/// </summary>
internal sealed class LinkIdentity
{
    /// <summary>How often version and serials are asked again while the link holds: they change only when a pack is swapped.</summary>
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromHours(1);

    private readonly BatteryOptions _battery;
    private readonly RequestLink _link;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Func<IBmsDialect?> _dialect;
    private readonly HashSet<CommandKind> _unsupported = [];
    private readonly HashSet<CommandKind> _answered = [];

    /// <summary>The version and serials of packs other than <see cref="OwnerPack"/> that answered for themselves.</summary>
    private readonly Dictionary<int, BatteryIdentity> _packIdentities = [];
    private bool _packIdentitiesPending = true;
    private long _askedTimestamp;
    private string? _softwareVersion;
    private SerialNumbers? _serials;

    /// <param name="dialect">The dialect the battery speaks, once known: it says whether <c>packs: all</c> asks a master for the stack.</param>
    public LinkIdentity(BatteryOptions battery, RequestLink link, TimeProvider time, ILogger logger, Func<IBmsDialect?> dialect)
    {
        _battery = battery;
        _dialect = dialect;
        _link = link;
        _time = time;
        _logger = logger;
        link.Reconnected += () =>
        {
            Pending = true;
            _packIdentitiesPending = true;
            _unsupported.Clear();
        };
    }

    /// <summary>Whether the battery's own identity is still to be asked (never answered, or due for its refresh).</summary>
    public bool Pending { get; private set; } = true;

    /// <summary>The battery's identity: the pack at its address.</summary>
    public BatteryIdentity Battery => new(_softwareVersion, _serials?.BmsSerial, _serials?.PackSerial);

    /// <summary>
    /// The pack whose identity the battery's address gives: in a stack asked with COMMAND FF the master, whose block comes
    /// first; where each pack answers for itself, the pack at that address (<c>packs: all</c> reads the packs from
    /// there up: EG4's auto-ID pack at 64 is pack 64); in list mode the listed pack at that address (none when the
    /// address is not listed).
    /// </summary>
    private int OwnerPack => !_battery.PollsAllPacks ? _battery.Address
        : _dialect() is { Addressing.MasterAnswersForEveryPack: false } ? PackAddressing.PackNumberAt(_battery.Address)
        : 1;

    public BatteryIdentity Of(int pack) =>
        pack == OwnerPack ? Battery : _packIdentities.GetValueOrDefault(pack, BatteryIdentity.Unknown);

    /// <summary>Marks everything as due again once <see cref="RefreshInterval"/> has passed since the last ask.</summary>
    public void RefreshWhenDue()
    {
        if (_askedTimestamp != 0 && _time.GetElapsedTime(_askedTimestamp) >= RefreshInterval)
        {
            // Answers already read stay until a new one replaces them; commands the firmware does not know stay unasked.
            Pending = true;
            _answered.Clear();
            _packIdentitiesPending = true;
        }
    }

    /// <summary>What was read came from another dialect's battery than the one detected: forget it all.</summary>
    public void Forget()
    {
        Pending = true;
        _unsupported.Clear();
        _answered.Clear();
        _softwareVersion = null;
        _serials = null;
        _packIdentities.Clear();
        _packIdentitiesPending = true;
    }

    public async Task ReadAsync(IBmsDialect dialect, CancellationToken cancellationToken)
    {
        _askedTimestamp = _time.GetTimestamp();
        bool pending = false;
        foreach (var kind in dialect.IdentityCommands)
        {
            if (_unsupported.Contains(kind) || _answered.Contains(kind))
            {
                continue;
            }

            var frame = await AskAsync(dialect, kind, _battery.Address, cancellationToken);
            var identity = frame is null ? null : _link.Counters.Decode(kind, () => dialect.DecodeIdentity(kind, frame));
            if (identity is null)
            {
                pending |= !_unsupported.Contains(kind);
                continue;
            }

            _answered.Add(kind);
            _softwareVersion = identity.SoftwareVersion ?? _softwareVersion;
            if (identity.BmsSerial is not null || identity.PackSerial is not null)
            {
                _serials = new SerialNumbers(identity.BmsSerial ?? _serials?.BmsSerial ?? "", identity.PackSerial ?? _serials?.PackSerial ?? "");
            }
        }

        Pending = pending;
    }

    /// <summary>
    /// Asks every other pack with data for its own version and serials at its own address (0xC1/0xC2 describe only the
    /// pack addressed, PROTOCOL.md 8.4): on an RS485 bus each pack answers for itself. A pack is given the answer only
    /// when it carries that pack's address and a serial no other pack has; a master on RS232 answers every address with
    /// its own ADR (or, on some firmware, the asked one but its own serial), and then the other packs stay unknown
    /// rather than carry the master's. The first pack that does not answer for itself ends the round: the next comes
    /// with the hourly refresh, so a link that cannot answer per pack costs one request an hour.
    /// </summary>
    public async Task ReadPacksWhenDueAsync(IBmsDialect dialect, IEnumerable<int> packsWithData, CancellationToken cancellationToken)
    {
        if (!_packIdentitiesPending)
        {
            return;
        }

        _packIdentitiesPending = false;
        var owner = Of(OwnerPack);
        foreach (int pack in packsWithData.Where(p => p != OwnerPack).ToList())
        {
            var (identity, notItsOwn) = await AskPackAsync(dialect, pack, cancellationToken);
            if (identity is null && !notItsOwn)
            {
                // No answer this time: what the pack said earlier stays until the next round.
                return;
            }

            string? serial = identity is null ? null : SerialKey(identity);
            bool distinct = serial is not null && serial != SerialKey(owner)
                && _packIdentities.Where(p => p.Key != pack).All(p => SerialKey(p.Value) != serial);
            if (!distinct)
            {
                _packIdentities.Remove(pack);
                PollerLog.PackIdentityNotOwn(_logger, _battery.Name, pack, notItsOwn ? "the answer carries another address" : "no serial of its own");
                return;
            }

            _packIdentities[pack] = identity!;
        }
    }

    private async Task<(BatteryIdentity? Identity, bool NotItsOwn)> AskPackAsync(IBmsDialect dialect, int pack, CancellationToken cancellationToken)
    {
        string? version = null;
        string? bmsSerial = null;
        string? packSerial = null;
        foreach (var kind in dialect.IdentityCommands.Where(k => !_unsupported.Contains(k)))
        {
            var frame = await AskAsync(dialect, kind, (byte)pack, cancellationToken);
            if (frame is null)
            {
                return (null, false);
            }

            if (frame.Any(reply => reply.Address != pack))
            {
                return (null, true);
            }

            if (_link.Counters.Decode(kind, () => dialect.DecodeIdentity(kind, frame)) is not { } reading)
            {
                return (null, false);
            }

            version ??= reading.SoftwareVersion;
            bmsSerial ??= reading.BmsSerial;
            packSerial ??= reading.PackSerial;
        }

        return (new BatteryIdentity(version, bmsSerial, packSerial), false);
    }

    /// <summary>One identity read, no retries; a refusal (RTN) means the firmware does not know the command: ask again only after a reconnect.</summary>
    private async Task<IReadOnlyList<DialectReply>?> AskAsync(IBmsDialect dialect, CommandKind kind, byte address, CancellationToken cancellationToken)
    {
        var frame = await _link.RequestAsync(dialect, kind, address, RequestBuilder.AllPacks, cancellationToken, singleAttempt: true);
        if (frame is null && _link.LastFailure == FrameError.Rtn)
        {
            _unsupported.Add(kind);
        }

        return frame;
    }

    /// <summary>Both serials as one key, or null when the pack reports none (then nothing tells it from the master).</summary>
    private static string? SerialKey(BatteryIdentity identity) =>
        string.IsNullOrEmpty(identity.BmsSerial) && string.IsNullOrEmpty(identity.PackSerial) ? null : $"{identity.BmsSerial}/{identity.PackSerial}";
}
