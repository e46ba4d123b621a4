using System.Text.Json;

namespace BmsPace.Tests.Shipping;

/// <summary>
/// Publishes bmspace the way the README's systemd install does (self-contained linux-x64) and runs the result.
/// The publish works on a copy of exactly what the Dockerfile copies (props, global.json, .editorconfig, src/),
/// so it neither races the test build over src/*/obj nor hides a file the container build would miss.
/// </summary>
public sealed class PublishedBinaryFixture : IAsyncLifetime
{
    private readonly string _scratch = Directory.CreateTempSubdirectory("bmspace-publish-").FullName;

    public string Program => Path.Combine(_scratch, "out", "bmspace");

    public ToolResult? Publish { get; private set; }

    /// <summary>An empty working directory, so no ./config.yaml is picked up unasked.</summary>
    public string EmptyDirectory => Path.Combine(_scratch, "cwd");

    public async Task InitializeAsync()
    {
        var source = Path.Combine(_scratch, "source");
        foreach (var file in new[] { "global.json", "Directory.Build.props", ".editorconfig" })
        {
            Directory.CreateDirectory(source);
            File.Copy(RepositoryFiles.PathOf(file), Path.Combine(source, file));
        }

        CopySources(RepositoryFiles.PathOf("src"), Path.Combine(source, "src"));
        Directory.CreateDirectory(EmptyDirectory);

        Publish = await ExternalTool.RunAsync(
            ExternalTool.Require("dotnet", "the .NET SDK"),
            ["publish", "src/BmsPace", "-c", "Release", "-r", "linux-x64", "--self-contained", "-o", Path.Combine(_scratch, "out"),
             "--nologo", "-nodeReuse:false", "-p:UseSharedCompilation=false"],
            TimeSpan.FromMinutes(10),
            workingDirectory: source,
            environment: new Dictionary<string, string?> { ["MSBUILDDISABLENODEREUSE"] = "1", ["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0" });
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_scratch, recursive: true);
        return Task.CompletedTask;
    }

    /// <summary>Runs the published program with no BMSPACE_ variables from the test's own environment.</summary>
    public async Task<ToolResult> RunAsync(params string[] arguments)
    {
        Assert.True(Publish is { ExitCode: 0 } && File.Exists(Program), $"dotnet publish -r linux-x64 --self-contained failed:\n{Publish?.Transcript}");
        var environment = Environment.GetEnvironmentVariables().Keys.Cast<string>()
            .Where(name => name.StartsWith("BMSPACE_", StringComparison.OrdinalIgnoreCase))
            .ToDictionary(name => name, string? (_) => null);
        return await ExternalTool.RunAsync(Program, arguments, TimeSpan.FromMinutes(2), EmptyDirectory, environment);
    }

    private static void CopySources(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }

        foreach (var directory in Directory.EnumerateDirectories(from).Where(d => Path.GetFileName(d) is not ("bin" or "obj")))
        {
            CopySources(directory, Path.Combine(to, Path.GetFileName(directory)));
        }
    }
}

[Collection(PublishCollection.Name)]
public sealed class PublishedBinaryTests(PublishedBinaryFixture published) : IClassFixture<PublishedBinaryFixture>
{
    [Fact]
    public async Task Published_binary_polls_the_built_in_simulator_once_and_prints_json()
    {
        var result = await published.RunAsync("once", "--simulate", "--json");

        AssertAllBatteriesAnswered(result);
    }

    [Theory]
    [InlineData("deploy/bmspace.compose.config.yaml")]
    [InlineData("config.yaml")]
    public async Task Published_binary_loads_each_shipped_config_file(string config)
    {
        var result = await published.RunAsync("once", "--config", RepositoryFiles.PathOf(config), "--simulate", "--json");

        AssertAllBatteriesAnswered(result);
    }

    private static void AssertAllBatteriesAnswered(ToolResult result)
    {
        Assert.True(result.ExitCode == 0, result.Transcript);
        using var json = JsonDocument.Parse(result.StandardOutput);
        var batteries = json.RootElement.GetProperty("batteries");
        Assert.True(batteries.GetArrayLength() >= 1, result.StandardOutput);
        foreach (var battery in batteries.EnumerateArray())
        {
            Assert.True(battery.GetProperty("ok").GetBoolean(), result.StandardOutput);
            Assert.True(battery.GetProperty("packs").GetArrayLength() >= 1, result.StandardOutput);
        }
    }
}

/// <summary>The two tests that run a whole dotnet publish take turns, so they do not starve the rest of the suite of CPU.</summary>
[CollectionDefinition(Name)]
public sealed class PublishCollection
{
    public const string Name = "dotnet publish";
}
