using System.Text.RegularExpressions;
using BmsPace.Commands;
using BmsPace.Configuration;

namespace BmsPace.Tests.Configuration;

/// <summary>
/// The shipped config.yaml (below its prose header) and the README's key tables are rendered from
/// <see cref="ConfigKeys"/> by <see cref="ConfigReference"/>: these tests compare. After changing a key, run
/// <c>dotnet run --project src/BmsPace -- config-reference .</c> and review the diff.
/// </summary>
[Trait("Category", "ShippedFiles")]
public sealed class ConfigReferenceTests
{
    [Fact]
    public void The_shipped_config_yaml_is_the_key_table_with_its_comments()
    {
        string file = File.ReadAllText(Path.Combine(ConfigFixture.RepositoryRoot(), "config.yaml"));
        string header = ConfigReference.ConfigYamlHeader(file);

        Assert.True(header.Split('\n').All(line => line.Length == 0 || line.StartsWith('#')), "config.yaml's header holds more than comments:\n" + header);
        Assert.True(ConfigReference.RenderConfigYaml(file) == file, $"config.yaml differs from the key table; run `{ConfigReference.Command}` and review the diff");
    }

    [Fact]
    public void The_readme_key_tables_are_the_key_table()
    {
        string readme = File.ReadAllText(Path.Combine(ConfigFixture.RepositoryRoot(), "README.md"));
        var sections = ConfigKeys.Root.Keys.Where(key => key.Children.Count > 0).Select(key => key.Name).Prepend(ConfigReference.TopLevel);
        var named = Regex.Matches(readme, "<!-- config keys generated from ConfigKeys: (?<sections>[a-z_ ]+) -->")
            .SelectMany(match => match.Groups["sections"].Value.Split(' '));

        Assert.Equal(sections.Order(), named.Order());
        Assert.True(ConfigReference.RenderReadme(readme) == readme, $"the README's key tables differ from the key table; run `{ConfigReference.Command}` and review the diff");
    }

    [Fact]
    public async Task The_hidden_config_reference_command_writes_what_the_tests_compare()
    {
        string folder = Directory.CreateTempSubdirectory("bmspace-config-reference-").FullName;
        try
        {
            string root = ConfigFixture.RepositoryRoot();
            string config = await File.ReadAllTextAsync(Path.Combine(root, "config.yaml"));
            string readme = await File.ReadAllTextAsync(Path.Combine(root, "README.md"));
            const string open = "<!-- config keys generated from ConfigKeys: top -->\n";
            int start = readme.IndexOf(open, StringComparison.Ordinal) + open.Length;
            int end = readme.IndexOf("<!-- end of generated config keys -->", start, StringComparison.Ordinal);
            string staleReadme = readme[..start] + "| stale |\n" + readme[end..];
            await File.WriteAllTextAsync(Path.Combine(folder, "config.yaml"), ConfigReference.ConfigYamlHeader(config) + "stale: true\n");
            await File.WriteAllTextAsync(Path.Combine(folder, "README.md"), staleReadme);

            using var output = new StringWriter();
            using var error = new StringWriter();

            int exit = await BmsPaceCli.InvokeAsync(["config-reference", folder], output, error);

            Assert.True(exit == 0, error.ToString());
            Assert.Contains("wrote", output.ToString(), StringComparison.Ordinal);
            Assert.Equal(ConfigReference.RenderConfigYaml(config), await File.ReadAllTextAsync(Path.Combine(folder, "config.yaml")));
            Assert.Equal(ConfigReference.RenderReadme(readme), await File.ReadAllTextAsync(Path.Combine(folder, "README.md")));
            Assert.NotEqual(staleReadme, readme);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Every_key_has_a_description_and_a_default_or_an_example()
    {
        var keys = ConfigKeys.Root.Keys.Cast<ConfigKey>().SelectMany(Descendants).ToList();

        Assert.Contains(keys, key => key.Name == "token_file");
        Assert.Contains(keys, key => key.Name == "prefix");
        Assert.All(keys, key => Assert.EndsWith(".", key.Description, StringComparison.Ordinal));
        Assert.All(keys.Where(key => key.Children.Count == 0), key => Assert.True(key.DocumentedDefault is not null || key.Example is not null, key.Name));
    }

    private static IEnumerable<ConfigKey> Descendants(ConfigKey key) => key.Children.SelectMany(Descendants).Prepend(key);
}
