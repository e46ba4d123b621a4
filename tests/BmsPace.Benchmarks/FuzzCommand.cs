using System.Diagnostics;
using System.Globalization;

namespace BmsPace.Benchmarks;

/// <summary><c>fuzz N [SEED]</c>: <see cref="DecoderFuzzer"/> over the frames of vectors.json, ending with the summary line.</summary>
internal static class FuzzCommand
{
    public static void Register() => BenchmarkRunner.Register(
        "fuzz",
        "fuzz N [SEED]: mutate real frames of every dialect (and cut byte streams with the transport's assembler), decode each; prints unexpected exceptions, slow frames and implausible values",
        RunAsync);

    private static async Task<int> RunAsync(string[] args)
    {
        long frames = args.Length > 0 ? long.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
        int seed = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1;
        string vectors = FindVectors();
        var seeds = DecoderFuzzer.SeedsFrom(await File.ReadAllTextAsync(vectors));
        Console.WriteLine($"fuzzing {frames} frames from {seeds.Count} real frames of {vectors}, seed {seed}");
        var elapsed = Stopwatch.StartNew();
        var result = DecoderFuzzer.Run(seeds, frames, seed);
        foreach (var finding in result.Findings)
        {
            Console.WriteLine($"{finding.Kind}: seed {finding.Seed}, dialect {finding.Dialect}: {finding.Detail}; frame {finding.Frame.Replace("\r", "\\r", StringComparison.Ordinal)}");
        }

        Console.WriteLine($"({elapsed.Elapsed.TotalSeconds:F1} s)");
        Console.WriteLine(result.Summary);
        return result.Unexpected == 0 && result.Slow == 0 && result.Implausible == 0 ? 0 : 1;
    }

    private static string FindVectors()
    {
        foreach (string start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "tests", "BmsPace.Protocol.Tests", "Fixtures", "vectors.json");
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        throw new FileNotFoundException("tests/BmsPace.Protocol.Tests/Fixtures/vectors.json not found above the working directory");
    }
}
