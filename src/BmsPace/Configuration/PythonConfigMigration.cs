using System.Globalization;

namespace BmsPace.Configuration;

/// <summary>
/// Reads the config.yaml of the Python bmspace tool (Home Assistant add-on): flat keys such as connection_type, bms_ip
/// and scan_interval, at the top level or under <c>options:</c>. It becomes one battery named <c>main</c>, so users
/// can switch without rewriting their file. The MQTT keys have no meaning here and are mentioned once, not rejected.
/// </summary>
internal static class PythonConfigMigration
{
    private static readonly string[] ConnectionKeys = ["connection_type", "bms_ip", "bms_port", "bms_serial"];

    private static readonly string[] CopiedKeys = ["scan_interval", "debug_output", "force_pack_offset", "zero_pad_number_cells", "zero_pad_number_packs"];

    /// <summary>
    /// Keys of the andrevza fork (3.1.x) that have no counterpart here, each with what bmspace does instead. They are
    /// accepted with one notice each so that an existing file runs unchanged.
    /// </summary>
    private static readonly Dictionary<string, string> ForkKeys = new(StringComparer.Ordinal)
    {
        ["strict_unknown_rtn"] = "bmspace always refuses an answer with an RTN error and counts it (pace_bms_request_failures_total{reason=\"rtn\"})",
        ["warning_state_max_len"] = "it shortens MQTT text; bmspace exports warning states as numbers and flags, not text",
        ["log_periodic_info"] = "bmspace logs link changes and problems; the console echo (console.enabled) shows every cycle",
        ["heartbeat_log_interval_min"] = "bmspace logs link changes and problems; /healthz and pace_bms_up show that it is alive",
        ["bms_connect_retries"] = "bmspace never gives up on a link: it reconnects with a growing delay (retries counts attempts per request)",
        ["bms_connect_retry_delay"] = "bmspace never gives up on a link: it reconnects with a growing delay (retries counts attempts per request)",
        ["packs_to_read"] = "bmspace reads every pack the BMS reports; to ask packs one by one, list them in batteries[].packs",
        ["max_pack_count"] = "bmspace checks the pack count against the protocol's own limit and refuses an answer that does not fit",
        ["max_cells_per_pack"] = "bmspace checks the cell count against the protocol's own limit (1 to 32) and refuses an answer that does not fit",
        ["max_temps_per_pack"] = "bmspace checks the temperature count against the answer's length and refuses an answer that does not fit",
    };

    public static bool IsPythonConfig(ConfigMapping root) => PythonSection(root, out _) is not null;

    /// <summary>Returns the tree in BmsPace's own shape, or null when <paramref name="root"/> is not a Python tool config.</summary>
    public static ConfigMapping? Migrate(ConfigMapping root, List<string> errors, List<string> notices)
    {
        var section = PythonSection(root, out string prefix);
        if (section is null)
        {
            return null;
        }

        var migrated = new ConfigMapping(root.Origin);
        var mqttKeys = new List<string>();
        foreach (var (key, value) in section.Entries)
        {
            string keyPath = prefix + key;
            if (key.StartsWith("mqtt_", StringComparison.Ordinal))
            {
                mqttKeys.Add(keyPath);
            }
            else if (CopiedKeys.Contains(key, StringComparer.Ordinal))
            {
                migrated.Set(key, value is ConfigScalar scalar ? new ConfigScalar(scalar.Value, scalar.IsNull, $"{value.Origin}, Python key {keyPath}") : value);
            }
            else if (ConnectionKeys.Contains(key, StringComparer.Ordinal))
            {
                // Read below, together.
            }
            else if (ForkKeys.TryGetValue(key, out string? instead))
            {
                notices.Add($"{keyPath}: not used: {instead} ({value.Origin})");
            }
            else if (prefix.Length == 0 && ConfigKeys.Root.KeyNames.Contains(key, StringComparer.Ordinal) && key != "batteries")
            {
                migrated.Set(key, value);
            }
            else
            {
                errors.Add($"{keyPath}: unknown key in the Python bmspace tool's configuration; allowed: {string.Join(", ", ConnectionKeys.Concat(CopiedKeys).Concat(ForkKeys.Keys))}, mqtt_* ({value.Origin})");
            }
        }

        if (prefix.Length > 0)
        {
            // An add-on config.yaml also holds name, version, slug, schema and so on: they describe the add-on, not the
            // battery. BmsPace sections written next to options: are taken as they are.
            var ignored = new List<string>();
            foreach (var (key, value) in root.Entries)
            {
                if (key == "options")
                {
                    continue;
                }

                if (ConfigKeys.Root.KeyNames.Contains(key, StringComparer.Ordinal) && key != "batteries" && !CopiedKeys.Contains(key, StringComparer.Ordinal))
                {
                    migrated.Set(key, value);
                }
                else
                {
                    ignored.Add(key);
                }
            }

            if (ignored.Count > 0)
            {
                notices.Add($"{string.Join(", ", ignored)}: Home Assistant add-on keys, ignored; the settings are read from options:");
            }
        }
        else if (root.Get("batteries") is { } batteries)
        {
            errors.Add($"batteries: cannot be combined with the Python tool's connection_type/bms_ip/bms_serial keys; allowed: one of the two ({batteries.Origin})");
        }

        var connection = BuildConnection(section, prefix, errors);
        var battery = new ConfigMapping(section.Origin);
        battery.Set("name", new ConfigScalar("main", isNull: false, section.Origin));
        if (connection is not null)
        {
            battery.Set("connection", connection);
        }

        var list = new ConfigSequence(section.Origin);
        list.Items.Add(battery);
        migrated.Set("batteries", list);

        if (mqttKeys.Count > 0)
        {
            notices.Add($"{string.Join(", ", mqttKeys)}: not used by bmspace (it exports to Prometheus, InfluxDB and the console, not MQTT)");
        }

        notices.Add($"read the Python bmspace tool's configuration as one battery named main on {(connection as ConfigScalar)?.Value ?? "the default connection"}");
        return migrated;
    }

