using System.Text;
using System.Text.RegularExpressions;

namespace BmsPace.Tests.Shipping;

/// <summary>One Dockerfile instruction with its continuation lines joined.</summary>
internal sealed record DockerInstruction(string Keyword, string Arguments, int Stage);

/// <summary>
/// Just enough of the Dockerfile grammar to check what a linter cannot: which stage does what, and whether every
/// COPY source is really in the build context. No Docker engine runs on these machines, so this stands in for
/// the build's own "file not found" errors.
/// </summary>
internal static class DockerfileModel
{
    public static IReadOnlyList<DockerInstruction> Parse(string text)
    {
        var instructions = new List<DockerInstruction>();
        var pending = new StringBuilder();
        var stage = -1;
        foreach (var rawLine in text.Split('\n'))
        {
            var line = rawLine.TrimEnd('\r');
            if (pending.Length == 0 && (line.TrimStart().StartsWith('#') || line.Trim().Length == 0))
            {
                continue;
            }

            if (line.TrimStart().StartsWith('#'))
            {
                continue;
            }

            if (line.EndsWith('\\'))
            {
                pending.Append(line[..^1]).Append(' ');
                continue;
            }

            pending.Append(line);
            var joined = pending.ToString().Trim();
            pending.Clear();
            var space = joined.IndexOf(' ', StringComparison.Ordinal);
            var keyword = (space < 0 ? joined : joined[..space]).ToUpperInvariant();
            var arguments = space < 0 ? "" : Regex.Replace(joined[(space + 1)..].Trim(), @"\s+", " ");
            if (keyword == "FROM")
            {
                stage++;
            }

            instructions.Add(new DockerInstruction(keyword, arguments, stage));
        }

        return instructions;
    }

    /// <summary>The local sources of a COPY or ADD (flags and the destination removed; --from copies have none).</summary>
    public static IReadOnlyList<string> LocalSources(DockerInstruction copy)
    {
        var words = copy.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words.Any(w => w.StartsWith("--from=", StringComparison.Ordinal)))
        {
            return [];
        }

        var paths = words.Where(w => !w.StartsWith("--", StringComparison.Ordinal)).ToList();
        return paths.Take(paths.Count - 1).ToList();
    }
}

/// <summary>The .dockerignore rules: later lines win, "!" re-includes, a match on a parent directory covers its contents.</summary>
internal sealed class DockerIgnore
{
    private readonly List<(Regex Pattern, bool Reinclude)> _rules = [];

    public DockerIgnore(string text)
    {
        foreach (var rawLine in text.Split('\n'))
        {
            var line = rawLine.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var reinclude = line.StartsWith('!');
            var pattern = (reinclude ? line[1..] : line).Trim().Trim('/');
            _rules.Add((new Regex("^" + ToRegex(pattern) + "$", RegexOptions.CultureInvariant), reinclude));
        }
    }

    public bool Excludes(string relativePath)
    {
        var path = relativePath.Trim('/');
        var candidates = new List<string>();
        var parts = path.Split('/');
        for (var length = 1; length <= parts.Length; length++)
        {
            candidates.Add(string.Join('/', parts.Take(length)));
        }

        var excluded = false;
        foreach (var (pattern, reinclude) in _rules)
        {
            if (candidates.Any(pattern.IsMatch))
            {
                excluded = !reinclude;
            }
        }

        return excluded;
    }

    private static string ToRegex(string pattern)
    {
        var regex = new StringBuilder();
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '*' && i + 1 < pattern.Length && pattern[i + 1] == '*')
            {
                var followedBySlash = i + 2 < pattern.Length && pattern[i + 2] == '/';
                regex.Append(followedBySlash ? "(.*/)?" : ".*");
                i += followedBySlash ? 2 : 1;
            }
            else if (c == '*')
            {
                regex.Append("[^/]*");
            }
            else if (c == '?')
            {
                regex.Append("[^/]");
            }
            else
            {
                regex.Append(Regex.Escape(c.ToString()));
            }
        }

        return regex.ToString();
    }
}
