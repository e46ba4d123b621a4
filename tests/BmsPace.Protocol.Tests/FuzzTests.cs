using BmsPace.Benchmarks;

namespace BmsPace.Protocol.Tests;

/// <summary>The short fuzz CI runs (the long one is <c>dotnet run -c Release --project tests/BmsPace.Benchmarks -- fuzz N</c>).</summary>
public sealed class FuzzTests
{
    [Fact]
    public void Mutated_frames_of_every_dialect_are_decoded_or_refused_without_surprises()
    {
        var seeds = DecoderFuzzer.SeedsFrom(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "vectors.json")));
        Assert.Contains(seeds, s => s.Frame.StartsWith("~25", StringComparison.Ordinal));
        Assert.Contains(seeds, s => s.Frame.StartsWith("~20", StringComparison.Ordinal));

        var result = DecoderFuzzer.Run(seeds, 100_000, randomSeed: 15);

        string findings = string.Join("\n", result.Findings.Select(f => $"{f.Kind}: {f.Seed} {f.Dialect}: {f.Detail}; {f.Frame}"));
        Assert.Equal(100_000, result.Frames);
        Assert.True(result.Accepted > 1_000 && result.Rejected > 1_000, result.Summary);
        Assert.True(result.Unexpected == 0, result.Summary + "\n" + findings);
        Assert.True(result.Slow == 0, result.Summary + "\n" + findings);
        Assert.True(result.Implausible == 0, result.Summary + "\n" + findings);
    }
}
