using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace BmsPace.Configuration;

/// <summary>
/// The raw configuration before binding: the YAML file, then environment variables and command-line flags laid over
/// it. Every node remembers where it came from so an error can point at the line or the variable that caused it.
/// </summary>
internal abstract class ConfigNode
{
    protected ConfigNode(string origin) => Origin = origin;

    /// <summary>"line 12", "BMSPACE_INFLUXDB__URL", "--connect": where the value was written.</summary>
    public string Origin { get; }

    public abstract string KindName { get; }
}

internal sealed class ConfigScalar : ConfigNode
{
    public ConfigScalar(string value, bool isNull, string origin)
        : base(origin)
    {
        Value = value;
        IsNull = isNull;
    }

    public string Value { get; }

    /// <summary>A YAML null (<c>key:</c>, <c>~</c>, <c>null</c>): the key keeps its default.</summary>
    public bool IsNull { get; }

    public override string KindName => "a single value";
}

internal sealed class ConfigSequence : ConfigNode
{
    public ConfigSequence(string origin)
        : base(origin)
    {
    }

    public List<ConfigNode> Items { get; } = [];

    public override string KindName => "a list";
}

internal sealed class ConfigMapping : ConfigNode
{
    public ConfigMapping(string origin)
        : base(origin)
    {
    }

    /// <summary>In file order, so errors come out in the order the user wrote the keys.</summary>
    public List<KeyValuePair<string, ConfigNode>> Entries { get; } = [];

    public override string KindName => "a mapping of keys";

    public ConfigNode? Get(string key)
    {
        foreach (var entry in Entries)
        {
            if (entry.Key == key)
            {
                return entry.Value;
            }
        }

        return null;
    }

    public void Set(string key, ConfigNode value)
    {
        for (int i = 0; i < Entries.Count; i++)
        {
            if (Entries[i].Key == key)
            {
                Entries[i] = new(key, value);
                return;
            }
        }

        Entries.Add(new(key, value));
    }

    public void Remove(string key) => Entries.RemoveAll(entry => entry.Key == key);
}

/// <summary>Reads a YAML text into a <see cref="ConfigNode"/> tree, or the reason it is not YAML.</summary>
internal static class YamlConfigReader
{
    /// <summary>Deeper than any configuration needs; far from what would exhaust the stack.</summary>
    public const int MaxDepth = 32;

    /// <summary>Values after aliases are expanded: a real configuration has a few hundred; an alias bomb has billions.</summary>
    public const int MaxValues = 100_000;

    public static ConfigNode? Read(string text, List<string> errors)
    {
        // The event pass bounds nesting and alias expansion before the tree is built, and turns every parser
        // exception (YamlDotNet throws more than YamlException for some malformed input) into one line.
        if (CheckStructure(text) is { } problem)
        {
            errors.Add(problem);
            return null;
        }

        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            errors.Add($"line {e.Start.Line}, column {e.Start.Column}: not valid YAML: {Innermost(e).Message}");
            return null;
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or FormatException or KeyNotFoundException)
        {
            errors.Add($"not valid YAML: {Innermost(e).Message}");
            return null;
        }

        if (stream.Documents.Count == 0)
        {
            return null;
        }

        if (stream.Documents.Count > 1)
        {
            errors.Add($"line {stream.Documents[1].RootNode.Start.Line}: the file holds more than one YAML document; allowed: exactly one");
        }

        return Convert(stream.Documents[0].RootNode, "", errors);
    }

    private static string? CheckStructure(string text)
    {
        var parser = new Parser(new StringReader(text));
        var open = new Stack<(AnchorName Anchor, long Values)>();
        var anchored = new Dictionary<string, long>(StringComparer.Ordinal);
        long total = 0;
        Mark last = Mark.Empty;
        try
        {
            while (parser.MoveNext())
            {
                var current = parser.Current!;
                last = current.Start;
                long added = 0;
                switch (current)
                {
                    case Scalar scalar:
                        added = 1;
                        Remember(scalar.Anchor, 1);
                        break;
                    case AnchorAlias alias:
                        if (!anchored.TryGetValue(alias.Value.Value, out added))
                        {
                            return $"line {current.Start.Line}, column {current.Start.Column}: the alias *{alias.Value.Value} refers to the value that contains it (or to no anchor); allowed: aliases of complete values";
                        }

                        break;
                    case NodeEvent node and (SequenceStart or MappingStart):
                        if (open.Count >= MaxDepth)
                        {
                            return $"line {current.Start.Line}, column {current.Start.Column}: nested more than {MaxDepth} levels deep; allowed: at most {MaxDepth}";
                        }

                        open.Push((node.Anchor, 1));
                        total++;
                        break;
                    case SequenceEnd or MappingEnd:
                        var (anchor, values) = open.Pop();
                        Remember(anchor, values);
                        AddToParent(values);
                        break;
                }

                if (added > 0)
                {
                    total += added;
                    AddToParent(added);
                }

                if (total > MaxValues)
                {
                    return $"line {current.Start.Line}, column {current.Start.Column}: aliases expand to more than {MaxValues} values; allowed: at most {MaxValues}";
                }
            }
        }
        catch (YamlException e)
        {
            return $"line {e.Start.Line}, column {e.Start.Column}: not valid YAML: {Innermost(e).Message}";
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or FormatException)
        {
            // These carry no position and a message about the parser's state; the last good event is the place to look.
            return $"line {last.Line}, column {last.Column}: not valid YAML: the text after this point does not fit (an unclosed bracket, brace or quote?)";
        }

        return null;

        void Remember(AnchorName anchor, long values)
        {
            if (!anchor.IsEmpty)
            {
                anchored[anchor.Value] = values;
            }
        }

        void AddToParent(long values)
        {
            if (open.Count > 0)
            {
                var (anchor, sum) = open.Pop();
                open.Push((anchor, sum + values));
            }
        }
    }

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null)
        {
            e = e.InnerException;
        }

        return e;
    }

    private static ConfigNode Convert(YamlNode node, string path, List<string> errors)
    {
        string origin = $"line {node.Start.Line}";
        switch (node)
        {
            case YamlScalarNode scalar:
                bool isNull = scalar.Style == ScalarStyle.Plain && scalar.Value is null or "" or "~" or "null" or "Null" or "NULL";
                return new ConfigScalar(scalar.Value ?? "", isNull, origin);
            case YamlSequenceNode sequence:
                var list = new ConfigSequence(origin);
                foreach (var item in sequence.Children)
                {
                    list.Items.Add(Convert(item, ConfigPath.Child(path, list.Items.Count.ToString(System.Globalization.CultureInfo.InvariantCulture)), errors));
                }

                return list;
            case YamlMappingNode mapping:
                var map = new ConfigMapping(origin);
                foreach (var (keyNode, valueNode) in mapping.Children)
                {
                    if (keyNode is not YamlScalarNode { Value: { Length: > 0 } key })
                    {
                        errors.Add($"{ConfigPath.Display(path)}: a key that is not a plain name (line {keyNode.Start.Line}); allowed: names such as scan_interval");
                        continue;
                    }

                    map.Entries.Add(new(key, Convert(valueNode, ConfigPath.Child(path, key), errors)));
                }

                return map;
            default:
                return new ConfigScalar("", isNull: true, origin);
        }
    }
}

internal static class ConfigPath
{
    public static string Child(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";

    /// <summary>The root has no key path; messages call it "(top level)".</summary>
    public static string Display(string path) => path.Length == 0 ? "(top level)" : path;
}
