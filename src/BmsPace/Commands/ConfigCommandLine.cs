using System.CommandLine;
using BmsPace.Configuration;

namespace BmsPace.Commands;

/// <summary>
/// The configuration flags shared by <c>run</c> and <c>once</c> (<c>--config</c>, <c>--connect</c>, <c>--listen</c>,
/// <c>--simulate</c>), and the step from a parse result to loaded options or exit code 2.
/// </summary>
public sealed class ConfigCommandLine
{
    private ConfigCommandLine(bool withListen, bool withSimulate)
    {
        Listen = withListen
            ? new Option<string?>("--listen") { Description = "Serve the status page, /metrics and the health endpoints on HOST:PORT (overrides prometheus.listen and switches /metrics on).", HelpName = "HOST:PORT" }
            : null;
        WebConfigFile = withListen
            ? new Option<string?>("--web.config.file") { Description = "TLS and basic auth for every endpoint: a web configuration file of the Prometheus exporter toolkit (overrides prometheus.web_config_file).", HelpName = "PATH" }
            : null;
        Simulate = withSimulate
            ? new Option<bool>("--simulate") { Description = "Read the built-in simulated battery; the same as --connect simulator." }
            : null;
    }

    public Option<string?> Config { get; } = new("--config")
    {
        Description = "The configuration file (default: ./config.yaml when it exists, else built-in defaults). Environment variables BMSPACE_KEY__PATH override it.",
        HelpName = "PATH",
    };

    public Option<string?> Connect { get; } = new("--connect")
    {
        Description = "Connection of the single battery (named main without a config): tcp://HOST:PORT, serial:///dev/ttyUSB0?baud=9600, or simulator?packs=3&cells=16&tail=14.",
        HelpName = "URI",
    };

    public Option<string?> Protocol { get; } = new("--protocol")
    {
        Description = $"Dialect of the single battery (overrides its protocol key): {ConfigBinder.ProtocolsAllowed}.",
        HelpName = "NAME",
    };

    public Option<string?>? Listen { get; }

    public Option<string?>? WebConfigFile { get; }

    public Option<bool>? Simulate { get; }

    /// <summary>Adds the flags to <paramref name="command"/>; each command gets its own option instances.</summary>
    public static ConfigCommandLine AddTo(Command command, bool withListen = true, bool withSimulate = true)
    {
        var flags = new ConfigCommandLine(withListen, withSimulate);
        command.Options.Add(flags.Config);
        command.Options.Add(flags.Connect);
        command.Options.Add(flags.Protocol);
        if (flags.Listen is not null)
        {
            command.Options.Add(flags.Listen);
            command.Options.Add(flags.WebConfigFile!);
        }

        if (flags.Simulate is not null)
        {
            command.Options.Add(flags.Simulate);
        }

        return flags;
    }

    /// <summary>The sources for <see cref="ConfigLoader.LoadAsync"/>, with the process's environment and working directory.</summary>
    public ConfigSources ToSources(ParseResult parseResult) => new()
    {
        ConfigPath = parseResult.GetValue(Config),
        Connect = parseResult.GetValue(Connect),
        Protocol = parseResult.GetValue(Protocol),
        Listen = Listen is null ? null : parseResult.GetValue(Listen),
        WebConfigFile = WebConfigFile is null ? null : parseResult.GetValue(WebConfigFile),
        Simulate = Simulate is not null && parseResult.GetValue(Simulate),
        EnvironmentVariables = ConfigSources.ProcessEnvironment(),
        WorkingDirectory = Directory.GetCurrentDirectory(),
    };

    /// <summary>A file of junk can hold a million problems; the first ones say enough.</summary>
    public const int MaxListedProblems = 50;

    /// <summary>Notices (keys read but not used, an empty file) on standard error, before anything starts.</summary>
    public static async Task WriteNoticesAsync(ConfigLoadResult result, TextWriter error)
    {
        foreach (string notice in result.Notices)
        {
            await error.WriteLineAsync($"bmspace: {notice}");
        }
    }

    /// <summary>Prints every configuration problem to <paramref name="error"/> and returns the exit code for invalid configuration (2).</summary>
    public static async Task<int> ReportErrorsAsync(ConfigLoadResult result, TextWriter error)
    {
        // Problems that all come from flags are not the file's: naming it would send the user to the wrong place.
        bool onlyFlags = result.Errors.All(problem => problem.StartsWith("--", StringComparison.Ordinal));
        string where = result.ConfigFile is null || onlyFlags ? "" : $" (file {result.ConfigFile})";
        await error.WriteLineAsync($"bmspace: invalid configuration{where}, {result.Errors.Count} problem{(result.Errors.Count == 1 ? "" : "s")}:");
        foreach (string problem in result.Errors.Take(MaxListedProblems))
        {
            await error.WriteLineAsync($"  {problem}");
        }

        if (result.Errors.Count > MaxListedProblems)
        {
            await error.WriteLineAsync($"  and {result.Errors.Count - MaxListedProblems} more");
        }

        return BmsPaceCli.ExitUsage;
    }
}
