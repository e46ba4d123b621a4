using System.Globalization;
using System.Text.RegularExpressions;

namespace BmsPace.Configuration;

/// <summary>
/// Turns the merged <see cref="ConfigNode"/> tree into <see cref="BmsPaceOptions"/>. It never stops at the first
/// problem: every unknown key, wrong type and out-of-range value is collected with its key path, what was wrong and
/// what is allowed, so one start shows the user everything to fix.
/// </summary>
internal sealed partial class ConfigBinder
{
    public static readonly string[] TopLevelKeys =
    [
        "scan_interval", "request_timeout", "request_gap", "retries", "reconnect_after_failures", "stale_after_cycles",
        "debug_output", "force_pack_offset", "zero_pad_number_cells", "zero_pad_number_packs", "batteries", "prometheus",
        "influxdb", "console", "mqtt",
    ];

    public static readonly string[] BatteryKeys = ["name", "connection", "address", "protocol_version", "packs", "temperature_offset"];

    public static readonly string[] PrometheusKeys = ["enabled", "listen"];

    public static readonly string[] InfluxKeys =
    [
        "enabled", "url", "api", "database", "retention_policy", "username", "password", "password_file", "org", "bucket",
        "token", "token_file", "precision", "gzip", "flush_interval", "batch_size", "buffer_points", "timeout",
    ];

    public static readonly string[] ConsoleKeys = ["enabled"];

    public static readonly string[] MqttKeys =
    [
        "enabled", "url", "username", "password", "password_file", "ca_file", "client_id", "node_id", "base_topic", "keepalive",
        "retain_state", "discovery",
    ];

    public static readonly string[] MqttDiscoveryKeys = ["enabled", "prefix"];

    private const string DurationAllowed = "a duration such as 250ms, 5s or 1m, or a plain number of seconds";

    private static readonly TimeSpan LongestDuration = TimeSpan.FromDays(1);

    private readonly List<string> _errors;

    public ConfigBinder(List<string> errors) => _errors = errors;

    /// <summary>A scalar parser: null on success, else what is wrong with the text (the "allowed" part is added by the caller).</summary>
    private delegate string? ScalarParser<T>(string text, out T value);

    public BmsPaceOptions Bind(ConfigNode? root)
    {
        var defaults = new BmsPaceOptions();
        if (root is null)
        {
            return defaults;
        }

        if (root is not ConfigMapping map)
        {
            _errors.Add($"(top level): expected a mapping of keys, found {root.KindName}; allowed: keys such as scan_interval, batteries, prometheus ({root.Origin})");
            return defaults;
        }

        RejectUnknown(map, "", TopLevelKeys);
        return defaults with
        {
            ScanInterval = Read(map, "", "scan_interval", defaults.ScanInterval, Duration(allowZero: true), DurationAllowed + ", 0 or more"),
            RequestTimeout = Read(map, "", "request_timeout", defaults.RequestTimeout, Duration(allowZero: false), DurationAllowed + ", more than 0"),
            RequestGap = Read(map, "", "request_gap", defaults.RequestGap, Duration(allowZero: true), DurationAllowed + ", 0 or more"),
            Retries = ReadInt(map, "", "retries", defaults.Retries, 0, 10),
            ReconnectAfterFailures = ReadInt(map, "", "reconnect_after_failures", defaults.ReconnectAfterFailures, 1, 1000),
            StaleAfterCycles = ReadInt(map, "", "stale_after_cycles", defaults.StaleAfterCycles, 1, 1000),
            DebugOutput = ReadInt(map, "", "debug_output", defaults.DebugOutput, 0, 3),
            ForcePackOffset = Read(map, "", "force_pack_offset", defaults.ForcePackOffset, EvenInt(0, 200), "an even whole number from 0 to 200 (0 = automatic tail search)"),
            ZeroPadNumberCells = ReadInt(map, "", "zero_pad_number_cells", defaults.ZeroPadNumberCells, 0, 4),
            ZeroPadNumberPacks = ReadInt(map, "", "zero_pad_number_packs", defaults.ZeroPadNumberPacks, 0, 4),
            Batteries = BindBatteries(map.Get("batteries"), defaults.Batteries),
            Prometheus = BindPrometheus(Section(map, "", "prometheus"), defaults.Prometheus),
            InfluxDb = BindInflux(Section(map, "", "influxdb"), defaults.InfluxDb),
            Console = BindConsole(Section(map, "", "console"), defaults.Console),
            Mqtt = BindMqtt(Section(map, "", "mqtt"), defaults.Mqtt),
        };
    }

