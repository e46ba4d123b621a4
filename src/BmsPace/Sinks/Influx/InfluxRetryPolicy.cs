namespace BmsPace.Sinks.Influx;

/// <summary>Backoff between attempts at a batch the server did not take: doubling from <see cref="InitialBackoff"/> up to <see cref="MaxBackoff"/>, each wait jittered down by up to half so restarted exporters do not retry in step.</summary>
public sealed record InfluxRetryPolicy(TimeSpan InitialBackoff, TimeSpan MaxBackoff)
{
    /// <summary>1 s first (a restarting server is usually back within seconds), at most one minute (an outage costs one request a minute).</summary>
    public static InfluxRetryPolicy Default { get; } = new(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1));

    public TimeSpan DelayFor(int attempt)
    {
        double doubled = InitialBackoff.TotalMilliseconds * Math.Pow(2, Math.Clamp(attempt - 1, 0, 30));
        double capped = Math.Min(doubled, MaxBackoff.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(capped * (0.5 + (Random.Shared.NextDouble() * 0.5)));
    }
}
