using System.CommandLine;
using BmsPace.Configuration;

namespace BmsPace.Commands;

/// <summary>
/// Hidden: rewrites the Home Assistant add-on's options, schema (in config.yaml, below its marker line) and
/// translations/en.yaml from the configuration key table, after a key changed. Not for users: it writes repository files.
/// </summary>
internal static class AddOnOptionsCommand
{
    public static Command Create() => GeneratorCommand.Create(
        "addon-options",
        "Write the add-on's options, schema and translations from the configuration key table.",
        "The add-on folder (deploy/home-assistant/bmspace).",
        WriteAsync);

    private static async Task<int> WriteAsync(string folder, InvocationConfiguration console, CancellationToken cancellationToken)
    {
        string configPath = Path.Combine(folder, "config.yaml");
        string config = await File.ReadAllTextAsync(configPath, cancellationToken);
        int marker = config.IndexOf(AddOnOptions.GeneratedMarker, StringComparison.Ordinal);
        if (marker < 0)
        {
            await console.Error.WriteLineAsync($"{configPath}: no line '{AddOnOptions.GeneratedMarker}' to write below");
            return BmsPaceCli.ExitUsage;
        }

        await File.WriteAllTextAsync(configPath, config[..marker] + AddOnOptions.GeneratedMarker + "\n" + AddOnOptions.RenderConfigBlocks(), cancellationToken);
        Directory.CreateDirectory(Path.Combine(folder, "translations"));
        await File.WriteAllTextAsync(Path.Combine(folder, "translations", "en.yaml"), AddOnOptions.RenderTranslations(), cancellationToken);
        await console.Output.WriteLineAsync($"wrote {configPath} and {Path.Combine(folder, "translations", "en.yaml")}");
        return BmsPaceCli.ExitOk;
    }
}
