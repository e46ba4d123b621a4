using System.Collections.Immutable;
using BmsPace.Protocol.Readings;

namespace BmsPace.Polling;

/// <summary>
/// Everything the outputs need after one poll cycle of one battery. Snapshots flow one way, poller to sinks; a sink
/// never talks to the BMS. Counters are cumulative since start, so a sink can set rather than add.
/// </summary>
public sealed record BatterySnapshot
{
    /// <summary>The configured battery name (the <c>battery</c> label).</summary>
    public required string Battery { get; init; }

    /// <summary>When the cycle started (the point timestamp).</summary>
    public required DateTimeOffset Timestamp { get; init; }

    /// <summary>Wall time of the whole cycle.</summary>
    public required TimeSpan Duration { get; init; }

    /// <summary>True when this cycle decoded analog data for at least one pack.</summary>
    public required bool Up { get; init; }

    /// <summary>
    /// False when no request of this cycle got any frame back (the link is down: silence, a closed connection); a
    /// frame that failed its checksum or decoding still counts as an answer.
    /// </summary>
    public bool LinkAnswered { get; init; } = true;

    /// <summary>Pack count the master declared in its last analog answer (0 before any).</summary>
    public required int PacksReported { get; init; }

    /// <summary>Packs decoded in this cycle.</summary>
    public required int PacksDecoded { get; init; }

    /// <summary>Protocol version as two hex digits, "25".</summary>
    public required string ProtocolVersion { get; init; }

    /// <summary>The name of the dialect in use (one of the dialect registry's); null while <c>auto</c> has not found one.</summary>
    public string? Protocol { get; init; }

    /// <summary>What the BMS at the battery's address says about itself (the master in a stack); each pack's own is <see cref="PackState.Identity"/>.</summary>
    public required BatteryIdentity Identity { get; init; }

    /// <summary>Every pack known: fresh ones with data, stale ones without (only <see cref="PackState.Fresh"/> false and the last success). A pack that vanished from a good answer is absent.</summary>
    public required ImmutableArray<PackState> Packs { get; init; }

    public required PollCounters Counters { get; init; }

    /// <summary>
    /// The stack's own totals as its bank master reports them (an EG4 LL v2 master, Seplos V3's bank blocks); null where
    /// the battery has no such master, or once it has missed <c>stale_after_cycles</c> cycles.
    /// </summary>
    public StackState? Stack { get; init; }
}

/// <summary>The stack's summary as the outputs see it.</summary>
public sealed record StackState
{
    public required StackReading Values { get; init; }

    /// <summary>When the master last answered its summary.</summary>
    public required DateTimeOffset LastSuccess { get; init; }

    /// <summary>False when this cycle got no summary and <see cref="Values"/> is the previous one: outputs that record history must not stamp it with this cycle's time.</summary>
    public bool ReadThisCycle { get; init; } = true;
}

/// <summary>Identity strings; null where the BMS does not answer the command.</summary>
public sealed record BatteryIdentity(string? SoftwareVersion, string? BmsSerial, string? PackSerial)
{
    public static BatteryIdentity Unknown { get; } = new(null, null, null);
}

/// <summary>One pack as the outputs see it.</summary>
public sealed record PackState
{
    /// <summary>1-based pack number.</summary>
    public required int Pack { get; init; }

    /// <summary>False once the pack has missed <c>stale_after_cycles</c> cycles: its values must not be shown.</summary>
    public required bool Fresh { get; init; }

    /// <summary>Last good analog frame for this pack.</summary>
    public required DateTimeOffset? LastSuccess { get; init; }

    /// <summary>Latest analog block; null when stale.</summary>
    public required AnalogPack? Analog { get; init; }

    /// <summary>Latest alarm block; null when stale or when the alarm read failed.</summary>
    public required AlarmPack? Alarm { get; init; }

    /// <summary>
    /// This pack's own version and serials: the master's for the pack at the battery's address, another pack's only
    /// when it answered for itself (PROTOCOL.md 12.2); <see cref="BatteryIdentity.Unknown"/> otherwise, never the master's.
    /// </summary>
    public BatteryIdentity Identity { get; init; } = BatteryIdentity.Unknown;

    /// <summary>
    /// False when the pack gave no good analog block this cycle and <see cref="Analog"/> is the previous one, kept
    /// until the pack is stale. Outputs that record history must not stamp it with this cycle's time.
    /// </summary>
    public bool AnalogReadThisCycle { get; init; } = true;

    /// <summary>
    /// False when this cycle's alarm read failed and <see cref="Alarm"/> is the previous block, kept (like the analog
    /// values) until the pack is stale. Outputs that record history must not stamp it with this cycle's time.
    /// </summary>
    public bool AlarmReadThisCycle { get; init; } = true;

    /// <summary>Energy into the pack, integrated from voltage x current between consecutive good reads.</summary>
    public required double ChargedWattHours { get; init; }

    public required double DischargedWattHours { get; init; }
}

/// <summary>Cumulative counts since start.</summary>
public sealed record PollCounters
{
    /// <summary>Requests sent, by command label.</summary>
    public required ImmutableDictionary<string, long> Requests { get; init; }

    /// <summary>Failed requests, by (command label, reason label).</summary>
    public required ImmutableDictionary<(string Command, string Reason), long> Failures { get; init; }

    public required long Reconnects { get; init; }

    public static PollCounters Empty { get; } = new()
    {
        Requests = ImmutableDictionary<string, long>.Empty,
        Failures = ImmutableDictionary<(string, string), long>.Empty,
        Reconnects = 0,
    };
}
