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
        "the add-on folder, deploy/home-assistant/bmspace",
        new GeneratedFile("config.yaml", AddOnOptions.RewriteConfig, $"no line '{AddOnOptions.GeneratedMarker}' to write below"),
        GeneratedFile.Whole(Path.Combine("translations", "en.yaml"), AddOnOptions.RenderTranslations));
}