    private static ConfigMapping? PythonSection(ConfigMapping root, out string prefix)
    {
        if (root.Get("options") is ConfigMapping options && LooksPython(options))
        {
            prefix = "options.";
            return options;
        }

        prefix = "";
        return LooksPython(root) ? root : null;
    }

    private static bool LooksPython(ConfigMapping map) =>
        map.Entries.Any(entry => ConnectionKeys.Contains(entry.Key, StringComparer.Ordinal) || entry.Key.StartsWith("mqtt_", StringComparison.Ordinal));

    private static ConfigScalar? BuildConnection(ConfigMapping section, string prefix, List<string> errors)
    {
        string? type = Text(section, "connection_type");
        if (type is null)
        {
            errors.Add($"{prefix}connection_type: missing; allowed: IP or Serial ({section.Origin})");
            return null;
        }

        var typeNode = section.Get("connection_type")!;
        if (type.Equals("IP", StringComparison.OrdinalIgnoreCase))
        {
            string? host = Text(section, "bms_ip");
            string? port = Text(section, "bms_port");
            if (string.IsNullOrEmpty(host))
            {
                errors.Add($"{prefix}bms_ip: missing; allowed: the IP address or host name of the TCP serial server (needed when connection_type is IP) ({(section.Get("bms_ip") ?? section).Origin})");
            }

            if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out int portNumber) || portNumber is < 1 or > 65535)
            {
                errors.Add($"{prefix}bms_port: {(port is null ? "missing" : $"'{port}' is not a port")}; allowed: a whole number from 1 to 65535 (needed when connection_type is IP) ({(section.Get("bms_port") ?? section).Origin})");
                return null;
            }

            if (string.IsNullOrEmpty(host))
            {
                return null;
            }

            string hostPart = host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('[') ? $"[{host}]" : host;
            return new ConfigScalar($"tcp://{hostPart}:{portNumber}", isNull: false, $"built from {prefix}connection_type, {prefix}bms_ip and {prefix}bms_port, {typeNode.Origin}");
        }

        if (type.Equals("Serial", StringComparison.OrdinalIgnoreCase))
        {
            string? device = Text(section, "bms_serial");
            if (string.IsNullOrEmpty(device))
            {
                errors.Add($"{prefix}bms_serial: missing; allowed: the serial device such as /dev/ttyUSB0 (needed when connection_type is Serial) ({(section.Get("bms_serial") ?? section).Origin})");
                return null;
            }

            string uri = device.StartsWith('/') ? $"serial://{device}" : $"serial:///{device}";
            return new ConfigScalar(uri, isNull: false, $"built from {prefix}connection_type and {prefix}bms_serial, {typeNode.Origin}");
        }

        errors.Add($"{prefix}connection_type: '{type}' is not a connection type; allowed: IP or Serial ({typeNode.Origin})");
        return null;
    }

    private static string? Text(ConfigMapping map, string key) =>
        map.Get(key) is ConfigScalar { IsNull: false } scalar ? scalar.Value.Trim() : null;
}
