using System.CommandLine;

namespace BmsPace.Commands;

/// <summary>
/// The shape of the hidden commands that rewrite repository files from the configuration key table after a key changed
/// (<c>addon-options</c>, <c>config-reference</c>): one folder argument, not listed in <c>--help</c>, not for users.
/// Every file is rendered before any is written, so a refusal leaves the folder as it was.
/// </summary>
internal static class GeneratorCommand
{
    public static Command Create(string name, string description, string folderDescription, params GeneratedFile[] files)
    {
        var folder = new Argument<string>("FOLDER") { Description = folderDescription };
        var command = new Command(name, description)
        {
            folder,
        };
        command.Hidden = true;
        command.SetAction((parseResult, cancellationToken) =>
            WriteAsync(parseResult.GetValue(folder)!, folderDescription, files, parseResult.InvocationConfiguration, cancellationToken));
        return command;
    }

    private static async Task<int> WriteAsync(string folder, string folderDescription, GeneratedFile[] files, InvocationConfiguration console, CancellationToken cancellationToken)
    {
        var written = new List<(string Path, string Text)>();
        foreach (var file in files)
        {
            string path = Path.Combine(folder, file.Path);
            string? current = File.Exists(path) ? await File.ReadAllTextAsync(path, cancellationToken) : null;
            string? text = current is null && !file.MayBeNew ? null : file.Rewrite(current ?? "");
            if (text is null)
            {
                await console.Error.WriteLineAsync(current is null ? $"{path}: no such file to write (give {folderDescription})" : $"{path}: {file.Refusal}");
                return BmsPaceCli.ExitUsage;
            }

            written.Add((path, text));
        }

        foreach (var (path, text) in written)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            await File.WriteAllTextAsync(path, text, cancellationToken);
        }

        await console.Output.WriteLineAsync($"wrote {string.Join(" and ", written.Select(file => file.Path))}");
        return BmsPaceCli.ExitOk;
    }
}

/// <summary>A file a generator rewrites, by its path in the folder.</summary>
/// <param name="Rewrite">The new text from the current one; null when the current text is not one it can rewrite.</param>
/// <param name="Refusal">What is wrong with a current text <paramref name="Rewrite"/> refuses.</param>
internal sealed record GeneratedFile(string Path, Func<string, string?> Rewrite, string Refusal = "")
{
    /// <summary>Whether the file may not exist yet (it is then rewritten from an empty text).</summary>
    public bool MayBeNew { get; init; }

    /// <summary>A file written whole, whatever it held.</summary>
    public static GeneratedFile Whole(string path, Func<string> render) => new(path, _ => render()) { MayBeNew = true };
}
