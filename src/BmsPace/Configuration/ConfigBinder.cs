using System.Globalization;
using BmsPace.Protocol.Dialects;

namespace BmsPace.Configuration;

/// <summary>
/// Turns the merged <see cref="ConfigNode"/> tree into <see cref="BmsPaceOptions"/>. It never stops at the first
/// problem: every unknown key, wrong type and out-of-range value is collected with its key path, what was wrong and
/// what is allowed, so one start shows the user everything to fix.
/// </summary>
internal sealed partial class ConfigBinder
{
    /// <summary>The values of a battery's <c>protocol</c> key and of <c>--protocol</c>.</summary>
    public static readonly string[] Protocols = [BmsDialects.Auto, .. BmsDialects.Names];

    public static readonly string ProtocolsAllowed = OneOfText(Protocols);

    public const string DurationAllowed = "a duration such as 250ms, 5s or 1m, or a plain number of seconds";

    private static readonly TimeSpan LongestDuration = TimeSpan.FromDays(1);

    private readonly List<string> _errors;

    public ConfigBinder(List<string> errors) => _errors = errors;

    /// <summary>A scalar parser: null on success, else what is wrong with the text (the "allowed" part is added by the caller).</summary>
    public delegate string? ScalarParser<T>(string text, out T value);

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

