using System.Text.Json;
using BmsPace.Outputs.Documents;
using BmsPace.Polling;

namespace BmsPace.Outputs.Mqtt;

/// <summary>The state payloads of docs/MQTT.md, written with <see cref="Utf8JsonWriter"/> (no reflection).</summary>
internal static class MqttStatePayloads
{
    /// <summary>
    /// The pack's <c>once --json</c> object plus <c>timestamp</c> (the cycle start) and three values Home Assistant shows
    /// that the CLI object has no key for: <c>power_watts</c>, <c>charged_watt_hours</c>, <c>discharged_watt_hours</c>.
    /// Only blocks read this cycle go in: an alarm block kept from an earlier cycle is left out (its keys are absent),
    /// so nothing is stamped with a time it was not read at.
    /// </summary>
    /// <returns>Null when the pack gave no good analog block this cycle: then no state is published.</returns>
    public static byte[]? Pack(BatterySnapshot snapshot, PackState pack)
    {
        if (!IsPublishable(pack))
        {
            return null;
        }

        var analog = pack.Analog!;
        var alarm = pack.AlarmReadThisCycle ? pack.Alarm : null;
        return JsonOutput.Utf8(json =>
        {
            json.WriteStartObject();
            json.WriteString("timestamp", snapshot.Timestamp.ToUniversalTime());
            ReadingJson.WriteMergedPackFields(json, analog, alarm);
            json.WriteNumber("power_watts", analog.PowerWatts);
            json.WriteNumber("charged_watt_hours", pack.ChargedWattHours);
            json.WriteNumber("discharged_watt_hours", pack.DischargedWattHours);
            json.WriteEndObject();
        });
    }

    /// <summary>A pack whose values may be shown: fresh, read this cycle, and not an all-zero block (an absent slave).</summary>
    public static bool IsPublishable(PackState pack) =>
        pack is { Fresh: true, AnalogReadThisCycle: true, Analog: { Offline: false } };

    /// <summary>A pack that counts as present for availability: fresh with real values (read this cycle or kept).</summary>
    public static bool IsAvailable(PackState pack) => pack is { Fresh: true, Analog: { Offline: false } };

    /// <summary>
    /// <c>{"timestamp", "up", "packs_reported", "packs_decoded", "protocol"}</c> plus what the link device shows:
    /// <c>poll_duration_seconds</c>, <c>request_failures</c> (cumulative since start) and <c>stack</c> (a bank master's
    /// totals read this cycle, as in <c>once --json</c>; null otherwise).
    /// </summary>
    public static byte[] Battery(BatterySnapshot snapshot, string protocol)
    {
        return JsonOutput.Utf8(json =>
        {
            json.WriteStartObject();
            json.WriteString("timestamp", snapshot.Timestamp.ToUniversalTime());
            json.WriteBoolean("up", snapshot.Up);
            json.WriteNumber("packs_reported", snapshot.PacksReported);
            json.WriteNumber("packs_decoded", snapshot.PacksDecoded);
            json.WriteString("protocol", protocol);
            json.WriteNumber("poll_duration_seconds", Math.Round(snapshot.Duration.TotalSeconds, 3));
            json.WriteNumber("request_failures", snapshot.Counters.Failures.Values.Sum());
            // A summary kept from an earlier cycle is not stamped with this one's time.
            ReadingJson.WriteStack(json, snapshot.Stack is { ReadThisCycle: true } stack ? stack.Values : null);
            json.WriteEndObject();
        }, sizeHint: 256);
    }
}
