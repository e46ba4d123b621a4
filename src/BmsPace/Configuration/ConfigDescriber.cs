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
        ConfigKeys.Root.Describe(text, options, 0);
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

    internal static void Line(StringBuilder text, int depth, string key, string value) =>
        text.Append(' ', depth * 2).Append(key).Append(": ").Append(value).Append('\n');

    internal static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    internal static string Bool(bool value) => value ? "true" : "false";

    /// <summary>Plain when YAML would read the text back unchanged as a string, otherwise double-quoted.</summary>
    internal static string Quote(string value)
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
