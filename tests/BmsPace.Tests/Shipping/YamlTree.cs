using YamlDotNet.RepresentationModel;

namespace BmsPace.Tests.Shipping;

/// <summary>Reads a YAML file as a node tree and walks it with failures that name the file and the key.</summary>
internal static class YamlTree
{
    public static YamlStream LoadStream(string path)
    {
        using var reader = new StreamReader(path);
        var stream = new YamlStream();
        stream.Load(reader);
        return stream;
    }

    public static YamlMappingNode LoadMapping(string path)
    {
        var stream = LoadStream(path);
        Assert.True(stream.Documents.Count == 1, $"{RepositoryFiles.Relative(path)} should hold one YAML document");
        return Assert.IsType<YamlMappingNode>(stream.Documents[0].RootNode);
    }

    public static YamlNode? Find(this YamlMappingNode mapping, string key) =>
        mapping.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

    public static YamlMappingNode Mapping(this YamlMappingNode mapping, string key) =>
        Assert.IsType<YamlMappingNode>(mapping.Find(key) ?? throw new KeyNotFoundException($"no '{key}' at {mapping.Start}"));

    public static YamlSequenceNode Sequence(this YamlMappingNode mapping, string key) =>
        Assert.IsType<YamlSequenceNode>(mapping.Find(key) ?? throw new KeyNotFoundException($"no '{key}' at {mapping.Start}"));

    public static string Text(this YamlMappingNode mapping, string key) =>
        Assert.IsType<YamlScalarNode>(mapping.Find(key) ?? throw new KeyNotFoundException($"no '{key}' at {mapping.Start}")).Value ?? "";

    public static IEnumerable<string> Texts(this YamlSequenceNode sequence) =>
        sequence.Children.Select(node => Assert.IsType<YamlScalarNode>(node).Value ?? "");
}
