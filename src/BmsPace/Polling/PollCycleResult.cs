using BmsPace.Protocol.Readings;

namespace BmsPace.Polling;

/// <summary>One finished cycle: the snapshot the sinks get, plus what <c>bmspace once</c> needs to decide its exit code.</summary>
public sealed record PollCycleResult(
    BatterySnapshot Snapshot,
    bool AnalogAnswered,
    bool AlarmAnswered,
    IReadOnlyList<AnalogPack> AnalogPacks,
    IReadOnlyList<AlarmPack> AlarmPacks);
