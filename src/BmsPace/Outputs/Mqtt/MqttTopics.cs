using System.Globalization;
using System.Text;
using BmsPace.Configuration;

namespace BmsPace.Outputs.Mqtt;

/// <summary>
/// Every topic and Home Assistant id of docs/MQTT.md, built in one place. Pack numbers are always two digits: topics
/// and unique_ids never change with the label settings (<c>zero_pad_number_packs</c>).
/// </summary>
public sealed class MqttTopics
{
    private readonly string _base;
    private readonly string _prefix;

    public MqttTopics(MqttOptions options)
    {
        NodeId = options.NodeId;
        _base = options.BaseTopic + "/" + options.NodeId;
        _prefix = options.Discovery.Prefix;
    }

    public string NodeId { get; }

    /// <summary><c>&lt;B&gt;/status</c>: <c>online</c>, or the retained will <c>offline</c>.</summary>
    public string Status => _base + "/status";

    /// <summary>Where Home Assistant announces itself (<c>online</c> after it starts).</summary>
    public string HomeAssistantStatus => _prefix + "/status";

    /// <summary>Every device-based discovery topic, to find retained ones of packs no longer configured.</summary>
    public string DiscoveryFilter => _prefix + "/device/+/config";

    public string BatteryState(string battery) => $"{_base}/{battery}/state";

    public string PackState(string battery, int pack) => $"{_base}/{battery}/{PackSegment(pack)}/state";

    public string PackAvailability(string battery, int pack) => $"{_base}/{battery}/{PackSegment(pack)}/availability";

    /// <summary><c>&lt;node_id&gt;_&lt;bat&gt;</c>: the link device's identifier.</summary>
    public string LinkId(string battery) => NodeId + "_" + IdPart(battery);

    /// <summary><c>&lt;node_id&gt;_&lt;bat&gt;_pack&lt;NN&gt;</c>: the pack device's identifier and the prefix of its unique_ids.</summary>
    public string PackId(string battery, int pack) => LinkId(battery) + "_" + PackSegment(pack);

    public string LinkDiscovery(string battery) => $"{_prefix}/device/{LinkId(battery)}/config";

    public string PackDiscovery(string battery, int pack) => $"{_prefix}/device/{PackId(battery, pack)}/config";

    /// <summary>The object id of a device discovery topic (<c>&lt;prefix&gt;/device/ID/config</c>), or null for any other topic.</summary>
    public string? DiscoveryObjectId(string topic)
    {
        string start = _prefix + "/device/";
        const string end = "/config";
        if (!topic.StartsWith(start, StringComparison.Ordinal) || !topic.EndsWith(end, StringComparison.Ordinal) || topic.Length <= start.Length + end.Length)
        {
            return null;
        }

        string id = topic[start.Length..^end.Length];
        return id.Contains('/', StringComparison.Ordinal) ? null : id;
    }

    /// <summary>
    /// Battery names may hold '.', which Home Assistant does not take in a discovery object id; every character outside
    /// <c>[A-Za-z0-9_-]</c> becomes '_' in ids (topics keep the name as it is).
    /// </summary>
    public static string IdPart(string battery)
    {
        var id = new StringBuilder(battery.Length);
        foreach (char c in battery)
        {
            id.Append(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' ? c : '_');
        }

        return id.ToString();
    }

    public static string PackSegment(int pack) => "pack" + pack.ToString("00", CultureInfo.InvariantCulture);
}
