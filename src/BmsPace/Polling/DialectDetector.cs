using System.Text;
using BmsPace.Configuration;
using BmsPace.Protocol.Commands;
using BmsPace.Protocol.Dialects;
using BmsPace.Protocol.Framing;
using Microsoft.Extensions.Logging;

namespace BmsPace.Polling;

/// <summary>
/// The dialect a link's battery speaks: the configured one, or under <c>protocol: auto</c> the one detected by asking
/// for the analog values in each dialect and keeping the first whose answer is a valid frame that dialect's layout
/// explains. The deciding frame is handed to the cycle as its analog answer, so a PACE battery pays no extra request.
/// </summary>
/// <remarks>
/// <para>Order: the dialect last detected on this link first (it is remembered across silences and reconnects, until
/// detection finds another), then <see cref="BmsDialects.All"/> (PACE first).</para>
/// <para>Cost on a dead link: the first round asks every dialect in one cycle (so <c>bmspace once</c> finds any
/// battery). When a whole round got no frame back, the link is silent: from then on each cycle asks one dialect, the
/// next in turn, until a frame comes back. A dead link then costs one request timeout per cycle, and a battery
/// switched on later is detected within as many cycles as there are dialects.</para>
/// </remarks>
internal sealed class DialectDetector
{
    private readonly BatteryOptions _battery;
    private readonly RequestLink _link;
    private readonly ILogger _logger;
    private readonly IBmsDialect? _configured;

    /// <summary>The dialect to ask first: the one detected last on this link (kept across reconnects), or the one a doubted answer looked like.</summary>
    private IBmsDialect? _remembered;

    /// <summary>The dialect of the last detection, to tell a replaced battery.</summary>
    private IBmsDialect? _lastFound;

    /// <summary>A whole round got no frame back: one dialect per cycle, from <see cref="_nextTurn"/>, until a frame comes.</summary>
    private bool _silent;
    private int _nextTurn;

    /// <summary>The analog answer that decided detection, used as that cycle's analog reading.</summary>
    private (byte Address, byte PackByte, IReadOnlyList<DialectReply> Replies)? _deciding;

    public DialectDetector(BatteryOptions battery, RequestLink link, ILogger logger)
    {
        _battery = battery;
        _link = link;
        _logger = logger;
        _configured = BmsDialects.TryFind(battery.Protocol, out var dialect) ? dialect : null;
        Current = _configured;
        link.Reconnected += () =>
        {
            // A reconnect may find another battery behind the link: detect again, asking the last dialect first.
            _remembered = Current ?? _remembered;
            Current = _configured;
            _deciding = null;
        };
    }

    /// <summary>The dialect in use: the configured one, or the one detected since the last connect (null before).</summary>
    public IBmsDialect? Current { get; private set; }

    /// <summary>
    /// The dialect to read the battery's identity in before detection: the remembered one, else the registry's first
    /// (<see cref="BmsDialects.Default"/>, PACE, so a PACE battery is read exactly as one configured as pace: same
    /// requests, same order); none while the link is silent, where every request would be another timeout.
    /// </summary>
    public IBmsDialect? IdentityDialectBeforeDetection => Current ?? (_silent ? null : _remembered ?? BmsDialects.Default);

    /// <summary>
    /// Under <c>protocol: auto</c>, the detected dialect could not decode an analog answer that another dialect's layout
    /// explains (Seplos and Pylontech share VER and CID1, so one answers the other's request): another battery is behind
    /// the link. The dialect is dropped, and the next cycle detects again, asking the one that explains the answer first.
    /// </summary>
    public void Doubt(IReadOnlyList<DialectReply> refused, byte packByte)
    {
        if (_configured is null && Current is { } current
            && BmsDialects.All.FirstOrDefault(d => d != current && d.Explains(refused, CommandKind.Analog, packByte, _battery.ProtocolVersion)) is { } other)
        {
            PollerLog.DialectDoubted(_logger, _battery.Name, current.Name, other.Name);
            _remembered = other;
            Current = null;
            _deciding = null;
        }
    }

    /// <summary>The deciding analog answer when it was asked at <paramref name="address"/> with <paramref name="packByte"/> (once).</summary>
    public IReadOnlyList<DialectReply>? TakeDecidingAnswer(byte address, byte packByte)
    {
        if (_deciding is { } answer && answer.Address == address && answer.PackByte == packByte)
        {
            _deciding = null;
            return answer.Replies;
        }

        return null;
    }

