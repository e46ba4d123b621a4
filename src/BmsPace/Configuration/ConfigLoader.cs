using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace BmsPace.Configuration;

/// <summary>Everything the configuration is built from. Tests pass their own environment; the program passes the process's.</summary>
public sealed record ConfigSources
{
    /// <summary><c>--config PATH</c>; a missing file is an error. Null: <c>./config.yaml</c> when it exists, else defaults only.</summary>
    public string? ConfigPath { get; init; }

    /// <summary>Where <c>./config.yaml</c> is looked for and relative paths are resolved against.</summary>
    public string WorkingDirectory { get; init; } = Directory.GetCurrentDirectory();

    /// <summary>
    /// Where a Home Assistant add-on finds its options (JSON, which the YAML reader takes as it is), looked for when
    /// the working directory has no config.yaml; null looks nowhere else.
    /// </summary>
    public string? AddOnOptionsPath { get; init; } = "/data/options.json";

    /// <summary>Variables whose names start with <c>BMSPACE_</c> override keys; the others are ignored.</summary>
    public IReadOnlyDictionary<string, string> EnvironmentVariables { get; init; } = new Dictionary<string, string>();

    /// <summary><c>--connect URI</c>: replaces the connection of the single battery.</summary>
    public string? Connect { get; init; }

    /// <summary><c>--protocol NAME</c>: replaces the protocol of the single battery.</summary>
    public string? Protocol { get; init; }

    /// <summary><c>--simulate</c>: the same as <c>--connect simulator</c>.</summary>
    public bool Simulate { get; init; }

    /// <summary><c>--listen HOST:PORT</c>: where /metrics is served.</summary>
    public string? Listen { get; init; }

    /// <summary><c>--web.config.file PATH</c>: TLS and basic auth for the endpoints (overrides prometheus.web_config_file).</summary>
    public string? WebConfigFile { get; init; }

    /// <summary>The process's environment, for <see cref="EnvironmentVariables"/>.</summary>
    public static IReadOnlyDictionary<string, string> ProcessEnvironment()
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            if (entry.Key is string name && entry.Value is string value)
            {
                result[name] = value;
            }
        }

        return result;
    }
}

/// <summary>The options, or every problem found; plus notices worth logging (keys that are read but not used).</summary>
public sealed record ConfigLoadResult(BmsPaceOptions? Options, IReadOnlyList<string> Errors, IReadOnlyList<string> Notices, string? ConfigFile)
{
    [MemberNotNullWhen(true, nameof(Options))]
    public bool IsValid => Options is not null && Errors.Count == 0;
}

/// <summary>
/// Builds <see cref="BmsPaceOptions"/> from config.yaml, the environment and the command line (flags win over the
/// environment, which wins over the file, which wins over the defaults), and reports every problem at once.
/// </summary>
public static class ConfigLoader
{
    public const string DefaultFileName = "config.yaml";

    /// <summary>A configuration is a few kilobytes; the limit keeps /dev/zero or a log file given by mistake from filling memory.</summary>
    public const int MaxFileBytes = 1024 * 1024;

    public static async Task<ConfigLoadResult> LoadAsync(ConfigSources sources, CancellationToken cancellationToken)
    {
        var errors = new List<string>();
        var notices = new List<string>();

        string? file = FindFile(sources, errors);
        if (errors.Count > 0)
        {
            return new ConfigLoadResult(null, errors, notices, file);
        }

        ConfigNode? tree = null;
        if (file is not null)
        {
            string? text;
            try
            {
                text = await ReadBoundedAsync(file, cancellationToken);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                errors.Add($"{file}: cannot be read: {e.Message}");
                return new ConfigLoadResult(null, errors, notices, file);
            }

            if (text is null)
            {
                errors.Add($"{file}: larger than {MaxFileBytes / 1024 / 1024} MiB; allowed: a configuration file of at most {MaxFileBytes / 1024 / 1024} MiB");
                return new ConfigLoadResult(null, errors, notices, file);
            }

            tree = YamlConfigReader.Read(text, errors);
            if (tree is null && errors.Count > 0)
            {
                return new ConfigLoadResult(null, errors, notices, file);
            }
        }

        var root = tree as ConfigMapping;
        if (tree is null)
        {
            root = new ConfigMapping("defaults");
        }

        if (root is not null)
        {
            root = PythonConfigMigration.Migrate(root, errors, notices) ?? root;
            ConfigOverlay.ApplyEnvironment(root, sources.EnvironmentVariables, errors);
            ApplyFlags(root, sources, errors);
        }

        var options = new ConfigBinder(errors).Bind(root ?? tree);
        if (file is not null && tree is null && errors.Count == 0)
        {
            notices.Add($"{file} holds no settings; running with the defaults: {string.Join(", ", options.Batteries.Select(b => $"battery {b.Name} on {b.Connection}"))}, "
                + (options.Prometheus.Enabled ? $"/metrics on {options.Prometheus.Listen}" : "no /metrics")
                + (options.InfluxDb.Enabled ? $", InfluxDB at {options.InfluxDb.Url}" : ", no InfluxDB"));
        }

        options = await ReadFilesAsync(options, file is null ? sources.WorkingDirectory : Path.GetDirectoryName(file)!, errors, cancellationToken);
        options = ResolveWebConfigFile(options, sources, file is null ? sources.WorkingDirectory : Path.GetDirectoryName(file)!, errors);
        return errors.Count == 0
            ? new ConfigLoadResult(options, errors, notices, file)
            : new ConfigLoadResult(null, errors, notices, file);
    }

