using System.Text;
using System.Text.RegularExpressions;
using BmsPace.Configuration;

namespace BmsPace.Tests.Configuration;

/// <summary>
/// The shipped config.yaml (below its prose header) and the README's key tables are generated from
/// <see cref="ConfigKeys"/>: these tests render both and compare. After changing a key, run them once with
/// <c>UPDATE_CONFIG_REFERENCE=1</c> to rewrite the files, then review the diff.
/// </summary>
[Trait("Category", "ShippedFiles")]
public sealed partial class ConfigReferenceTests
{
    private const int CommentWidth = 118;

    private const string TopLevel = "top";

    private static bool Update => Environment.GetEnvironmentVariable("UPDATE_CONFIG_REFERENCE") == "1";

    [Fact]
    public void The_shipped_config_yaml_is_the_key_table_with_its_comments()
    {
        string path = Path.Combine(ConfigFixture.RepositoryRoot(), "config.yaml");
        string file = File.ReadAllText(path);
        string header = ConfigYamlHeader(file);
        string expected = header + RenderConfigYaml();
        if (Update && file != expected)
        {
            File.WriteAllText(path, expected);
            file = expected;
        }

        Assert.True(header.Split('\n').All(line => line.Length == 0 || line.StartsWith('#')), "config.yaml's header holds more than comments:\n" + header);
        Assert.Equal(expected, file);
    }

    [Fact]
    public void The_readme_key_tables_are_the_key_table()
    {
        string path = Path.Combine(ConfigFixture.RepositoryRoot(), "README.md");
        string readme = File.ReadAllText(path);
        var markers = GeneratedBlock().Matches(readme);
        string expected = GeneratedBlock().Replace(readme, match => match.Groups["open"].Value + RenderReadmeTable(match.Groups["sections"].Value.Split(' ')) + match.Groups["close"].Value);
        if (Update && readme != expected)
        {
            File.WriteAllText(path, expected);
            readme = expected;
        }

        var documented = markers.SelectMany(match => match.Groups["sections"].Value.Split(' ')).ToList();
        var sections = ConfigKeys.Root.Keys.Where(key => key.Children.Count > 0).Select(key => key.Name).Prepend(TopLevel).ToList();
        Assert.Equal(sections.Order(), documented.Order());
        Assert.Equal(expected, readme);
    }

    [Fact]
    public void Every_key_has_a_description_and_a_default_or_an_example()
    {
        var keys = ConfigKeys.Root.Keys.Cast<ConfigKey>().SelectMany(key => key.Children.Prepend(key)).ToList();

        Assert.Contains(keys, key => key.Name == "token_file");
        Assert.All(keys, key => Assert.EndsWith(".", key.Description, StringComparison.Ordinal));
        Assert.All(keys.Where(key => key.Children.Count == 0), key => Assert.True(key.DocumentedDefault is not null || key.Example is not null, key.Name));
    }

    /// <summary>The file's own prose: everything up to the blank line before the first key's comment.</summary>
    private static string ConfigYamlHeader(string file)
    {
        var lines = file.Split('\n');
        int firstKey = Array.FindIndex(lines, line => line.Length > 0 && !line.StartsWith('#'));
        int blank = Array.FindLastIndex(lines, Math.Max(firstKey, 0), line => line.Length == 0);
        return blank < 0 ? "" : string.Join('\n', lines[..(blank + 1)]) + "\n";
    }

    private static string RenderConfigYaml()
    {
        var text = new StringBuilder();
        foreach (var key in ConfigKeys.Root.Keys)
        {
            Comment(text, 0, key.Description);
            if (key.Children.Count == 0)
            {
                Value(text, 0, key);
            }
            else
            {
                text.Append(key.Name).Append(":\n");
                foreach (var child in key.Children)
                {
                    if (key.IsList)
                    {
                        Comment(text, 4, child.Description);
                        int start = text.Length;
                        Value(text, 4, child);
                        if (child == key.Children[0])
                        {
                            text.Remove(start, 4).Insert(start, "  - ");
                        }
                    }
                    else
                    {
                        Comment(text, 2, child.Description);
                        Value(text, 2, child);
                    }
                }
            }

            text.Append('\n');
        }

        return text.ToString().TrimEnd('\n') + "\n";
    }

    private static void Value(StringBuilder text, int indent, ConfigKey key)
    {
        text.Append(' ', indent);
        if (key.DocumentedDefault is { } value)
        {
            text.Append(key.Name).Append(": ").Append(value).Append('\n');
        }
        else
        {
            text.Append("# ").Append(key.Name).Append(": ").Append(key.Example).Append('\n');
        }
    }

    private static void Comment(StringBuilder text, int indent, string description)
    {
        string prefix = new string(' ', indent) + "# ";
        var line = new StringBuilder(prefix);
        foreach (string word in description.Replace("`", "", StringComparison.Ordinal).Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.Length > prefix.Length && line.Length + 1 + word.Length > CommentWidth)
            {
                text.Append(line).Append('\n');
                line.Clear().Append(prefix);
            }

            if (line.Length > prefix.Length)
            {
                line.Append(' ');
            }

            line.Append(word);
        }

        text.Append(line).Append('\n');
    }

    private static string RenderReadmeTable(IEnumerable<string> sections)
    {
        var text = new StringBuilder("| key | default | meaning |\n|---|---|---|\n");
        foreach (string section in sections)
        {
            IEnumerable<ConfigKey> keys;
            string prefix;
            if (section == TopLevel)
            {
                keys = ConfigKeys.Root.Keys.Where(key => key.Children.Count == 0);
                prefix = "";
            }
            else
            {
                var parent = ConfigKeys.Root.Keys.Single(key => key.Name == section);
                keys = parent.Children;
                prefix = parent.IsList ? "" : section + ".";
            }

            foreach (var key in keys)
            {
                string defaultValue = key.DocumentedDefault is { } value ? $"`{value}`" : "unset";
                text.Append($"| `{prefix}{key.Name}` | {defaultValue} | {key.Description.Replace("|", "\\|", StringComparison.Ordinal)} |\n");
            }
        }

        return text.ToString();
    }

    [GeneratedRegex(@"(?<open><!-- config keys generated from ConfigKeys: (?<sections>[a-z_ ]+) -->\n)(?<table>.*?)(?<close><!-- end of generated config keys -->)", RegexOptions.Singleline)]
    private static partial Regex GeneratedBlock();
}
