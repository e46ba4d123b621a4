namespace BmsPace.Resilience;

/// <summary>
/// The one backoff of the program, for every reconnect and retry: the pause doubles from <see cref="InitialDelay"/>
/// with each failure in a row, stops growing at <see cref="MaxDelay"/>, and is shortened at random by up to
/// <see cref="JitterFraction"/> so several exporters that lost the same server do not come back in lockstep. Jitter only
/// ever shortens a pause, so <see cref="MaxDelay"/> is a real upper bound.
/// </summary>
public sealed record BackoffPolicy(TimeSpan InitialDelay, TimeSpan MaxDelay, double JitterFraction = 0.5)
{
    /// <summary>The pause after <paramref name="consecutiveFailures"/> failures in a row (1 = the first failure; 0 or less = none).</summary>
    public TimeSpan DelayAfter(int consecutiveFailures)
    {
        if (consecutiveFailures <= 0)
        {
            return TimeSpan.Zero;
        }

        double doubled = InitialDelay.TotalMilliseconds * Math.Pow(2, Math.Min(consecutiveFailures - 1, 30));
        double capped = Math.Min(doubled, MaxDelay.TotalMilliseconds);
        double jitter = Math.Clamp(JitterFraction, 0, 1) * Random.Shared.NextDouble();
        return TimeSpan.FromMilliseconds(capped * (1 - jitter));
    }
}
