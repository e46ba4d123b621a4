using BmsPace.Outputs.Influx;

namespace BmsPace.Tests.Influx;

public class LineProtocolWriterTests
{
    /// <summary>2023-11-14T22:13:20.123Z plus 456.7 us: every precision truncates something.</summary>
    private static readonly DateTimeOffset At = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_123).AddTicks(4_567);

    private static readonly LineProtocolWriter Nanoseconds = new(InfluxPrecision.Nanoseconds);

    private static InfluxPoint Point(string measurement, (string, string)[] tags, params (string, InfluxFieldValue)[] fields) =>
        new(measurement, [.. tags.Select(t => new KeyValuePair<string, string>(t.Item1, t.Item2))],
            [.. fields.Select(f => new KeyValuePair<string, InfluxFieldValue>(f.Item1, f.Item2))], At);

    [Theory]
    [InlineData(InfluxPrecision.Nanoseconds, "1700000000123456700")]
    [InlineData(InfluxPrecision.Microseconds, "1700000000123456")]
    [InlineData(InfluxPrecision.Milliseconds, "1700000000123")]
    [InlineData(InfluxPrecision.Seconds, "1700000000")]
    public void Timestamp_IsWrittenInTheConfiguredPrecision(InfluxPrecision precision, string expected)
    {
        var line = new LineProtocolWriter(precision).Format(Point("cpu", [("host", "a")], ("value", InfluxFieldValue.Float(1.5))));

        Assert.Equal($"cpu,host=a value=1.5 {expected}", line);
    }

    [Fact]
    public void Tags_AreSortedByKey_AndEmptyOnesOmitted()
    {
        var line = Nanoseconds.Format(Point("cpu", [("host", "a"), ("empty", ""), ("", "nokey"), ("dc", "west"), ("Zone", "z")],
            ("value", InfluxFieldValue.Float(1))));

        Assert.Equal("cpu,Zone=z,dc=west,host=a value=1.0 1700000000123456700", line);
    }

    [Fact]
    public void Names_AreEscapedByTheirOwnRules()
    {
        var line = Nanoseconds.Format(Point("my meas,ure=x", [("tag key,=", "v a,l=ue")],
            ("f k=,", InfluxFieldValue.Float(2)), ("s", InfluxFieldValue.String("say \"hi\" \\ a,b=c d"))));

        Assert.Equal(@"my\ meas\,ure=x,tag\ key\,\==v\ a\,l\=ue f\ k\=\,=2.0,s=""say \""hi\"" \\ a,b=c d"" 1700000000123456700", line);
    }

    [Fact]
    public void LineBreaksInNames_BecomeEscapedSpaces()
    {
        var line = Nanoseconds.Format(Point("m", [("site", "north\nshed")], ("v", InfluxFieldValue.Integer(1))));

        Assert.Equal(@"m,site=north\ shed v=1i 1700000000123456700", line);
    }

    [Fact]
    public void FieldTypes_HaveTheirSuffixes()
    {
        var line = Nanoseconds.Format(Point("m", [],
            ("int", InfluxFieldValue.Integer(42)), ("neg", InfluxFieldValue.Integer(-7)),
            ("yes", InfluxFieldValue.Boolean(true)), ("no", InfluxFieldValue.Boolean(false)),
            ("empty", InfluxFieldValue.String(""))));

        Assert.Equal("m int=42i,neg=-7i,yes=true,no=false,empty=\"\" 1700000000123456700", line);
    }

    [Theory]
    [InlineData(53.0, "53.0")]
    [InlineData(0.0, "0.0")]
    [InlineData(-0.0, "-0.0")]
    [InlineData(-2.25, "-2.25")]
    [InlineData(52.429, "52.429")]
    [InlineData(0.1, "0.1")]
    [InlineData(0.465784, "0.465784")]
    [InlineData(1e20, "1E+20")]
    [InlineData(1.5e-7, "1.5E-07")]
    [InlineData(3.2710000000000004, "3.2710000000000004")]
    public void Floats_AlwaysCarryAPointOrExponent_AndRoundTrip(double value, string expected)
    {
        string text = LineProtocolWriter.FormatFloat(value);

        Assert.Equal(expected, text);
        Assert.Equal(value, double.Parse(text, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void NonFiniteFloats_AreSkipped()
    {
        var line = Nanoseconds.Format(Point("m", [("t", "1")],
            ("nan", InfluxFieldValue.Float(double.NaN)), ("value", InfluxFieldValue.Float(1)),
            ("inf", InfluxFieldValue.Float(double.PositiveInfinity)), ("ninf", InfluxFieldValue.Float(double.NegativeInfinity))));

        Assert.Equal("m,t=1 value=1.0 1700000000123456700", line);
    }

    [Fact]
    public void APointWithoutWritableFields_GivesNoLine()
    {
        var writer = Nanoseconds;
        var builder = new System.Text.StringBuilder("kept");

        Assert.Null(writer.Format(Point("m", [("t", "1")], ("nan", InfluxFieldValue.Float(double.NaN)))));
        Assert.False(writer.Append(builder, Point("m", [("t", "1")])));
        Assert.Equal("kept", builder.ToString());
    }

    [Fact]
    public void AnEmptyMeasurement_IsRefused()
    {
        Assert.Throws<ArgumentException>(() => Nanoseconds.Format(Point("", [], ("v", InfluxFieldValue.Float(1)))));
    }

    [Theory]
    [InlineData("ns", InfluxPrecision.Nanoseconds, "ns", "n")]
    [InlineData("us", InfluxPrecision.Microseconds, "us", "u")]
    [InlineData("MS", InfluxPrecision.Milliseconds, "ms", "ms")]
    [InlineData("s", InfluxPrecision.Seconds, "s", "s")]
    public void Precision_ParsesTheConfigValue_AndSpellsItPerApi(string text, InfluxPrecision expected, string v2, string v1)
    {
        var precision = InfluxPrecisions.Parse(text);

        Assert.Equal(expected, precision);
        Assert.Equal(v2, precision.ToV2QueryValue());
        Assert.Equal(v1, precision.ToV1QueryValue());
    }

    [Fact]
    public void Precision_RejectsOtherUnits_NamingTheKey()
    {
        var error = Assert.Throws<ArgumentException>(() => InfluxPrecisions.Parse("m"));

        Assert.Contains("influxdb.precision", error.Message, StringComparison.Ordinal);
    }
}