    private IReadOnlyList<BatteryOptions> BindBatteries(ConfigNode? node, IReadOnlyList<BatteryOptions> defaults)
    {
        if (node is null || node is ConfigScalar { IsNull: true })
        {
            return defaults;
        }

        if (node is not ConfigSequence list)
        {
            _errors.Add($"batteries: expected a list, found {node.KindName}; allowed: a list of batteries, each with name and connection ({node.Origin})");
            return defaults;
        }

        if (list.Items.Count == 0)
        {
            _errors.Add($"batteries: the list is empty; allowed: at least one battery ({list.Origin})");
            return defaults;
        }

        var batteries = new List<BatteryOptions>();
        var seenNames = new HashSet<string>(StringComparer.Ordinal);
        for (int index = 0; index < list.Items.Count; index++)
        {
            string path = ConfigPath.Child("batteries", index.ToString(CultureInfo.InvariantCulture));
            if (list.Items[index] is not ConfigMapping item)
            {
                _errors.Add($"{path}: expected a mapping of keys, found {list.Items[index].KindName}; allowed: {string.Join(", ", BatteryKeys)} ({list.Items[index].Origin})");
                continue;
            }

            var battery = BindBattery(item, path, list.Items.Count);
            // A missing or rejected name falls back to the default; reporting that as a duplicate would be noise.
            bool nameGiven = item.Get("name") is ConfigScalar { IsNull: false } nameNode && nameNode.Value.Trim() == battery.Name;
            if (nameGiven && !seenNames.Add(battery.Name))
            {
                _errors.Add($"{path}.name: '{battery.Name}' is already the name of another battery; allowed: a name used once ({(item.Get("name") ?? item).Origin})");
            }

            batteries.Add(battery);
        }

        return batteries;
    }

    private BatteryOptions BindBattery(ConfigMapping map, string path, int batteryCount)
    {
        RejectUnknown(map, path, BatteryKeys);
        var defaults = new BatteryOptions();
        if (map.Get("name") is null && batteryCount > 1)
        {
            _errors.Add($"{path}.name: missing; allowed: a name of letters, digits, '_', '.' or '-' (required when there is more than one battery) ({map.Origin})");
        }

        if (map.Get("connection") is null && batteryCount > 1)
        {
            _errors.Add($"{path}.connection: missing; allowed: tcp://HOST:PORT, serial:///dev/PATH or simulator (required when there is more than one battery) ({map.Origin})");
        }

        return defaults with
        {
            Name = Read(map, path, "name", defaults.Name, BatteryName, "a name of letters, digits, '_', '.' or '-'"),
            Connection = Read(map, path, "connection", defaults.Connection, Connection, "tcp://HOST:PORT, serial:///dev/PATH?baud=9600&data_bits=8&parity=none&stop_bits=1 or simulator?packs=3&cells=16&tail=14"),
            Address = (byte)ReadInt(map, path, "address", defaults.Address, 0, 15),
            ProtocolVersion = Read(map, path, "protocol_version", defaults.ProtocolVersion, ProtocolVersion, "two hex digits such as 0x25 or 25 (both mean 0x25)"),
            Packs = ReadPacks(map, path, defaults.Packs),
            TemperatureOffset = ReadInt(map, path, "temperature_offset", defaults.TemperatureOffset, 2700, 2750),
        };
    }

