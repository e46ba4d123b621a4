using BmsPace.Configuration;

namespace BmsPace.Tests.Configuration;

/// <summary>A throwaway working directory and helpers to load the fixtures of testdata/config.</summary>
public sealed class ConfigFixture : IDisposable
{
    public ConfigFixture()
    {
        WorkingDirectory = Path.Combine(Path.GetTempPath(), "bmspace-config-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(WorkingDirectory);
    }

    public string WorkingDirectory { get; }

    public static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "testdata", "config", name);

    /// <summary>The checkout's root, found by walking up to BmsPace.sln, for the shipped config.yaml.</summary>
    public static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "BmsPace.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("BmsPace.sln not found above " + AppContext.BaseDirectory);
    }

    public string WriteFile(string name, string text)
    {
        string path = Path.Combine(WorkingDirectory, name);
        File.WriteAllText(path, text);
        return path;
    }

    public ConfigSources Sources(string? fixture = null, Dictionary<string, string>? environment = null) => new()
    {
        ConfigPath = fixture is null ? null : Fixture(fixture),
        WorkingDirectory = WorkingDirectory,
        AddOnOptionsPath = Path.Combine(WorkingDirectory, "data", "options.json"),
        EnvironmentVariables = environment ?? [],
    };

    public Task<ConfigLoadResult> LoadAsync(string? fixture = null, Dictionary<string, string>? environment = null) =>
        ConfigLoader.LoadAsync(Sources(fixture, environment), CancellationToken.None);

    public void Dispose() => Directory.Delete(WorkingDirectory, recursive: true);
}
