using System.Globalization;

namespace BmsPace.Outputs.Influx;

/// <summary>One line-protocol point before formatting. Tags and fields keep the order given; the writer sorts tags.</summary>
public sealed record InfluxPoint(
    string Measurement,
    IReadOnlyList<KeyValuePair<string, string>> Tags,
    IReadOnlyList<KeyValuePair<string, InfluxFieldValue>> Fields,
    DateTimeOffset Timestamp);

public enum InfluxFieldKind
{
    Float,
    Integer,
    Boolean,
    String,
}

/// <summary>A typed field value: the type is part of the schema (a field never changes type between points).</summary>
public readonly record struct InfluxFieldValue
{
    private InfluxFieldValue(InfluxFieldKind kind, double floatValue, long integerValue, bool booleanValue, string? stringValue)
    {
        Kind = kind;
        FloatValue = floatValue;
        IntegerValue = integerValue;
        BooleanValue = booleanValue;
        StringValue = stringValue;
    }

    public InfluxFieldKind Kind { get; }

    public double FloatValue { get; }

    public long IntegerValue { get; }

    public bool BooleanValue { get; }

    public string? StringValue { get; }

    public static InfluxFieldValue Float(double value) => new(InfluxFieldKind.Float, value, 0, false, null);

    public static InfluxFieldValue Integer(long value) => new(InfluxFieldKind.Integer, 0, value, false, null);

    public static InfluxFieldValue Boolean(bool value) => new(InfluxFieldKind.Boolean, 0, 0, value, null);

    public static InfluxFieldValue String(string value) => new(InfluxFieldKind.String, 0, 0, false, value);

    public override string ToString() => Kind switch
    {
        InfluxFieldKind.Float => FloatValue.ToString("R", CultureInfo.InvariantCulture),
        InfluxFieldKind.Integer => IntegerValue.ToString(CultureInfo.InvariantCulture) + "i",
        InfluxFieldKind.Boolean => BooleanValue ? "true" : "false",
        _ => StringValue ?? "",
    };
}
