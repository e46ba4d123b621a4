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
        "the repository's root, the folder of config.yaml and README.md",
        new GeneratedFile("config.yaml", ConfigReference.RenderConfigYaml),
        new GeneratedFile("README.md", ConfigReference.RenderReadme));
}
