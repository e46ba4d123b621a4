using YamlDotNet.Core;
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
    public static ConfigNode? Read(string text, List<string> errors)
    {
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
