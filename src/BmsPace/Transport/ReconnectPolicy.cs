namespace BmsPace.Transport;

/// <summary>
/// How long a transport waits before it opens a link again after a failure: exponential from
/// <see cref="InitialDelay"/>, capped at <see cref="MaxDelay"/>, spread by +-<see cref="JitterFraction"/> so several
/// exporters that lost the same TCP serial server do not reconnect in lockstep.
/// </summary>
public sealed record ReconnectPolicy
{
    public static ReconnectPolicy Default { get; } = new();

    public TimeSpan InitialDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(10);

    public double JitterFraction { get; init; } = 0.2;

    /// <summary>The pause after <paramref name="consecutiveFailures"/> failures in a row (1 = the first failure).</summary>
    public TimeSpan DelayAfter(int consecutiveFailures, Random random)
    {
        if (consecutiveFailures <= 0)
        {
            return TimeSpan.Zero;
        }

        double factor = Math.Pow(2, Math.Min(consecutiveFailures - 1, 30));
        double baseMs = Math.Min(InitialDelay.TotalMilliseconds * factor, MaxDelay.TotalMilliseconds);
        double jitter = 1 + (((random.NextDouble() * 2) - 1) * JitterFraction);
        return TimeSpan.FromMilliseconds(Math.Max(0, baseMs * jitter));
    }
}
