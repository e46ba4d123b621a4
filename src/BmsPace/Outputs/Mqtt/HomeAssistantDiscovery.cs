using System.Globalization;
using System.Text.Json;
using BmsPace.Outputs.Documents;
using BmsPace.Protocol.Readings;

namespace BmsPace.Outputs.Mqtt;

/// <summary>What a pack's discovery depends on: when any of it changes, the discovery is published again.</summary>
/// <param name="Protocol">The dialect name, which gives the manufacturer and the flag entities.</param>
/// <param name="SoftwareVersion">The master's version string, e.g. <c>P16S100A-1B470-3.01</c>; null when unknown.</param>
/// <param name="Serial">The pack's own serial; null when it has none or the BMS does not tell.</param>
public sealed record PackIdentity(int CellCount, int TemperatureCount, string Protocol, string? SoftwareVersion, string? Serial);

/// <summary>
/// Home Assistant device-based discovery payloads (docs/MQTT.md): one device per pack, one per link. Every component's
/// <c>unique_id</c> is <c>&lt;device id&gt;_&lt;key&gt;</c> with a frozen snake_case key; device classes, units and
/// state classes are ones Home Assistant's sensor rules accept. Values are picked from the state payload by
/// <c>value_template</c>; a key the payload lacks (the alarm block was not read this cycle) renders empty, which Home
/// Assistant ignores, so the previous state stays.
/// </summary>
public sealed class HomeAssistantDiscovery
{
    /// <summary>The cell count up to which balancing bits exist (two balance bytes).</summary>
    private const int BalanceBits = 16;

    private readonly MqttTopics _topics;
    private readonly string _exporterVersion;
    private readonly int _expireAfterSeconds;

    /// <param name="expireAfterSeconds">Home Assistant shows a value as unavailable when no state came for this long (at least 3 poll intervals).</param>
    public HomeAssistantDiscovery(MqttTopics topics, string exporterVersion, int expireAfterSeconds)
    {
        _topics = topics;
        _exporterVersion = exporterVersion;
        _expireAfterSeconds = expireAfterSeconds;
    }

    public int ExpireAfterSeconds => _expireAfterSeconds;

    /// <summary>The <c>expire_after</c> for a poll interval: the longer of 3 intervals and <c>stale_after_cycles</c> + 1 intervals, in whole seconds.</summary>
    /// <param name="cycle">The poll interval, or the time a cycle can take when that is longer (back-to-back polling).</param>
    public static int ExpireAfterFor(TimeSpan cycle, int staleAfterCycles) =>
        (int)Math.Ceiling(Math.Max(cycle.TotalSeconds, 1) * Math.Max(3, staleAfterCycles + 1));

    public byte[] Pack(string battery, int pack, PackIdentity identity)
    {
        var (model, softwareVersion) = SplitVersion(identity.SoftwareVersion);
        var device = new Device(
            _topics.PackId(battery, pack),
            $"{battery} pack {pack.ToString("00", CultureInfo.InvariantCulture)}",
            PackMaker.ManufacturerOf(identity.Protocol),
            model,
            softwareVersion,
            string.IsNullOrWhiteSpace(identity.Serial) ? null : identity.Serial,
            ViaDevice: _topics.LinkId(battery));
        return Payload(device, [_topics.Status, _topics.PackAvailability(battery, pack)], _topics.PackState(battery, pack),
            components => WritePackComponents(components, identity), sizeHint: 32 * 1024);
    }

