using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace BmsPace.Configuration;

/// <summary>
/// The shipped config.yaml (below its prose header) and the README's key tables, rendered from <see cref="ConfigKeys"/>.
/// Written by the hidden command <c>bmspace config-reference FOLDER</c>; ConfigReferenceTests compares.
/// </summary>
internal static partial class ConfigReference
{
    /// <summary>The command that rewrites both files after a key changed, as the test names it.</summary>
    public const string Command = "dotnet run --project src/BmsPace -- config-reference .";

    /// <summary>The README's name for the keys outside any section.</summary>
    public const string TopLevel = "top";

    private const int CommentWidth = 118;

    /// <summary><paramref name="file"/> (the shipped config.yaml) with every key below its own header rendered anew.</summary>
    public static string RenderConfigYaml(string file) => ConfigYamlHeader(file) + RenderKeys();

    /// <summary>The file's own prose: everything up to the blank line before the first key's comment.</summary>
    public static string ConfigYamlHeader(string file)
    {
        var lines = file.Split('\n');
        int firstKey = Array.FindIndex(lines, line => line.Length > 0 && !line.StartsWith('#'));
        int blank = Array.FindLastIndex(lines, Math.Max(firstKey, 0), line => line.Length == 0);
        return blank < 0 ? "" : string.Join('\n', lines[..(blank + 1)]) + "\n";
    }

    /// <summary><paramref name="readme"/> with each generated block's table rendered anew for the sections its marker names.</summary>
    public static string RenderReadme(string readme) =>
        GeneratedBlock().Replace(readme, match => match.Groups["open"].Value + RenderReadmeTable(match.Groups["sections"].Value.Split(' ')) + match.Groups["close"].Value);

    private static string RenderKeys()
    {
        var text = new StringBuilder();
        foreach (var key in ConfigKeys.Root.Keys)
        {
            Comment(text, 0, key.Description);
            if (key.Children.Count == 0)
            {
                Value(text, 0, key);
            }
            else if (key.IsList)
            {
                text.Append(key.Name).Append(":\n");
                foreach (var child in key.Children)
                {
                    Comment(text, 4, child.Description);
                    int start = text.Length;
                    Value(text, 4, child);
                    if (child == key.Children[0])
                    {
                        text.Remove(start, 4).Insert(start, "  - ");
                    }
                }
            }
            else
            {
                Section(text, 0, key);
            }

            text.Append('\n');
        }

        return text.ToString().TrimEnd('\n') + "\n";
    }

    /// <summary>A mapping and its keys, a nested mapping (mqtt.discovery) indented one level further.</summary>
    private static void Section(StringBuilder text, int indent, ConfigKey section)
    {
        text.Append(' ', indent).Append(section.Name).Append(":\n");
        foreach (var child in section.Children)
        {
            Comment(text, indent + 2, child.Description);
            if (child.Children.Count > 0)
            {
                Section(text, indent + 2, child);
            }
            else
            {
                Value(text, indent + 2, child);
            }
        }
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

            TableRows(text, prefix, keys);
        }

        return text.ToString();
    }

    private static void TableRows(StringBuilder text, string prefix, IEnumerable<ConfigKey> keys)
    {
        foreach (var key in keys)
        {
            if (key.Children.Count > 0)
            {
                TableRows(text, prefix + key.Name + ".", key.Children);
                continue;
            }

            string defaultValue = key.DocumentedDefault is { } value ? $"`{value}`" : "unset";
            text.Append(CultureInfo.InvariantCulture, $"| `{prefix}{key.Name}` | {defaultValue} | {key.Description.Replace("|", "\\|", StringComparison.Ordinal)} |\n");
        }
    }

    [GeneratedRegex(@"(?<open><!-- config keys generated from ConfigKeys: (?<sections>[a-z_ ]+) -->\n)(?<table>.*?)(?<close><!-- end of generated config keys -->)", RegexOptions.Singleline)]
    private static partial Regex GeneratedBlock();
}
