using System.Text.Json;

namespace BmsPace.Tests.Shipping;

/// <summary>
/// Publishes bmspace the way the README's systemd install does (NativeAOT, linux-x64) once for every test of
/// <see cref="PublishedBinaryTests"/>, which run the result.
/// The publish works on a copy of exactly what the Dockerfile copies (props, global.json, .editorconfig, src/),
/// so it neither races the test build over src/*/obj nor hides a file the container build would miss.
/// </summary>
public sealed class PublishedBinaryFixture : IAsyncLifetime
{
    private readonly string _scratch = Directory.CreateTempSubdirectory("bmspace-publish-").FullName;

    public string Folder => Path.Combine(_scratch, "out");

    public string Program => Path.Combine(Folder, "bmspace");

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
            ["publish", "src/BmsPace", "-c", "Release", "-r", "linux-x64", "-o", Folder,
             "--nologo", "-nodeReuse:false", "-p:UseSharedCompilation=false"],
            TimeSpan.FromMinutes(20),
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
        Assert.True(Publish is { ExitCode: 0 } && File.Exists(Program), $"dotnet publish -r linux-x64 failed:\n{Publish?.Transcript}");
        var environment = Environment.GetEnvironmentVariables().Keys.Cast<string>()
            .Where(name => name.StartsWith("BMSPACE_", StringComparison.OrdinalIgnoreCase))
            .ToDictionary(name => name, string? (_) => null);
        return await ExternalTool.RunAsync(Program, arguments, TimeSpan.FromMinutes(2), EmptyDirectory, environment);
    }

    /// <summary>Starts the published program in the background; disposing stops it (by its own process handle).</summary>
    public async Task<RunningProgram> StartAsync(IReadOnlyDictionary<string, string?> environment, params string[] arguments)
    {
        Assert.True(Publish is { ExitCode: 0 } && File.Exists(Program), $"dotnet publish -r linux-x64 failed:\n{Publish?.Transcript}");
        var start = new System.Diagnostics.ProcessStartInfo(Program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = EmptyDirectory,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var name in start.Environment.Keys.Where(n => n.StartsWith("BMSPACE_", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(name);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var process = System.Diagnostics.Process.Start(start) ?? throw new InvalidOperationException($"could not start {Program}");
        await Task.Yield();
        return new RunningProgram(process);
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
[Trait("Category", "ShippedFiles")]
public sealed class PublishedBinaryTests(PublishedBinaryFixture published) : IClassFixture<PublishedBinaryFixture>
{
    [Fact]
    public async Task Published_binary_polls_the_built_in_simulator_once_and_prints_json()
    {
        var result = await published.RunAsync("once", "--simulate", "--json");

        AssertAllBatteriesAnswered(result);
    }

    [Fact]
    public async Task Published_folder_is_one_native_executable_and_the_serial_port_library_needing_only_glibc()
    {
        Assert.True(published.Publish is { ExitCode: 0 }, published.Publish?.Transcript);

        Assert.Equal(
            ["bmspace", "libSystem.IO.Ports.Native.so"],
            Directory.EnumerateFiles(published.Folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        await NativeBinary.AssertRunsOnBookwormAsync(published.Program, NativeBinary.X64);
        await NativeBinary.AssertRunsOnBookwormAsync(Path.Combine(published.Folder, "libSystem.IO.Ports.Native.so"), NativeBinary.X64);
    }

    [Theory]
    [InlineData("deploy/bmspace.compose.config.yaml")]
    [InlineData("config.yaml")]
    public async Task Published_binary_loads_each_shipped_config_file(string config)
    {
        var result = await published.RunAsync("once", "--config", RepositoryFiles.PathOf(config), "--simulate", "--json");

        AssertAllBatteriesAnswered(result);
    }

    [Fact]
    public async Task Published_binary_runs_the_compose_setup_and_the_container_health_probe_passes()
    {
        // What the compose stack does, minus Docker: the shipped config, the stack's environment override (the
        // simulator), the image's health probe against /healthz, then real pack data on /metrics.
        var services = YamlTree.LoadMapping(RepositoryFiles.PathOf("deploy", "compose.yaml")).Mapping("services");
        var environment = services.Mapping("bmspace").Mapping("environment").Children
            .ToDictionary(pair => ((YamlDotNet.RepresentationModel.YamlScalarNode)pair.Key).Value!, pair => ((YamlDotNet.RepresentationModel.YamlScalarNode)pair.Value).Value);
        var port = FreeLoopbackPort();
        await using var running = await published.StartAsync(environment, "run", "--config", RepositoryFiles.PathOf("deploy", "bmspace.compose.config.yaml"), "--listen", $"127.0.0.1:{port}");
        var probeEnvironment = new Dictionary<string, string?>(environment) { ["BMSPACE_PROMETHEUS__LISTEN"] = $"127.0.0.1:{port}" };
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        using var http = new HttpClient();

        ToolResult probe;
        while (true)
        {
            // The image's HEALTHCHECK: the program asks its running twin for /readyz on prometheus.listen.
            probe = await ExternalTool.RunAsync(published.Program, ["health", "--config", RepositoryFiles.PathOf("deploy", "bmspace.compose.config.yaml")], TimeSpan.FromSeconds(30), published.EmptyDirectory, probeEnvironment);
            if (probe.ExitCode == 0 || running.HasExited || deadline.IsCancellationRequested)
            {
                break;
            }

            await Task.Delay(200, CancellationToken.None);
        }

        Assert.True(probe.ExitCode == 0, $"the health probe never passed:\n{probe.Transcript}\n--- bmspace ---\n{running.Output}");

        string metrics;
        do
        {
            await Task.Delay(200, CancellationToken.None);
            metrics = await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/metrics"), CancellationToken.None);
        }
        while (!metrics.Contains("pace_bms_packs_decoded{battery=\"main\"} 3", StringComparison.Ordinal) && !deadline.IsCancellationRequested && !running.HasExited);

        Assert.Contains("pace_bms_up{battery=\"main\"} 1", metrics, StringComparison.Ordinal);
        Assert.Contains("pace_bms_packs_decoded{battery=\"main\"} 3", metrics, StringComparison.Ordinal);
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
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

/// <summary>A started bmspace; collects what it prints so a failing test can show it.</summary>
public sealed class RunningProgram : IAsyncDisposable
{
    private readonly System.Diagnostics.Process _process;
    private readonly System.Text.StringBuilder _output = new();

    public RunningProgram(System.Diagnostics.Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, line) => Append(line.Data);
        _process.ErrorDataReceived += (_, line) => Append(line.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public bool HasExited => _process.HasExited;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
