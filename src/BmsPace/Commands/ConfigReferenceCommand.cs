using System.CommandLine;
using BmsPace.Configuration;

namespace BmsPace.Commands;

/// <summary>
/// Hidden: rewrites the shipped config.yaml's keys and comments and the README's key tables from the configuration key
/// table, after a key changed. Not for users: it writes repository files.
/// </summary>
internal static class ConfigReferenceCommand
{
    public static Command Create() => GeneratorCommand.Create(
        "config-reference",
        "Write config.yaml's keys and the README's key tables from the configuration key table.",
        "The repository's root (the folder of config.yaml and README.md).",
        WriteAsync);

    private static async Task<int> WriteAsync(string folder, InvocationConfiguration console, CancellationToken cancellationToken)
    {
        string configPath = Path.Combine(folder, "config.yaml");
        string readmePath = Path.Combine(folder, "README.md");
        if (!File.Exists(configPath) || !File.Exists(readmePath))
        {
            await console.Error.WriteLineAsync($"{folder}: no config.yaml and README.md to write (give the repository's root)");
            return BmsPaceCli.ExitUsage;
        }

        string config = await File.ReadAllTextAsync(configPath, cancellationToken);
        await File.WriteAllTextAsync(configPath, ConfigReference.RenderConfigYaml(config), cancellationToken);
        string readme = await File.ReadAllTextAsync(readmePath, cancellationToken);
        await File.WriteAllTextAsync(readmePath, ConfigReference.RenderReadme(readme), cancellationToken);
        await console.Output.WriteLineAsync($"wrote {configPath} and {readmePath}");
        return BmsPaceCli.ExitOk;
    }
}