    /// <summary>Asks for the analog values of the first pack this battery polls, in one dialect or each, as the remarks say.</summary>
    /// <returns>Whether it found another dialect than the one detected before: then another battery is behind the link.</returns>
    public async Task<bool> DetectAsync(CancellationToken cancellationToken)
    {
        if (Current is not null)
        {
            return false;
        }

        byte address = _battery.PollsAllPacks ? _battery.Address : (byte)_battery.Packs[0];
        var order = Order();
        int first = _silent ? _nextTurn % order.Count : 0;
        bool anyFrame = false;
        for (int turn = first; turn < first + order.Count; turn++)
        {
            var dialect = order[turn % order.Count];
            byte packByte = _battery.PollsAllPacks && dialect.Addressing.MasterAnswersForEveryPack ? RequestBuilder.AllPacks : address;

            // The registry's first (PACE) is asked exactly as a battery configured with it always was (with retries); the
            // others, and all on a silent link, once.
            var frame = await _link.RequestAsync(dialect, CommandKind.Analog, address, packByte, cancellationToken, singleAttempt: _silent || dialect != BmsDialects.Default);
            if (frame is not null && dialect.Explains(frame, CommandKind.Analog, packByte, _battery.ProtocolVersion))
            {
                return Found(dialect, address, packByte, frame);
            }

            if (_link.LastFailure is { } reason && IsDamage(reason))
            {
                // Frames in this dialect's header arrive, only damaged: the line is noisy, not another dialect's.
                // Asking in the others would add requests and prove nothing; this dialect is asked again next cycle.
                _nextTurn = turn;
                PollerLog.NoDialectAnswered(_logger, _battery.Name, string.Join(", ", order.Select(d => d.Name)));
                return false;
            }

            anyFrame |= !_link.LastRequestUnanswered;
            if (_silent && !anyFrame)
            {
                _nextTurn = turn + 1;
                PollerLog.SilentLinkNextDialect(_logger, _battery.Name, dialect.Name, order[(turn + 1) % order.Count].Name);
                return false;
            }

            // A frame came back: something is there, so the other dialects are worth their requests now.
            _silent = false;
        }

        _silent = !anyFrame;
        _nextTurn = 0;
        PollerLog.NoDialectAnswered(_logger, _battery.Name, string.Join(", ", order.Select(d => d.Name)));
        return false;
    }

    private bool Found(IBmsDialect dialect, byte address, byte packByte, IReadOnlyList<DialectReply> frame)
    {
        bool replaced = _lastFound is { } before && before != dialect;
        Current = dialect;
        _remembered = dialect;
        _lastFound = dialect;
        _silent = false;
        _nextTurn = 0;
        _deciding = (address, packByte, frame);
        PollerLog.DialectDetected(_logger, _battery.Name, dialect.Name, frame[0].DescribeHeader(), _link.Description);
        return replaced;
    }

    private List<IBmsDialect> Order() => _remembered is { } last ? [last, .. BmsDialects.All.Where(d => d != last)] : [.. BmsDialects.All];

    /// <summary>Failures that show a frame arrived in the asked dialect's envelope but damaged on the way.</summary>
    private static bool IsDamage(FrameError reason) =>
        reason is FrameError.Truncated or FrameError.Hex or FrameError.LengthChecksum or FrameError.Length or FrameError.Checksum or FrameError.WrongAddress;

    /// <summary>
    /// The dialect whose VER and CID1 a reply carries when they are not <paramref name="configured"/>'s own: such a frame
    /// is refused with the <c>decode</c> reason, naming the look-alike, and never decoded with the configured layout. A
    /// reply in the configured dialect's own header is that dialect's to judge, by its layout, even when another
    /// dialect shares the header.
    /// </summary>
    public static IBmsDialect? LookAlike(byte[] response, IBmsDialect configured)
    {
        try
        {
            var envelope = FrameDecoder.ParseRequest(Encoding.Latin1.GetString(response));
            if (envelope.Version == configured.DefaultVersion && envelope.Cid1 == configured.Cid1)
            {
                return null;
            }

            return BmsDialects.All.FirstOrDefault(d => d != configured && d.DefaultVersion == envelope.Version && d.Cid1 == envelope.Cid1);
        }
        catch (PaceProtocolException)
        {
            return null;
        }
    }
}
