using Prometheus;

namespace BmsPace.Outputs;

/// <summary>How an output declares its own series on /metrics, in the registry every self-metric shares.</summary>
internal static class SelfMetrics
{
    public static Counter Counter(this CollectorRegistry registry, string name, string help, params string[] labels) =>
        Metrics.WithCustomRegistry(registry).CreateCounter(name, help, labels);

    public static Gauge Gauge(this CollectorRegistry registry, string name, string help) =>
        Metrics.WithCustomRegistry(registry).CreateGauge(name, help);
}
