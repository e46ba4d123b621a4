using System.Buffers;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using BmsPace.Configuration;

namespace BmsPace.Outputs.Mqtt;

/// <summary>
/// Which retained discovery messages the broker hands over on subscribing are bmspace's own for a battery or pack that
/// left the configuration: those are cleared; a pack that only stopped answering keeps its discovery.
/// </summary>
internal sealed partial class RetainedDiscoveryCleanup(BmsPaceOptions options, MqttTopics topics)
{
    private readonly Dictionary<string, BatteryOptions> _configuredBatteries = options.Batteries.ToDictionary(b => MqttTopics.IdPart(b.Name), StringComparer.Ordinal);

    /// <summary>Whether a retained message on <paramref name="topic"/> is discovery of ours that must go.</summary>
    public bool MustClear(string topic, ReadOnlySequence<byte> payload) =>
        payload.Length > 0 && topics.DiscoveryObjectId(topic) is { } objectId && IsNoLongerConfigured(objectId) && IsOurs(payload);

    /// <summary>
    /// True for the discovery id of a battery that is not configured any more, or of a pack outside its battery's
    /// pack list. A battery polled with <c>packs: all</c> may report any pack, so none of its packs counts as removed.
    /// </summary>
    public bool IsNoLongerConfigured(string objectId)
    {
        string start = topics.NodeId + "_";
        if (!objectId.StartsWith(start, StringComparison.Ordinal))
        {
            return false;
        }

        string rest = objectId[start.Length..];
        var packMatch = PackIdPattern().Match(rest);
        string battery = packMatch.Success ? packMatch.Groups["battery"].Value : rest;
        if (!_configuredBatteries.TryGetValue(battery, out var options))
        {
            return true;
        }

        return packMatch.Success && !options.PollsAllPacks && !options.Packs.Contains(int.Parse(packMatch.Groups["pack"].Value, CultureInfo.InvariantCulture));
    }

    /// <summary>Only discovery that bmspace published (origin name) is ever cleared.</summary>
    private static bool IsOurs(ReadOnlySequence<byte> payload)
    {
        try
        {
            using var document = JsonDocument.Parse(payload);
            var root = document.RootElement;
            return root.ValueKind == JsonValueKind.Object
                && (root.TryGetProperty("origin", out var origin) || root.TryGetProperty("o", out origin))
                && origin.ValueKind == JsonValueKind.Object
                && origin.TryGetProperty("name", out var name)
                && name.ValueKind == JsonValueKind.String
                && name.GetString() == "bmspace";
        }
        catch (JsonException)
        {
            return false;
        }
    }

    [GeneratedRegex(@"^(?<battery>.+)_pack(?<pack>[0-9]{2})$")]
    private static partial Regex PackIdPattern();
}
