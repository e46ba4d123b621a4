using BmsPace.Resilience;

namespace BmsPace.Tests.Resilience;

/// <summary>The one backoff every reconnect and retry uses.</summary>
public sealed class BackoffPolicyTests
{
    [Fact]
    public void The_pause_doubles_with_each_failure_up_to_the_cap_and_jitter_only_shortens_it()
    {
        var policy = new BackoffPolicy(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(10), JitterFraction: 0.3);
        double[] ceilings = [200, 400, 800, 1600, 3200, 6400, 10_000, 10_000, 10_000];
        for (int failures = 1; failures <= ceilings.Length; failures++)
        {
            var delays = Enumerable.Range(0, 200).Select(_ => policy.DelayAfter(failures).TotalMilliseconds).ToList();
            double ceiling = ceilings[failures - 1];
            Assert.All(delays, d => Assert.InRange(d, ceiling * 0.7, ceiling));

            // Spread, so that exporters that lost the same server do not come back in lockstep.
            Assert.True(delays.Max() - delays.Min() > ceiling * 0.1, $"no spread after {failures} failure(s)");
        }

        Assert.InRange(policy.DelayAfter(int.MaxValue), TimeSpan.FromSeconds(7), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void No_failure_means_no_pause_and_no_jitter_means_exact_pauses()
    {
        var exact = new BackoffPolicy(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1), JitterFraction: 0);
        Assert.Equal(TimeSpan.Zero, exact.DelayAfter(0));
        Assert.Equal(TimeSpan.FromSeconds(1), exact.DelayAfter(1));
        Assert.Equal(TimeSpan.FromSeconds(32), exact.DelayAfter(6));
        Assert.Equal(TimeSpan.FromMinutes(1), exact.DelayAfter(7));
    }
}
