using System.Globalization;
using System.Text;

namespace BmsPace.Outputs.Influx;

/// <summary>
/// Formats points as InfluxDB line protocol: <c>measurement,tag=v field=v timestamp</c>. Pure and thread-safe.
/// </summary>
/// <remarks>
/// Escaping follows the InfluxDB rules: measurement names escape comma and space; tag keys, tag values and field keys
/// escape comma, equals sign and space; string field values are double-quoted with <c>"</c> and <c>\</c> escaped.
/// Line protocol cannot carry a line break in a name or tag, so CR and LF there become spaces (then escaped).
/// Tags are sorted by key (the order InfluxDB stores, and cheapest for it to parse); empty tags are omitted. Floats
/// always carry a decimal point or an exponent so a whole value is never read as a different type; NaN and
/// infinities cannot be written and such a field is skipped.
/// </remarks>
public sealed class LineProtocolWriter(InfluxPrecision precision)
{
    public InfluxPrecision Precision { get; } = precision;

    /// <summary>One line without a trailing newline, or null when no field is writable (a point needs one).</summary>
    /// <exception cref="ArgumentException">The measurement name is empty.</exception>
    public string? Format(InfluxPoint point)
    {
        var builder = new StringBuilder(128);
        return Append(builder, point) ? builder.ToString() : null;
    }

    /// <summary>Appends one line (no newline) to <paramref name="builder"/>; false, leaving it unchanged, when no field is writable.</summary>
    /// <exception cref="ArgumentException">The measurement name is empty.</exception>
    public bool Append(StringBuilder builder, InfluxPoint point)
    {
        if (string.IsNullOrEmpty(point.Measurement))
        {
            throw new ArgumentException("a point needs a measurement name", nameof(point));
        }

        int start = builder.Length;
        AppendEscaped(builder, point.Measurement, escapeEquals: false);

        var tags = point.Tags
            .Where(t => !string.IsNullOrEmpty(t.Key) && !string.IsNullOrEmpty(t.Value))
            .OrderBy(t => t.Key, StringComparer.Ordinal);
        foreach (var (key, value) in tags)
        {
            builder.Append(',');
            AppendEscaped(builder, key, escapeEquals: true);
            builder.Append('=');
            AppendEscaped(builder, value, escapeEquals: true);
        }

        char separator = ' ';
        foreach (var (key, value) in point.Fields)
        {
            if (string.IsNullOrEmpty(key) || !IsWritable(value))
            {
                continue;
            }

            builder.Append(separator);
            separator = ',';
            AppendEscaped(builder, key, escapeEquals: true);
            builder.Append('=');
            AppendValue(builder, value);
        }

        if (separator == ' ')
        {
            builder.Length = start;
            return false;
        }

        builder.Append(' ');
        builder.Append(Precision.ToUnixTime(point.Timestamp).ToString(CultureInfo.InvariantCulture));
        return true;
    }

    /// <summary>The float text: shortest round-trip form, with ".0" added to whole numbers (53 is written 53.0).</summary>
    public static string FormatFloat(double value)
    {
        string text = value.ToString("R", CultureInfo.InvariantCulture);
        return text.AsSpan().IndexOfAny('.', 'E', 'e') >= 0 ? text : text + ".0";
    }

    private static bool IsWritable(InfluxFieldValue value) =>
        value.Kind != InfluxFieldKind.Float || double.IsFinite(value.FloatValue);

    private static void AppendValue(StringBuilder builder, InfluxFieldValue value)
    {
        switch (value.Kind)
        {
            case InfluxFieldKind.Float:
                builder.Append(FormatFloat(value.FloatValue));
                break;
            case InfluxFieldKind.Integer:
                builder.Append(value.IntegerValue.ToString(CultureInfo.InvariantCulture)).Append('i');
                break;
            case InfluxFieldKind.Boolean:
                builder.Append(value.BooleanValue ? "true" : "false");
                break;
            default:
                builder.Append('"');
                foreach (char c in value.StringValue ?? "")
                {
                    if (c is '"' or '\\')
                    {
                        builder.Append('\\');
                    }

                    builder.Append(c);
                }

                builder.Append('"');
                break;
        }
    }

    private static void AppendEscaped(StringBuilder builder, string text, bool escapeEquals)
    {
        foreach (char raw in text)
        {
            char c = raw is '\n' or '\r' ? ' ' : raw;
            if (c is ',' or ' ' || (escapeEquals && c == '='))
            {
                builder.Append('\\');
            }

            builder.Append(c);
        }
    }
}
