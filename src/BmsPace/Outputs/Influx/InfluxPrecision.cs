namespace BmsPace.Outputs.Influx;

/// <summary>Timestamp unit of the written lines (the <c>precision</c> query parameter).</summary>
public enum InfluxPrecision
{
    Nanoseconds,
    Microseconds,
    Milliseconds,
    Seconds,
}

public static class InfluxPrecisions
{
    /// <summary>Reads the configured <c>influxdb.precision</c>: ns, us, ms or s.</summary>
    /// <exception cref="ArgumentException">Any other value.</exception>
    public static InfluxPrecision Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "ns" => InfluxPrecision.Nanoseconds,
        "us" => InfluxPrecision.Microseconds,
        "ms" => InfluxPrecision.Milliseconds,
        "s" => InfluxPrecision.Seconds,
        _ => throw new ArgumentException($"influxdb.precision must be ns, us, ms or s, not \"{text}\"", nameof(text)),
    };

    /// <summary>The /api/v2/write spelling.</summary>
    public static string ToV2QueryValue(this InfluxPrecision precision) => precision switch
    {
        InfluxPrecision.Nanoseconds => "ns",
        InfluxPrecision.Microseconds => "us",
        InfluxPrecision.Milliseconds => "ms",
        _ => "s",
    };

    /// <summary>The 1.x /write spelling: 1.x reads only n and u for the two finest units ("us" would be taken as ns).</summary>
    public static string ToV1QueryValue(this InfluxPrecision precision) => precision switch
    {
        InfluxPrecision.Nanoseconds => "n",
        InfluxPrecision.Microseconds => "u",
        InfluxPrecision.Milliseconds => "ms",
        _ => "s",
    };

    /// <summary>Time since the Unix epoch in the unit, truncated (DateTimeOffset resolves 100 ns).</summary>
    public static long ToUnixTime(this InfluxPrecision precision, DateTimeOffset timestamp)
    {
        long ticks = timestamp.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        return precision switch
        {
            InfluxPrecision.Nanoseconds => ticks * 100,
            InfluxPrecision.Microseconds => ticks / 10,
            InfluxPrecision.Milliseconds => ticks / TimeSpan.TicksPerMillisecond,
            _ => ticks / TimeSpan.TicksPerSecond,
        };
    }
}