    /// <param name="stack">The battery has a bank master reporting the stack's totals: its sensors go on the link device.</param>
    public byte[] Link(string battery, string protocol, bool stack)
    {
        var device = new Device(_topics.LinkId(battery), $"{battery} BMS link", PackMaker.ManufacturerOf(protocol),
            $"BMS link ({protocol})", _exporterVersion, Serial: null, ViaDevice: null);
        return Payload(device, [_topics.Status], _topics.BatteryState(battery), components =>
        {
            components.Binary("up", "Link up", "connectivity", "{{ 'ON' if value_json.up else 'OFF' }}");
            components.Sensor("packs_reported", "Packs reported", null, "measurement", null, Number("value_json.packs_reported"), diagnostic: true);
            components.Sensor("packs_decoded", "Packs decoded", null, "measurement", null, Number("value_json.packs_decoded"), diagnostic: true);
            components.Sensor("poll_duration", "Poll duration", "duration", "measurement", "s", Number("value_json.poll_duration_seconds"), diagnostic: true);
            components.Sensor("request_failures", "Request failures", null, "total_increasing", null, Number("value_json.request_failures"), diagnostic: true);
            if (stack)
            {
                components.Sensor("stack_state_of_charge", "Stack state of charge", "battery", "measurement", "%", Percent("value_json.stack.state_of_charge_ratio"));
                components.Sensor("stack_voltage", "Stack voltage", "voltage", "measurement", "V", Number("value_json.stack.voltage_volts"));
                components.Sensor("stack_current", "Stack current", "current", "measurement", "A", Number("value_json.stack.current_amperes"));
                components.Sensor("stack_power", "Stack power", "power", "measurement", "W", Number("value_json.stack.power_watts"));
                components.Sensor("stack_remaining_capacity", "Stack remaining capacity", null, "measurement", "Ah", Number("value_json.stack.remaining_amp_hours"));
                components.Sensor("stack_full_capacity", "Stack full capacity", null, "measurement", "Ah", Number("value_json.stack.full_amp_hours"));
            }
        });
    }

