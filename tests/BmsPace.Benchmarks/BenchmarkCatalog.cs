namespace BmsPace.Benchmarks;

internal static partial class BenchmarkCatalog
{
    /// <summary>Each benchmark file adds itself here.</summary>
    public static void RegisterAll()
    {
        RegisterMetricsEndpoint();
        InfluxBenchmarks.Register();
        PollCycleBenchmark.Register();
        ModbusPollCycleBenchmark.Register();
        LinePacingBenchmark.Register();
        ScaleBenchmark.Register();
        MqttBenchmark.Register();
        FuzzCommand.Register();
        FootprintBenchmark.Register();
        StatusPageBenchmarks.Register();
    }

    /// <summary>Prometheus /metrics versus nginx (MetricsEndpointBenchmark.cs).</summary>
    static partial void RegisterMetricsEndpoint();
}
