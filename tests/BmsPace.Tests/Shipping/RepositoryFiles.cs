namespace BmsPace.Tests.Shipping;

/// <summary>Finds files of the checkout the tests were built from, so the shipping checks read the real files.</summary>
internal static class RepositoryFiles
{
    private static readonly Lazy<string> RootDirectory = new(FindRoot);

    public static string Root => RootDirectory.Value;

    /// <summary>Scratch space inside the checkout (git-ignored), kept between runs for tool caches.</summary>
    public static string WorkDirectory => Path.Combine(Root, ".test-work");

    public static string PathOf(params string[] relativeParts) => Path.Combine([Root, .. relativeParts]);

    /// <summary>Every file of the checkout except build output, tool caches and git internals.</summary>
    public static IEnumerable<string> EnumerateSourceFiles()
    {
        var skipped = new HashSet<string>(StringComparer.Ordinal) { ".git", "bin", "obj", "node_modules", ".test-work", "TestResults", "BenchmarkDotNet.Artifacts", "artifacts" };
        var pending = new Stack<string>();
        pending.Push(Root);
        while (pending.Count > 0)
        {
            var directory = pending.Pop();
            foreach (var file in Directory.EnumerateFiles(directory))
            {
                yield return file;
            }

            foreach (var child in Directory.EnumerateDirectories(directory))
            {
                if (!skipped.Contains(Path.GetFileName(child)))
                {
                    pending.Push(child);
                }
            }
        }
    }

    public static string Relative(string fullPath) => Path.GetRelativePath(Root, fullPath).Replace('\\', '/');

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "BmsPace.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No BmsPace.sln above {AppContext.BaseDirectory}: the shipping tests must run from a checkout.");
    }
}