    /// <summary>
    /// One device's discovery payload: the device, the origin, its availability topics (with more than one, the
    /// device is available only while all are online), its state topic and its components.
    /// </summary>
    private byte[] Payload(Device device, string[] availability, string stateTopic, Action<ComponentWriter> writeComponents, int sizeHint = 4096) =>
        JsonOutput.Utf8(json =>
        {
            json.WriteStartObject();
            WriteDevice(json, device);
            WriteOrigin(json);
            json.WriteStartArray("availability");
            foreach (string topic in availability)
            {
                json.WriteStartObject();
                json.WriteString("topic", topic);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            if (availability.Length > 1)
            {
                json.WriteString("availability_mode", "all");
            }

            json.WriteString("state_topic", stateTopic);
            json.WriteNumber("qos", 0);
            json.WriteStartObject("components");
            writeComponents(new ComponentWriter(json, device.Id, _expireAfterSeconds));
            json.WriteEndObject();
            json.WriteEndObject();
        }, sizeHint);

    private static void WriteDevice(Utf8JsonWriter json, Device device)
    {
        json.WriteStartObject("device");
        json.WriteStartArray("identifiers");
        json.WriteStringValue(device.Id);
        json.WriteEndArray();
        json.WriteString("name", device.Name);
        json.WriteString("manufacturer", device.Manufacturer);
        JsonParts.WriteText(json, "model", device.Model, omitMissing: true);
        JsonParts.WriteText(json, "sw_version", device.SoftwareVersion, omitMissing: true);
        JsonParts.WriteText(json, "serial_number", device.Serial, omitMissing: true);
        JsonParts.WriteText(json, "via_device", device.ViaDevice, omitMissing: true);
        json.WriteEndObject();
    }

    /// <summary>
    /// <c>P16S100A-1B470-3.01</c> gives model <c>P16S100A-1B470</c> and version <c>3.01</c>; a string without a
    /// trailing version number is both.
    /// </summary>
    internal static (string? Model, string? Version) SplitVersion(string? versionString)
    {
        if (string.IsNullOrWhiteSpace(versionString))
        {
            return (null, null);
        }

        string text = versionString.Trim();
        int dash = text.LastIndexOf('-');
        if (dash > 0 && dash < text.Length - 1 && char.IsAsciiDigit(text[dash + 1]) && text[(dash + 1)..].All(c => char.IsAsciiDigit(c) || c == '.'))
        {
            return (text[..dash], text[(dash + 1)..]);
        }

        return (text, text);
    }

    private static void WritePackComponents(ComponentWriter components, PackIdentity identity)
    {
        components.Sensor("state_of_charge", "State of charge", "battery", "measurement", "%", Percent("value_json.state_of_charge_ratio"));
        components.Sensor("state_of_health", "State of health", null, "measurement", "%", Percent("value_json.state_of_health_ratio"));
        components.Sensor("voltage", "Voltage", "voltage", "measurement", "V", Number("value_json.voltage_volts"));
        components.Sensor("current", "Current", "current", "measurement", "A", Number("value_json.current_amperes"));
        components.Sensor("power", "Power", "power", "measurement", "W", Number("value_json.power_watts"));
        components.Sensor("remaining_capacity", "Remaining capacity", null, "measurement", "Ah", Number("value_json.remaining_amp_hours"));
        components.Sensor("full_capacity", "Full capacity", null, "measurement", "Ah", Number("value_json.full_amp_hours"));
        components.Sensor("design_capacity", "Design capacity", null, "measurement", "Ah", Number("value_json.design_amp_hours"));
        components.Sensor("cycle_count", "Cycles", null, "total_increasing", null, Number("value_json.cycle_count"), diagnostic: true);
        components.Sensor("energy_charged", "Energy charged", "energy", "total_increasing", "kWh", Scaled("value_json.charged_watt_hours", "/ 1000", 4));
        components.Sensor("energy_discharged", "Energy discharged", "energy", "total_increasing", "kWh", Scaled("value_json.discharged_watt_hours", "/ 1000", 4));
        if (identity.CellCount > 0)
        {
            components.Sensor("cell_min_voltage", "Cell voltage min", "voltage", "measurement", "V", Number("value_json.cell_voltage_min_volts"));
            components.Sensor("cell_max_voltage", "Cell voltage max", "voltage", "measurement", "V", Number("value_json.cell_voltage_max_volts"));
            components.Sensor("cell_delta_voltage", "Cell voltage delta", "voltage", "measurement", "V", Number("value_json.cell_voltage_delta_volts"));
        }

        for (int cell = 1; cell <= identity.CellCount; cell++)
        {
            string nn = cell.ToString("00", CultureInfo.InvariantCulture);
            components.Sensor($"cell_{nn}_voltage", $"Cell {nn} voltage", "voltage", "measurement", "V", Number($"value_json.cell_voltages_volts[{cell - 1}]"));
        }

        for (int sensor = 1; sensor <= identity.TemperatureCount; sensor++)
        {
            string nn = sensor.ToString("00", CultureInfo.InvariantCulture);
            components.Sensor($"temperature_{nn}", $"Temperature {nn}", "temperature", "measurement", "°C", Number($"value_json.temperatures_celsius[{sensor - 1}]"));
        }

        components.Sensor("balancing_cell_count", "Balancing cells", null, "measurement", null,
            "{{ value_json.balancing_cells | length if value_json.balancing_cells is defined else '' }}", diagnostic: true);
        components.Binary("problem", "Problem", "problem",
            "{{ ('ON' if (value_json.flags.protection + value_json.flags.warning + value_json.flags.fault) | length > 0 else 'OFF') if value_json.flags is defined else '' }}");
        foreach (var family in new[] { FlagFamily.Protection, FlagFamily.Warning, FlagFamily.Fault })
        {
            string label = family.ToLabel();
            foreach (var flag in PackMaker.FlagsOf(identity.Protocol).Where(f => f.Family == family))
            {
                components.Binary($"{label}_{flag.Name}", $"{Title(label)} {flag.Name.Replace('_', ' ')}", "problem", FlagTemplate(label, flag.Name), diagnostic: true);
            }
        }

        components.Binary("charge_fet", "Charge FET", "power", FlagTemplate("status", "charge_fet"), diagnostic: true);
        components.Binary("discharge_fet", "Discharge FET", "power", FlagTemplate("status", "discharge_fet"), diagnostic: true);
        components.Binary("charging", "Charging", "battery_charging", FlagTemplate("status", "charging"));
        for (int cell = 1; cell <= Math.Min(identity.CellCount, BalanceBits); cell++)
        {
            string nn = cell.ToString("00", CultureInfo.InvariantCulture);
            components.Binary($"cell_{nn}_balancing", $"Cell {nn} balancing", null,
                $"{{{{ ('ON' if {cell} in value_json.balancing_cells else 'OFF') if value_json.balancing_cells is defined else '' }}}}",
                diagnostic: true, enabledByDefault: false);
        }
    }

    private static string Title(string word) => char.ToUpperInvariant(word[0]) + word[1..];

    /// <summary>The value when it is a number; <c>None</c> (unknown in Home Assistant) when it is null or absent.</summary>
    private static string Number(string expression) => $"{{{{ {expression} if {expression} is number else none }}}}";

    private static string Percent(string ratio) => Scaled(ratio, "* 100", 2);

    private static string Scaled(string expression, string operation, int digits) =>
        $"{{{{ ({expression} {operation}) | round({digits}) if {expression} is number else none }}}}";

    private static string FlagTemplate(string family, string flag) =>
        $"{{{{ ('ON' if '{flag}' in value_json.flags.{family} else 'OFF') if value_json.flags is defined else '' }}}}";

    private void WriteOrigin(Utf8JsonWriter json)
    {
        json.WriteStartObject("origin");
        json.WriteString("name", "bmspace");
        json.WriteString("sw_version", _exporterVersion);

        // No support_url: the project has no public address yet, and an invented one would mislead.
        json.WriteEndObject();
    }

    /// <summary>Writes the entries of <c>components</c>, each keyed and identified by <c>&lt;device id&gt;_&lt;key&gt;</c>.</summary>
    private readonly struct ComponentWriter(Utf8JsonWriter json, string deviceId, int expireAfterSeconds)
    {
        public void Sensor(string key, string name, string? deviceClass, string stateClass, string? unit, string template, bool diagnostic = false)
        {
            Start(key, "sensor", name, deviceClass, template, diagnostic, enabledByDefault: true);
            json.WriteString("state_class", stateClass);
            if (unit is not null)
            {
                json.WriteString("unit_of_measurement", unit);
            }

            json.WriteEndObject();
        }

        public void Binary(string key, string name, string? deviceClass, string template, bool diagnostic = false, bool enabledByDefault = true)
        {
            Start(key, "binary_sensor", name, deviceClass, template, diagnostic, enabledByDefault);
            json.WriteEndObject();
        }

        private void Start(string key, string platform, string name, string? deviceClass, string template, bool diagnostic, bool enabledByDefault)
        {
            string uniqueId = deviceId + "_" + key;
            json.WriteStartObject(uniqueId);
            json.WriteString("platform", platform);
            json.WriteString("name", name);
            json.WriteString("unique_id", uniqueId);
            if (deviceClass is not null)
            {
                json.WriteString("device_class", deviceClass);
            }

            json.WriteString("value_template", template);
            json.WriteNumber("expire_after", expireAfterSeconds);
            if (diagnostic)
            {
                json.WriteString("entity_category", "diagnostic");
            }

            if (!enabledByDefault)
            {
                json.WriteBoolean("enabled_by_default", false);
            }
        }
    }

    /// <summary>The <c>device</c> object of a discovery payload; a null field is left out.</summary>
    private sealed record Device(string Id, string Name, string Manufacturer, string? Model, string? SoftwareVersion, string? Serial, string? ViaDevice);
}
