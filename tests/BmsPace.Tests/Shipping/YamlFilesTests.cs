using YamlDotNet.Core;

namespace BmsPace.Tests.Shipping;

[Trait("Category", "ShippedFiles")]
public sealed class YamlFilesTests
{
    /// <summary>Every YAML file the project ships; tests/ is left out because its fixtures include deliberately broken YAML.</summary>
    [Fact]
    public void Every_shipped_yaml_file_parses()
    {
        var files = RepositoryFiles.EnumerateSourceFiles()
            .Where(f => f.EndsWith(".yml", StringComparison.Ordinal) || f.EndsWith(".yaml", StringComparison.Ordinal))
            .Where(f => !RepositoryFiles.Relative(f).StartsWith("tests/", StringComparison.Ordinal))
            .ToList();
        Assert.Contains(RepositoryFiles.PathOf("deploy", "compose.yaml"), files);
        Assert.Contains(RepositoryFiles.PathOf("deploy", "prometheus", "prometheus.yml"), files);

        var problems = new List<string>();
        foreach (var file in files)
        {
            try
            {
                var stream = YamlTree.LoadStream(file);
                if (stream.Documents.Count == 0)
                {
                    problems.Add($"{RepositoryFiles.Relative(file)}: empty");
                }
            }
            catch (YamlException error)
            {
                problems.Add($"{RepositoryFiles.Relative(file)}: {error.Message} at {error.Start}");
            }
        }

        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }
}
