namespace BmsPace.Tests.Shipping;

/// <summary>
/// A <c>docker run</c> command as the README's Docker section writes it (continuation lines joined), turned into the
/// command a test runs: the image name, host paths and the container name swapped for the test's, and test-only
/// flags (a free port, faster health checks) added. Everything else runs as written.
/// </summary>
internal sealed class ReadmeDockerCommand
{
    private readonly List<string> _words;

    private ReadmeDockerCommand(List<string> words) => _words = words;

    public IReadOnlyList<string> Words => _words;

    /// <summary>The README's command that starts with <paramref name="prefix"/>.</summary>
    public static ReadmeDockerCommand Find(string prefix)
    {
        var lines = File.ReadAllLines(RepositoryFiles.PathOf("README.md"));
        int start = Array.FindIndex(lines, line => line.StartsWith(prefix, StringComparison.Ordinal));
        Assert.True(start >= 0, $"README.md has no command starting with '{prefix}'");
        var command = new List<string>();
        for (int index = start; index < lines.Length; index++)
        {
            string line = lines[index].Trim();
            bool continues = line.EndsWith('\\');
            command.AddRange(line.TrimEnd('\\').Split(' ', StringSplitOptions.RemoveEmptyEntries));
            if (!continues)
            {
                break;
            }
        }

        Assert.Equal(["docker", "run"], command.Take(2));
        return new ReadmeDockerCommand(command);
    }

    /// <summary>Replaces a whole word (the image name, a <c>--name</c> value).</summary>
    public ReadmeDockerCommand Replace(string word, string replacement)
    {
        int index = _words.IndexOf(word);
        Assert.True(index >= 0, $"the README's command has no word '{word}': {string.Join(' ', _words)}");
        _words[index] = replacement;
        return this;
    }

    /// <summary>Replaces the host side of a <c>-v</c> or <c>--device</c> mapping that ends in <paramref name="containerPath"/>.</summary>
    public ReadmeDockerCommand MapHostPath(string containerPath, string hostPath)
    {
        int index = _words.FindIndex(word => word.Contains(':' + containerPath, StringComparison.Ordinal));
        Assert.True(index >= 0, $"the README's command maps nothing to {containerPath}");
        _words[index] = hostPath + _words[index][_words[index].IndexOf(':' + containerPath, StringComparison.Ordinal)..];
        return this;
    }

    /// <summary>Drops a flag and its value (the real-battery command's <c>--device</c>, for a simulated battery).</summary>
    public ReadmeDockerCommand Without(string flag)
    {
        int index = _words.IndexOf(flag);
        Assert.True(index >= 0, $"the README's command has no {flag}");
        _words.RemoveRange(index, 2);
        return this;
    }

    /// <summary>Adds flags right after <c>docker run</c>.</summary>
    public ReadmeDockerCommand Add(params string[] flags)
    {
        _words.InsertRange(2, flags);
        return this;
    }

    /// <summary>The arguments for the docker client (without the leading "docker").</summary>
    public string[] Arguments => [.. _words.Skip(1)];
}