    private static string? FindFile(ConfigSources sources, List<string> errors)
    {
        if (sources.ConfigPath is { } given)
        {
            string path = Path.GetFullPath(given, sources.WorkingDirectory);
            if (Directory.Exists(path))
            {
                errors.Add($"--config: '{given}' is a directory; allowed: the path of a readable YAML file, such as {Path.Combine(given, DefaultFileName)}");
            }
            else if (!File.Exists(path))
            {
                errors.Add($"--config: the file '{given}' does not exist; allowed: the path of a readable YAML file");
            }

            return path;
        }

        string fallback = Path.Combine(sources.WorkingDirectory, DefaultFileName);
        if (File.Exists(fallback))
        {
            return fallback;
        }

        return sources.AddOnOptionsPath is { } addOn && File.Exists(addOn) ? addOn : null;
    }

    private static void ApplyFlags(ConfigMapping root, ConfigSources sources, List<string> errors)
    {
        if (sources.Simulate && sources.Connect is not null)
        {
            errors.Add("--simulate: cannot be combined with --connect; allowed: one of the two");
        }
        else if (sources.Simulate)
        {
            ConfigOverlay.ApplyConnect(root, "simulator", "--simulate", errors);
        }
        else if (sources.Connect is { } connect)
        {
            ConfigOverlay.ApplyConnect(root, connect, "--connect", errors);
        }

        if (sources.Protocol is { } protocol)
        {
            ConfigOverlay.ApplyProtocol(root, protocol, errors);
        }

        if (sources.Listen is { } listen)
        {
            ConfigOverlay.ApplyListen(root, listen, errors);
        }
    }

    /// <summary>The file's text, or null when it is longer than <see cref="MaxFileBytes"/> (read only that far: a device has no length).</summary>
    private static async Task<string?> ReadBoundedAsync(string path, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 1, useAsync: true);
        var buffer = new byte[MaxFileBytes + 1];
        int length = 0;
        int read;
        while (length < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken)) > 0)
        {
            length += read;
        }

        if (length > MaxFileBytes)
        {
            return null;
        }

        // Detects a byte-order mark like File.ReadAllText; invalid bytes become U+FFFD and the YAML parser names the line.
        using var reader = new StreamReader(new MemoryStream(buffer, 0, length), System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return await reader.ReadToEndAsync(cancellationToken);
    }

    /// <summary>The secrets kept in files (every key the table declares as a <see cref="SecretFileKey{TOptions}"/>), then the broker's CA file.</summary>
    private static async Task<BmsPaceOptions> ReadFilesAsync(BmsPaceOptions options, string baseDirectory, List<string> errors, CancellationToken cancellationToken)
    {
        options = await ConfigKeys.Root.ReadSecretFilesAsync(options, "", baseDirectory, errors, cancellationToken);
        if (options.Mqtt.CaFile is { } caFile)
        {
            string path = Path.GetFullPath(caFile, baseDirectory);
            options = options with { Mqtt = options.Mqtt with { CaFile = path, CaPem = await ReadCertificatesAsync(path, "mqtt.ca_file", errors, cancellationToken) } };
        }

        return options;
    }

    private static async Task<string?> ReadCertificatesAsync(string path, string keyPath, List<string> errors, CancellationToken cancellationToken)
    {
        const string allowed = "the path of a readable PEM file with one or more CA certificates";
        try
        {
            string pem = await File.ReadAllTextAsync(path, cancellationToken);
            var certificates = new System.Security.Cryptography.X509Certificates.X509Certificate2Collection();
            certificates.ImportFromPem(pem);
            if (certificates.Count == 0)
            {
                errors.Add($"{keyPath}: '{path}' holds no certificate; allowed: {allowed}");
                return null;
            }

            return pem;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            errors.Add($"{keyPath}: cannot read '{path}': {e.Message}; allowed: {allowed}");
            return null;
        }
    }

    private static BmsPaceOptions ResolveWebConfigFile(BmsPaceOptions options, ConfigSources sources, string baseDirectory, List<string> errors)
    {
        string? path = sources.WebConfigFile is { } flag ? Path.GetFullPath(flag, sources.WorkingDirectory)
            : options.Prometheus.WebConfigFile is { } key ? Path.GetFullPath(key, baseDirectory)
            : null;
        if (path is null)
        {
            return options;
        }

        if (!File.Exists(path) && !Directory.Exists(path))
        {
            errors.Add($"{(sources.WebConfigFile is null ? "prometheus.web_config_file" : "--web.config.file")}: the file '{path}' does not exist; allowed: the path of a readable YAML file");
            return options;
        }

        // Its content (TLS, basic auth) is the web host's to read and check (Web/WebHostSettings).
        return options with { Prometheus = options.Prometheus with { WebConfigFile = path } };
    }
}
