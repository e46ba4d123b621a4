namespace BmsPace.Benchmarks;

internal static partial class BenchmarkCatalog
{
    /// <summary>Each benchmark file adds itself here.</summary>
    public static void RegisterAll()
    {
        LinePacingBenchmark.Register();
    }
}
