namespace BmsPace.Benchmarks;

/// <summary>Benchmarks that report ratios, not pass/fail: run with <c>dotnet run -c Release --project tests/BmsPace.Benchmarks -- NAME</c>.</summary>
internal static class BenchmarkRunner
{
    private static readonly Dictionary<string, (string Description, Func<string[], Task<int>> Run)> Benchmarks = new(StringComparer.Ordinal);

    public static void Register(string name, string description, Func<string[], Task<int>> run) => Benchmarks[name] = (description, run);

    public static async Task<int> RunAsync(string[] args)
    {
        BenchmarkCatalog.RegisterAll();
        if (args.Length == 0 || !Benchmarks.TryGetValue(args[0], out var benchmark))
        {
            await Console.Error.WriteLineAsync("usage: BmsPace.Benchmarks NAME [ARGS]; benchmarks:");
            foreach (var (name, entry) in Benchmarks.OrderBy(b => b.Key, StringComparer.Ordinal))
            {
                await Console.Error.WriteLineAsync($"  {name}: {entry.Description}");
            }

            return 2;
        }

        return await benchmark.Run(args[1..]);
    }
}
