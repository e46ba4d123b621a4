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
    public InfluxFieldKind Kind { get; private init; }

    public double FloatValue { get; private init; }

    public long IntegerValue { get; private init; }

    public bool BooleanValue { get; private init; }

    public string? StringValue { get; private init; }

    public static InfluxFieldValue Float(double value) => new() { Kind = InfluxFieldKind.Float, FloatValue = value };

    public static InfluxFieldValue Integer(long value) => new() { Kind = InfluxFieldKind.Integer, IntegerValue = value };

    public static InfluxFieldValue Boolean(bool value) => new() { Kind = InfluxFieldKind.Boolean, BooleanValue = value };

    public static InfluxFieldValue String(string value) => new() { Kind = InfluxFieldKind.String, StringValue = value };

    public override string ToString() => Kind switch
    {
        InfluxFieldKind.Float => FloatValue.ToString("R", CultureInfo.InvariantCulture),
        InfluxFieldKind.Integer => IntegerValue.ToString(CultureInfo.InvariantCulture) + "i",
        InfluxFieldKind.Boolean => BooleanValue ? "true" : "false",
        _ => StringValue ?? "",
    };
}
