using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace BmsPace.Configuration;

/// <summary>
/// The effective configuration as YAML for the start-up log, in the key names of config.yaml, so what was read can be
/// compared with what was meant. Passwords and tokens appear only as <c>&lt;secret&gt;</c>.
/// </summary>
public static partial class ConfigDescriber
{
    public const string SecretPlaceholder = "<secret>";

    public static string Describe(BmsPaceOptions options)
    {
        var text = new StringBuilder();
        Line(text, 0, "scan_interval", Duration(options.ScanInterval));
        Line(text, 0, "request_timeout", Duration(options.RequestTimeout));
        Line(text, 0, "request_gap", Duration(options.RequestGap));
        Line(text, 0, "retries", Number(options.Retries));
        Line(text, 0, "reconnect_after_failures", Number(options.ReconnectAfterFailures));
        Line(text, 0, "stale_after_cycles", Number(options.StaleAfterCycles));
        Line(text, 0, "debug_output", Number(options.DebugOutput));
        Line(text, 0, "force_pack_offset", Number(options.ForcePackOffset));
        Line(text, 0, "zero_pad_number_cells", Number(options.ZeroPadNumberCells));
        Line(text, 0, "zero_pad_number_packs", Number(options.ZeroPadNumberPacks));
        text.Append("batteries:\n");
        foreach (var battery in options.Batteries)
        {
            text.Append("  - name: ").Append(Quote(battery.Name)).Append('\n');
            Line(text, 2, "connection", Quote(battery.Connection.ToString() ?? ""));
            Line(text, 2, "address", Number(battery.Address));
            Line(text, 2, "protocol_version", "0x" + battery.ProtocolVersion.ToString("X2", CultureInfo.InvariantCulture));
            Line(text, 2, "packs", battery.PollsAllPacks ? "all" : "[" + string.Join(", ", battery.Packs) + "]");
            Line(text, 2, "temperature_offset", Number(battery.TemperatureOffset));
        }

        text.Append("prometheus:\n");
        Line(text, 1, "enabled", Bool(options.Prometheus.Enabled));
        Line(text, 1, "listen", Quote(options.Prometheus.Listen));

        var influx = options.InfluxDb;
        text.Append("influxdb:\n");
        Line(text, 1, "enabled", Bool(influx.Enabled));
        Line(text, 1, "url", Quote(influx.Url.ToString()));
        Line(text, 1, "api", influx.Api == InfluxApi.V1 ? "v1" : "v2");
        Line(text, 1, "database", Quote(influx.Database));
        Line(text, 1, "retention_policy", Quote(influx.RetentionPolicy));
        Line(text, 1, "username", Quote(influx.Username));
        Line(text, 1, "password", Secret(influx.Password));
        if (influx.PasswordFile is not null)
        {
            Line(text, 1, "password_file", Quote(influx.PasswordFile));
        }

        Line(text, 1, "org", Quote(influx.Org));
        Line(text, 1, "bucket", Quote(influx.Bucket));
        Line(text, 1, "token", Secret(influx.Token));
        if (influx.TokenFile is not null)
        {
            Line(text, 1, "token_file", Quote(influx.TokenFile));
        }

        Line(text, 1, "precision", influx.Precision);
        Line(text, 1, "gzip", Bool(influx.Gzip));
        Line(text, 1, "flush_interval", Duration(influx.FlushInterval));
        Line(text, 1, "batch_size", Number(influx.BatchSize));
        Line(text, 1, "buffer_points", Number(influx.BufferPoints));
        Line(text, 1, "timeout", Duration(influx.Timeout));

        text.Append("console:\n");
        Line(text, 1, "enabled", Bool(options.Console.Enabled));

        var mqtt = options.Mqtt;
        text.Append("mqtt:\n");
        Line(text, 1, "enabled", Bool(mqtt.Enabled));
        Line(text, 1, "url", Quote(mqtt.Url.ToString()));
        Line(text, 1, "username", Quote(mqtt.Username));
        Line(text, 1, "password", Secret(mqtt.Password));
        if (mqtt.PasswordFile is not null)
        {
            Line(text, 1, "password_file", Quote(mqtt.PasswordFile));
        }

        if (mqtt.CaFile is not null)
        {
            Line(text, 1, "ca_file", Quote(mqtt.CaFile));
        }

        Line(text, 1, "client_id", Quote(mqtt.ClientId));
        Line(text, 1, "node_id", Quote(mqtt.NodeId));
        Line(text, 1, "base_topic", Quote(mqtt.BaseTopic));
        Line(text, 1, "keepalive", Duration(mqtt.Keepalive));
        Line(text, 1, "retain_state", Bool(mqtt.RetainState));
        text.Append("  discovery:\n");
        Line(text, 2, "enabled", Bool(mqtt.Discovery.Enabled));
        Line(text, 2, "prefix", Quote(mqtt.Discovery.Prefix));
        return text.ToString();
    }

    /// <summary>The shortest of <c>1m</c>, <c>5s</c>, <c>250ms</c> that is exact, in the form config.yaml accepts.</summary>
    public static string Duration(TimeSpan value)
    {
        if (value > TimeSpan.Zero && value.Ticks % TimeSpan.TicksPerMinute == 0)
        {
            return Number((long)value.TotalMinutes) + "m";
        }

        if (value.Ticks % TimeSpan.TicksPerSecond == 0)
        {
            return Number((long)value.TotalSeconds) + "s";
        }

        return value.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture) + "ms";
    }

    private static void Line(StringBuilder text, int depth, string key, string value) =>
        text.Append(' ', depth * 2).Append(key).Append(": ").Append(value).Append('\n');

    // An empty secret is shown as empty: "no token configured" is useful to read and reveals nothing.
    private static string Secret(Secret secret) => secret.IsEmpty ? "\"\"" : SecretPlaceholder;

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Bool(bool value) => value ? "true" : "false";

    /// <summary>Plain when YAML would read the text back unchanged as a string, otherwise double-quoted.</summary>
    private static string Quote(string value)
    {
        if (PlainSafe().IsMatch(value) && !ReadsAsOtherType().IsMatch(value))
        {
            return value;
        }

        var quoted = new StringBuilder("\"");
        foreach (char c in value)
        {
            switch (c)
            {
                case '"': quoted.Append("\\\""); break;
                case '\\': quoted.Append("\\\\"); break;
                case '\n': quoted.Append("\\n"); break;
                case '\r': quoted.Append("\\r"); break;
                case '\t': quoted.Append("\\t"); break;
                default:
                    if (char.IsControl(c))
                    {
                        quoted.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        quoted.Append(c);
                    }

                    break;
            }
        }

        return quoted.Append('"').ToString();
    }

    [GeneratedRegex(@"^[A-Za-z0-9/_.][A-Za-z0-9_./:?&=%+@\[\]-]*$")]
    private static partial Regex PlainSafe();

    [GeneratedRegex(@"^([-+]?[0-9._]+|true|false|yes|no|on|off|null|~|0x[0-9a-fA-F]+)$", RegexOptions.IgnoreCase)]
    private static partial Regex ReadsAsOtherType();
}