    private IReadOnlyList<int> ReadPacks(ConfigMapping map, string path, IReadOnlyList<int> fallback)
    {
        const string allowed = "all, or pack addresses from 1 to 15 as a list such as [1, 2, 3] or a single number";
        string keyPath = ConfigPath.Child(path, "packs");
        var node = map.Get("packs");
        var entries = new List<(string Text, string Origin)>();
        switch (node)
        {
            case null:
            case ConfigScalar { IsNull: true }:
                return fallback;
            case ConfigScalar scalar when scalar.Value.Trim().Equals("all", StringComparison.OrdinalIgnoreCase):
                return [];
            case ConfigScalar scalar:
                // An environment variable can only carry text, so "1,2,3" and "[1, 2, 3]" are read as lists too.
                foreach (var part in scalar.Value.Trim().TrimStart('[').TrimEnd(']').Split(','))
                {
                    entries.Add((part.Trim(), scalar.Origin));
                }

                break;
            case ConfigSequence sequence:
                foreach (var item in sequence.Items)
                {
                    if (item is ConfigScalar { IsNull: false } itemScalar)
                    {
                        entries.Add((itemScalar.Value.Trim(), itemScalar.Origin));
                    }
                    else
                    {
                        _errors.Add($"{keyPath}: an entry is {item.KindName}; allowed: {allowed} ({item.Origin})");
                    }
                }

                if (sequence.Items.Count == 0)
                {
                    _errors.Add($"{keyPath}: the list is empty; allowed: {allowed} ({sequence.Origin})");
                }

                break;
            default:
                _errors.Add($"{keyPath}: expected all or a list, found {node.KindName}; allowed: {allowed} ({node.Origin})");
                return fallback;
        }

        var packs = new List<int>();
        foreach (var (text, origin) in entries)
        {
            if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int pack))
            {
                _errors.Add($"{keyPath}: '{text}' is not a pack address; allowed: {allowed} ({origin})");
            }
            else if (pack is < 1 or > 15)
            {
                _errors.Add($"{keyPath}: pack {pack} is out of range; allowed: {allowed} ({origin})");
            }
            else if (packs.Contains(pack))
            {
                _errors.Add($"{keyPath}: pack {pack} is listed twice; allowed: each pack once ({origin})");
            }
            else
            {
                packs.Add(pack);
            }
        }

        return packs.Count > 0 ? packs : fallback;
    }

    private PrometheusOptions BindPrometheus(ConfigMapping? map, PrometheusOptions defaults)
    {
        if (map is null)
        {
            return defaults;
        }

        RejectUnknown(map, "prometheus", PrometheusKeys);
        return defaults with
        {
            Enabled = ReadBool(map, "prometheus", "enabled", defaults.Enabled),
            Listen = Read(map, "prometheus", "listen", defaults.Listen, HostPort, "HOST:PORT such as 0.0.0.0:9863, port 1 to 65535"),
        };
    }

    private ConsoleOptions BindConsole(ConfigMapping? map, ConsoleOptions defaults)
    {
        if (map is null)
        {
            return defaults;
        }

        RejectUnknown(map, "console", ConsoleKeys);
        return defaults with { Enabled = ReadBool(map, "console", "enabled", defaults.Enabled) };
    }

    private InfluxDbOptions BindInflux(ConfigMapping? map, InfluxDbOptions defaults)
    {
        if (map is null)
        {
            return defaults;
        }

        const string path = "influxdb";
        RejectUnknown(map, path, InfluxKeys);
        var influx = defaults with
        {
            Enabled = ReadBool(map, path, "enabled", defaults.Enabled),
            Url = Read(map, path, "url", defaults.Url, HttpUrl, "an absolute http:// or https:// URL such as http://localhost:8086"),
            Api = Read(map, path, "api", defaults.Api, InfluxApiVersion, "v1 or v2"),
            Database = ReadText(map, path, "database", defaults.Database),
            RetentionPolicy = ReadText(map, path, "retention_policy", defaults.RetentionPolicy),
            Username = ReadText(map, path, "username", defaults.Username),
            Password = new Secret(ReadText(map, path, "password", defaults.Password.Value)),
            PasswordFile = ReadFilePath(map, path, "password_file", defaults.PasswordFile),
            Org = ReadText(map, path, "org", defaults.Org),
            Bucket = ReadText(map, path, "bucket", defaults.Bucket),
            Token = new Secret(ReadText(map, path, "token", defaults.Token.Value)),
            TokenFile = ReadFilePath(map, path, "token_file", defaults.TokenFile),
            Precision = Read(map, path, "precision", defaults.Precision, OneOf("ns", "us", "ms", "s"), "ns, us, ms or s"),
            Gzip = ReadBool(map, path, "gzip", defaults.Gzip),
            FlushInterval = Read(map, path, "flush_interval", defaults.FlushInterval, Duration(allowZero: false), DurationAllowed + ", more than 0"),
            BatchSize = ReadInt(map, path, "batch_size", defaults.BatchSize, 1, 100_000),
            BufferPoints = ReadInt(map, path, "buffer_points", defaults.BufferPoints, 0, 10_000_000, " (0 = enough for one hour of polling)"),
            Timeout = Read(map, path, "timeout", defaults.Timeout, Duration(allowZero: false), DurationAllowed + ", more than 0"),
        };

        RejectBoth(map, path, "password", "password_file");
        RejectBoth(map, path, "token", "token_file");
        if (influx.Enabled)
        {
            var enabledOrigin = (map.Get("enabled") ?? map).Origin;
            if (influx.Api == InfluxApi.V2)
            {
                RequireText(influx.Org, "influxdb.org", "the InfluxDB organisation name (needed when influxdb.enabled is true and api is v2)", enabledOrigin);
                RequireText(influx.Bucket, "influxdb.bucket", "the bucket name (needed when influxdb.enabled is true and api is v2)", enabledOrigin);
            }
            else
            {
                RequireText(influx.Database, "influxdb.database", "the database name (needed when influxdb.enabled is true and api is v1)", enabledOrigin);
            }
        }

        return influx;
    }

    private MqttOptions BindMqtt(ConfigMapping? map, MqttOptions defaults)
    {
        if (map is null)
        {
            return defaults;
        }

        const string path = "mqtt";
        const string topicAllowed = "topic levels of letters, digits, '_', '-' and '.' separated by '/', with no wildcard (+, #) and no leading or trailing '/'";
        RejectUnknown(map, path, MqttKeys);
        var discoveryMap = Section(map, path, "discovery");
        var discovery = defaults.Discovery;
        if (discoveryMap is not null)
        {
            const string discoveryPath = "mqtt.discovery";
            RejectUnknown(discoveryMap, discoveryPath, MqttDiscoveryKeys);
            discovery = discovery with
            {
                Enabled = ReadBool(discoveryMap, discoveryPath, "enabled", discovery.Enabled),
                Prefix = Read(discoveryMap, discoveryPath, "prefix", discovery.Prefix, TopicPrefix, topicAllowed),
            };
        }

        var mqtt = defaults with
        {
            Enabled = ReadBool(map, path, "enabled", defaults.Enabled),
            Url = Read(map, path, "url", defaults.Url, MqttUrl, "mqtt://HOST[:PORT] (plain, port 1883 by default) or mqtts://HOST[:PORT] (TLS, port 8883 by default)"),
            Username = ReadText(map, path, "username", defaults.Username),
            Password = new Secret(ReadText(map, path, "password", defaults.Password.Value)),
            PasswordFile = ReadFilePath(map, path, "password_file", defaults.PasswordFile),
            CaFile = ReadFilePath(map, path, "ca_file", defaults.CaFile),
            ClientId = Read(map, path, "client_id", defaults.ClientId, ClientIdentifier, "up to 64 letters, digits, '_', '-' or '.'; empty = bmspace-<node_id>"),
            NodeId = Read(map, path, "node_id", defaults.NodeId, NodeIdentifier, "letters, digits, '_' and '-' (it is part of every topic and unique_id: never change it)"),
            BaseTopic = Read(map, path, "base_topic", defaults.BaseTopic, TopicPrefix, topicAllowed),
            Keepalive = Read(map, path, "keepalive", defaults.Keepalive, Duration(allowZero: false), DurationAllowed + ", from 1s to 18h"),
            RetainState = ReadBool(map, path, "retain_state", defaults.RetainState),
            Discovery = discovery,
        };

        RejectBoth(map, path, "password", "password_file");
        if (mqtt.Keepalive < TimeSpan.FromSeconds(1) || mqtt.Keepalive.TotalSeconds > ushort.MaxValue)
        {
            _errors.Add($"mqtt.keepalive: '{ConfigDescriber.Duration(mqtt.Keepalive)}' is out of range; allowed: {DurationAllowed}, from 1s to 18h ({(map.Get("keepalive") ?? map).Origin})");
        }

        if (mqtt.CaFile is not null && mqtt.Url.Scheme != "mqtts")
        {
            _errors.Add($"mqtt.ca_file: given with a plain mqtt:// url; allowed: ca_file only with an mqtts:// url ({(map.Get("ca_file") ?? map).Origin})");
        }

        return mqtt;
    }

    private void RequireText(string value, string keyPath, string allowed, string origin)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            _errors.Add($"{keyPath}: empty; allowed: {allowed} ({origin})");
        }
    }

    private void RejectBoth(ConfigMapping map, string path, string valueKey, string fileKey)
    {
        if (map.Get(valueKey) is ConfigScalar { IsNull: false, Value.Length: > 0 } && map.Get(fileKey) is ConfigScalar { IsNull: false } file)
        {
            _errors.Add($"{path}.{fileKey}: given together with {path}.{valueKey}; allowed: one of the two ({file.Origin})");
        }
    }

    private ConfigMapping? Section(ConfigMapping map, string path, string key)
    {
        var node = map.Get(key);
        switch (node)
        {
            case null:
            case ConfigScalar { IsNull: true }:
                return null;
            case ConfigMapping section:
                return section;
            default:
                _errors.Add($"{ConfigPath.Child(path, key)}: expected a mapping of keys, found {node.KindName}; allowed: keys such as enabled ({node.Origin})");
                return null;
        }
    }

    private void RejectUnknown(ConfigMapping map, string path, string[] known)
    {
        foreach (var (key, value) in map.Entries)
        {
            if (!known.Contains(key, StringComparer.Ordinal))
            {
                _errors.Add($"{ConfigPath.Child(path, key)}: unknown key; allowed: {string.Join(", ", known)} ({value.Origin})");
            }
        }
    }

    private T Read<T>(ConfigMapping map, string path, string key, T fallback, ScalarParser<T> parse, string allowed)
    {
        var node = map.Get(key);
        if (node is null)
        {
            return fallback;
        }

        string keyPath = ConfigPath.Child(path, key);
        if (node is not ConfigScalar scalar)
        {
            _errors.Add($"{keyPath}: expected a single value, found {node.KindName}; allowed: {allowed} ({node.Origin})");
            return fallback;
        }

        if (scalar.IsNull)
        {
            return fallback;
        }

        string? problem = parse(scalar.Value.Trim(), out var value);
        if (problem is not null)
        {
            _errors.Add($"{keyPath}: {problem}; allowed: {allowed} ({scalar.Origin})");
            return fallback;
        }

        return value;
    }

    private int ReadInt(ConfigMapping map, string path, string key, int fallback, int min, int max, string note = "") =>
        Read(map, path, key, fallback, Int(min, max), $"a whole number from {min} to {max}{note}");

    private bool ReadBool(ConfigMapping map, string path, string key, bool fallback) =>
        Read(map, path, key, fallback, Bool, "true or false");

    private string ReadText(ConfigMapping map, string path, string key, string fallback) =>
        Read(map, path, key, fallback, Text, "any text");

    private string? ReadFilePath(ConfigMapping map, string path, string key, string? fallback) =>
        Read<string?>(map, path, key, fallback, FilePath, "the path of a readable file");

    private static ScalarParser<int> Int(int min, int max) => (string text, out int value) =>
    {
        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value))
        {
            return $"'{text}' is not a whole number";
        }

        return value < min || value > max ? $"{value} is out of range" : null;
    };

    private static ScalarParser<int> EvenInt(int min, int max) => (string text, out int value) =>
    {
        string? problem = Int(min, max)(text, out value);
        return problem ?? (value % 2 != 0 ? $"{value} is odd" : null);
    };

    private static string? Bool(string text, out bool value)
    {
        switch (text.ToLowerInvariant())
        {
            case "true" or "yes" or "on":
                value = true;
                return null;
            case "false" or "no" or "off":
                value = false;
                return null;
            default:
                value = false;
                return $"'{text}' is not true or false";
        }
    }

    private static string? Text(string text, out string value)
    {
        value = text;
        return null;
    }

    private static string? FilePath(string text, out string? value)
    {
        value = text;
        return text.Length == 0 ? "the path is empty" : null;
    }

    private static ScalarParser<string> OneOf(params string[] allowed) => (string text, out string value) =>
    {
        value = text.ToLowerInvariant();
        return allowed.Contains(value, StringComparer.Ordinal) ? null : $"'{text}' is not one of them";
    };

    private static string? InfluxApiVersion(string text, out InfluxApi value)
    {
        switch (text.ToLowerInvariant())
        {
            case "v1" or "1":
                value = InfluxApi.V1;
                return null;
            case "v2" or "2":
                value = InfluxApi.V2;
                return null;
            default:
                value = InfluxApi.V2;
                return $"'{text}' is not an InfluxDB API version";
        }
    }

    private static string? BatteryName(string text, out string value)
    {
        value = text;
        return BatteryNamePattern().IsMatch(text) ? null : $"'{text}' has characters that are not allowed";
    }

    private static string? Connection(string text, out ConnectionSpec value)
    {
        value = new SerialConnectionSpec("/dev/ttyUSB0");
        if (!ConnectionSpec.TryParse(text, out var spec, out var error))
        {
            return error;
        }

        value = spec!;
        return null;
    }

    private static string? ProtocolVersion(string text, out byte value)
    {
        // The protocol writes the version as two hex characters, so "25" and the YAML integer 25 both mean 0x25.
        string digits = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? text[2..] : text;
        if (digits.Length is >= 1 and <= 2 && byte.TryParse(digits, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value))
        {
            return null;
        }

        value = 0;
        return $"'{text}' is not a protocol version";
    }

    private static string? HttpUrl(string text, out Uri value)
    {
        value = new Uri("http://localhost:8086");
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) || uri.Host.Length == 0)
        {
            return $"'{text}' is not an absolute http or https URL";
        }

        value = uri;
        return null;
    }

    private static string? MqttUrl(string text, out Uri value)
    {
        value = new Uri("mqtt://localhost:1883");
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != "mqtt" && uri.Scheme != "mqtts") || uri.Host.Length == 0)
        {
            return $"'{text}' is not an mqtt:// or mqtts:// URL";
        }

        if (uri.AbsolutePath is not ("" or "/") || uri.Query.Length > 0 || uri.UserInfo.Length > 0)
        {
            return $"'{text}' has a path, query or user part (credentials go in mqtt.username and mqtt.password)";
        }

        value = uri;
        return null;
    }

    private static string? TopicPrefix(string text, out string value)
    {
        value = text;
        return TopicPattern().IsMatch(text) ? null : $"'{text}' is not a topic prefix";
    }

    private static string? NodeIdentifier(string text, out string value)
    {
        value = text;
        return NodeIdPattern().IsMatch(text) ? null : $"'{text}' has characters that are not allowed";
    }

    private static string? ClientIdentifier(string text, out string value)
    {
        value = text;
        return text.Length == 0 || ClientIdPattern().IsMatch(text) ? null : $"'{text}' is not a client id";
    }

    internal static string? HostPort(string text, out string value)
    {
        value = text;
        int colon = text.LastIndexOf(':');
        if (colon <= 0)
        {
            return $"'{text}' is not HOST:PORT";
        }

        string host = text[..colon];
        string port = text[(colon + 1)..];
        if (host.Contains(':', StringComparison.Ordinal) && !(host.StartsWith('[') && host.EndsWith(']')))
        {
            return $"'{text}' has an IPv6 host without brackets (write [::]:9863)";
        }

        if (host.Any(char.IsWhiteSpace))
        {
            return $"'{text}' has a space in the host";
        }

        if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out int number) || number is < 1 or > 65535)
        {
            return $"'{port}' is not a port";
        }

        return null;
    }

    private static ScalarParser<TimeSpan> Duration(bool allowZero) => (string text, out TimeSpan value) =>
    {
        value = TimeSpan.Zero;
        var match = DurationPattern().Match(text);
        if (!match.Success)
        {
            return $"'{text}' is not a duration";
        }

        double amount = double.Parse(match.Groups["amount"].Value, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        double milliseconds = amount * match.Groups["unit"].Value switch
        {
            "ms" => 1,
            "m" => 60_000,
            "h" => 3_600_000,
            _ => 1000,
        };
        if (milliseconds < 0)
        {
            return $"'{text}' is negative";
        }

        if (milliseconds == 0 && !allowZero)
        {
            return $"'{text}' is zero";
        }

        if (milliseconds > LongestDuration.TotalMilliseconds)
        {
            return $"'{text}' is longer than a day";
        }

        value = TimeSpan.FromMilliseconds(Math.Round(milliseconds, 3));
        return null;
    };

    [GeneratedRegex(@"^(?<amount>[-+]?[0-9]+(\.[0-9]+)?)\s*(?<unit>ms|s|m|h)?$")]
    private static partial Regex DurationPattern();

    [GeneratedRegex(@"^[A-Za-z0-9_.-]+$")]
    private static partial Regex BatteryNamePattern();

    [GeneratedRegex(@"^[A-Za-z0-9_-]+$")]
    private static partial Regex NodeIdPattern();

    [GeneratedRegex(@"^[A-Za-z0-9_.-]{1,64}$")]
    private static partial Regex ClientIdPattern();

    [GeneratedRegex(@"^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$")]
    private static partial Regex TopicPattern();
}