        return ConfigKeys.Root.Bind(this, map, "", defaults);
    }

    public void Error(string problem) => _errors.Add(problem);

    public void RejectUnknown(ConfigMapping map, string path, string[] known)
    {
        foreach (var (key, value) in map.Entries)
        {
            if (!known.Contains(key, StringComparer.Ordinal))
            {
                _errors.Add($"{ConfigPath.Child(path, key)}: unknown key; allowed: {string.Join(", ", known)} ({value.Origin})");
            }
        }
    }

    public void RequireText(string value, string keyPath, string allowed, string origin)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            _errors.Add($"{keyPath}: empty; allowed: {allowed} ({origin})");
        }
    }

    public void RejectBoth(ConfigMapping map, string path, string valueKey, string fileKey)
    {
        if (map.Get(valueKey) is ConfigScalar { IsNull: false, Value.Length: > 0 } && map.Get(fileKey) is ConfigScalar { IsNull: false } file)
        {
            _errors.Add($"{path}.{fileKey}: given together with {path}.{valueKey}; allowed: one of the two ({file.Origin})");
        }
    }

    /// <summary>A key holding one value, parsed by <paramref name="parse"/>; <paramref name="allowed"/> ends every message about it.</summary>
    public static ConfigValueReader<T> Scalar<T>(ScalarParser<T> parse, string allowed) =>
        (ConfigBinder binder, ConfigNode node, string keyPath, T fallback, out T value) => binder.ReadScalar(node, keyPath, fallback, parse, allowed, out value);

    public static ConfigValueReader<int> Int(int min, int max, string note = "") =>
        Scalar(IntParser(min, max), $"a whole number from {min} to {max}{note}");

    public static ConfigValueReader<bool> Bool { get; } = Scalar<bool>(BoolParser, "true or false");

    public static ConfigValueReader<string> Text { get; } = Scalar<string>(TextParser, "any text");

    public static ConfigValueReader<Secret> SecretText { get; } = Scalar<Secret>(SecretParser, "any text");

    public static ConfigValueReader<string?> FilePath { get; } = Scalar<string?>(FilePathParser, "the path of a readable file");

    public static ConfigValueReader<TimeSpan> Duration(bool allowZero) =>
        Scalar(DurationParser(allowZero), DurationAllowed + (allowZero ? ", 0 or more" : ", more than 0"));

    private bool ReadScalar<T>(ConfigNode node, string keyPath, T fallback, ScalarParser<T> parse, string allowed, out T value)
    {
        value = fallback;
        if (node is not ConfigScalar scalar)
        {
            _errors.Add($"{keyPath}: expected a single value, found {node.KindName}; allowed: {allowed} ({node.Origin})");
            return false;
        }

        if (scalar.IsNull)
        {
            return false;
        }

        string? problem = parse(scalar.Value.Trim(), out var parsed);
        if (problem is not null)
        {
            _errors.Add($"{keyPath}: {problem}; allowed: {allowed} ({scalar.Origin})");
            return false;
        }

        value = parsed;
        return true;
    }

    /// <summary><c>packs</c>: <c>all</c> (an empty list), a list of pack addresses, or one address.</summary>
    public static bool ReadPacks(ConfigBinder binder, ConfigNode node, string keyPath, IReadOnlyList<int> fallback, out IReadOnlyList<int> value)
    {
        var anyDialect = PackAddressing.AnyOf(BmsDialects.All);
        string allowed = $"all, or pack addresses from {anyDialect.PackAddressesAllowed} as a list such as [1, 2, 3] or a single number";
        var errors = binder._errors;
        value = fallback;
        var entries = new List<(string Text, string Origin)>();
        switch (node)
        {
            case ConfigScalar { IsNull: true }:
                return false;
            case ConfigScalar scalar when scalar.Value.Trim().Equals("all", StringComparison.OrdinalIgnoreCase):
                value = [];
                return true;
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
                        errors.Add($"{keyPath}: an entry is {item.KindName}; allowed: {allowed} ({item.Origin})");
                    }
                }

                if (sequence.Items.Count == 0)
                {
                    errors.Add($"{keyPath}: the list is empty; allowed: {allowed} ({sequence.Origin})");
                }

                break;
            default:
                errors.Add($"{keyPath}: expected all or a list, found {node.KindName}; allowed: {allowed} ({node.Origin})");
                return false;
        }

        var packs = new List<int>();
        foreach (var (text, origin) in entries)
        {
            if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int pack))
            {
                errors.Add($"{keyPath}: '{text}' is not a pack address; allowed: {allowed} ({origin})");
            }
            else if (pack < anyDialect.LowestPackAddress || !anyDialect.Reaches(pack))
            {
                errors.Add($"{keyPath}: pack {pack} is out of range; allowed: {allowed} ({origin})");
            }
            else if (packs.Contains(pack))
            {
                errors.Add($"{keyPath}: pack {pack} is listed twice; allowed: each pack once ({origin})");
            }
            else
            {
                packs.Add(pack);
            }
        }

        if (packs.Count == 0)
        {
            return false;
        }

        value = packs;
        return true;
    }

    private static ScalarParser<int> IntParser(int min, int max) => (string text, out int value) =>
    {
        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value))
        {
            return $"'{text}' is not a whole number";
        }

        return value < min || value > max ? $"{value} is out of range" : null;
    };

    public static ScalarParser<int> EvenInt(int min, int max) => (string text, out int value) =>
    {
        string? problem = IntParser(min, max)(text, out value);
        return problem ?? (value % 2 != 0 ? $"{value} is odd" : null);
    };

    private static string? BoolParser(string text, out bool value)
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

    private static string? TextParser(string text, out string value)
    {
        value = text;
        return null;
    }

    private static string? SecretParser(string text, out Secret value)
    {
        value = new Secret(text);
        return null;
    }

    private static string? FilePathParser(string text, out string? value)
    {
        value = text;
        return text.Length == 0 ? "the path is empty" : null;
    }

    public static ScalarParser<string> OneOf(params string[] allowed) => (string text, out string value) =>
    {
        value = text.ToLowerInvariant();
        return allowed.Contains(value, StringComparer.Ordinal) ? null : $"'{text}' is not one of them";
    };

    /// <summary>The choices as a sentence says them: <c>a, b or c</c>.</summary>
    public static string OneOfText(IReadOnlyList<string> choices) =>
        choices.Count < 2 ? string.Concat(choices) : string.Join(", ", choices.Take(choices.Count - 1)) + " or " + choices[^1];

    public static string? InfluxApiVersion(string text, out InfluxApi value)
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

    public static string? BatteryName(string text, out string value)
    {
        value = text;
        return BatteryNamePattern().IsMatch(text) ? null : $"'{text}' has characters that are not allowed";
    }

    public static string? Connection(string text, out ConnectionSpec value)
    {
        value = new SerialConnectionSpec("/dev/ttyUSB0");
        if (!ConnectionSpec.TryParse(text, out var spec, out var error))
        {
            return error;
        }

        value = spec!;
        return null;
    }

    public static string? ProtocolVersion(string text, out byte? value)
    {
        // The protocol writes the version as two hex characters, so "25" and the YAML integer 25 both mean 0x25.
        string digits = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? text[2..] : text;
        value = null;
        if (digits.Length is >= 1 and <= 2 && byte.TryParse(digits, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out byte version))
        {
            value = version;
            return null;
        }

        return $"'{text}' is not a protocol version";
    }

    public static string? HttpUrl(string text, out Uri value)
    {
        value = new Uri("http://localhost:8086");
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) || uri.Host.Length == 0)
        {
            return $"'{text}' is not an absolute http or https URL";
        }

        value = uri;
        return null;
    }

    public static string? MqttUrl(string text, out Uri value)
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

    public static string? TopicPrefix(string text, out string value)
    {
        value = text;
        return TopicPattern().IsMatch(text) ? null : $"'{text}' is not a topic prefix";
    }

    public static string? NodeIdentifier(string text, out string value)
    {
        value = text;
        return NodeIdPattern().IsMatch(text) ? null : $"'{text}' has characters that are not allowed";
    }

    public static string? ClientIdentifier(string text, out string value)
    {
        value = text;
        return text.Length == 0 || ClientIdPattern().IsMatch(text) ? null : $"'{text}' is not a client id";
    }

    /// <summary>
    /// <c>HOST:PORT</c>, or node_exporter's <c>:PORT</c> and <c>PORT</c> for every IPv4 interface (written back as
    /// <c>0.0.0.0:PORT</c>). HOST is an address, <c>localhost</c> or <c>*</c>: a name is refused here rather than
    /// looked up, because the exporter binds one address and a name can resolve to several or change.
    /// </summary>
    internal static string? HostPort(string text, out string value)
    {
        value = text;
        if (text.Length > 0 && text.All(char.IsAsciiDigit))
        {
            text = ":" + text;
        }

        int colon = text.LastIndexOf(':');
        if (colon < 0)
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

        if (host.Length == 0)
        {
            value = "0.0.0.0:" + port;
            return null;
        }

        if (host is not ("*" or "localhost") && !System.Net.IPAddress.TryParse(host.Trim('[', ']'), out _))
        {
            return $"'{host}' is a host name, not an address (write the address it should listen on, 0.0.0.0 for every interface, or localhost)";
        }

        value = text;
        return null;
    }

    private static ScalarParser<TimeSpan> DurationParser(bool allowZero) => (string text, out TimeSpan value) =>
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
}
