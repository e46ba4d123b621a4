using System.Text.Json;
using System.Text.RegularExpressions;

namespace BmsPace.Tests.Mqtt;

/// <summary>
/// What Home Assistant accepts from MQTT discovery, copied as facts from its documentation and sensor constants
/// (homeassistant/components/sensor/const.py: DEVICE_CLASS_UNITS and DEVICE_CLASS_STATE_CLASSES; the binary sensor
/// device classes of the binary_sensor integration page). Home Assistant itself cannot run here: this table stands in
/// for it, for the device classes BmsPace uses and a few neighbours.
/// </summary>
internal static partial class HomeAssistantRules
{
    /// <summary>Sensor device class to (allowed units, allowed state classes).</summary>
    public static readonly Dictionary<string, (string[] Units, string[] StateClasses)> SensorDeviceClasses = new(StringComparer.Ordinal)
    {
        ["battery"] = (["%"], ["measurement"]),
        ["voltage"] = (["V", "mV", "µV", "kV", "MV"], ["measurement"]),
        ["current"] = (["A", "mA"], ["measurement"]),
        ["power"] = (["mW", "W", "kW", "MW", "GW", "TW"], ["measurement"]),
        ["energy"] = (["J", "kJ", "MJ", "GJ", "mWh", "Wh", "kWh", "MWh", "GWh", "TWh", "cal", "kcal", "Mcal", "Gcal"], ["total", "total_increasing"]),
        ["energy_storage"] = (["J", "kJ", "MJ", "GJ", "mWh", "Wh", "kWh", "MWh", "GWh", "TWh", "cal", "kcal", "Mcal", "Gcal"], ["measurement"]),
        ["temperature"] = (["°C", "°F", "K"], ["measurement"]),
        ["duration"] = (["d", "h", "min", "s", "ms"], ["measurement", "total", "total_increasing"]),
        ["humidity"] = (["%"], ["measurement"]),
    };

    public static readonly string[] StateClasses = ["measurement", "total", "total_increasing"];

    public static readonly string[] BinarySensorDeviceClasses =
    [
        "battery", "battery_charging", "carbon_monoxide", "cold", "connectivity", "door", "garage_door", "gas", "heat", "light", "lock",
        "moisture", "motion", "moving", "occupancy", "opening", "plug", "power", "presence", "problem", "running", "safety", "smoke", "sound",
        "tamper", "update", "vibration", "window",
    ];

    public static readonly string[] EntityCategories = ["config", "diagnostic"];

    /// <summary>Home Assistant's discovery topic: <c>&lt;prefix&gt;/&lt;component&gt;/[&lt;node_id&gt;/]&lt;object_id&gt;/config</c>, ids of [a-zA-Z0-9_-].</summary>
    public static bool IsValidDiscoveryTopic(string topic) => DiscoveryTopicPattern().IsMatch(topic);

    /// <summary>Every problem Home Assistant would have with one device-based discovery payload (empty when it accepts it).</summary>
    public static List<string> Problems(JsonElement payload)
    {
        var problems = new List<string>();
        if (!payload.TryGetProperty("device", out var device) || !device.TryGetProperty("identifiers", out var identifiers) || identifiers.GetArrayLength() == 0)
        {
            problems.Add("device.identifiers missing");
        }

        if (!payload.TryGetProperty("origin", out var origin) || !origin.TryGetProperty("name", out _))
        {
            problems.Add("origin.name missing (required for device-based discovery)");
        }

        if (!payload.TryGetProperty("components", out var components) || components.ValueKind != JsonValueKind.Object)
        {
            problems.Add("components missing");
            return problems;
        }

        foreach (var component in components.EnumerateObject())
        {
            var c = component.Value;
            string id = component.Name;
            string platform = c.TryGetProperty("platform", out var p) ? p.GetString()! : "";
            string? deviceClass = c.TryGetProperty("device_class", out var dc) ? dc.GetString() : null;
            string? stateClass = c.TryGetProperty("state_class", out var sc) ? sc.GetString() : null;
            string? unit = c.TryGetProperty("unit_of_measurement", out var u) ? u.GetString() : null;
            if (!c.TryGetProperty("unique_id", out var uniqueId) || string.IsNullOrEmpty(uniqueId.GetString()))
            {
                problems.Add($"{id}: no unique_id");
            }

            if (c.TryGetProperty("entity_category", out var category) && !EntityCategories.Contains(category.GetString()))
            {
                problems.Add($"{id}: entity_category {category} is not config or diagnostic");
            }

            if (c.TryGetProperty("expire_after", out var expire) && (expire.ValueKind != JsonValueKind.Number || expire.GetInt32() <= 0))
            {
                problems.Add($"{id}: expire_after must be a positive integer");
            }

            switch (platform)
            {
                case "sensor":
                    if (stateClass is not null && !StateClasses.Contains(stateClass))
                    {
                        problems.Add($"{id}: unknown state_class {stateClass}");
                    }

                    if (deviceClass is not null)
                    {
                        if (!SensorDeviceClasses.TryGetValue(deviceClass, out var rule))
                        {
                            problems.Add($"{id}: device_class {deviceClass} is not in the table");
                        }
                        else
                        {
                            if (!rule.Units.Contains(unit))
                            {
                                problems.Add($"{id}: unit {unit ?? "(none)"} is not valid for device_class {deviceClass}; allowed: {string.Join(", ", rule.Units)}");
                            }

                            if (stateClass is not null && !rule.StateClasses.Contains(stateClass))
                            {
                                problems.Add($"{id}: state_class {stateClass} is not valid for device_class {deviceClass}; allowed: {string.Join(", ", rule.StateClasses)}");
                            }
                        }
                    }

                    break;
                case "binary_sensor":
                    if (deviceClass is not null && !BinarySensorDeviceClasses.Contains(deviceClass))
                    {
                        problems.Add($"{id}: binary_sensor device_class {deviceClass} does not exist");
                    }

                    if (stateClass is not null || unit is not null)
                    {
                        problems.Add($"{id}: a binary_sensor has no state_class or unit");
                    }

                    break;
                default:
                    problems.Add($"{id}: platform '{platform}' is not used by BmsPace");
                    break;
            }
        }

        return problems;
    }

    [GeneratedRegex(@"^[A-Za-z0-9_./-]+/(device|sensor|binary_sensor)/([a-zA-Z0-9_-]+/)?[a-zA-Z0-9_-]+/config$")]
    private static partial Regex DiscoveryTopicPattern();
}
