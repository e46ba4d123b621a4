namespace BmsPace.Tests.Shipping;

/// <summary>
/// No Docker engine runs here, so the Dockerfile's build stage is replayed by hand: its WORKDIR, COPY and RUN
/// instructions run in order in a scratch folder that stands in for the container's root, for an arm64 target (the
/// cross-compiled case). That proves the COPY set is enough to build, that the restore and publish commands work as
/// written (the native toolchain script included), and that the runtime stage copies what the publish wrote. The
/// stage runs once (the arm64 NativeAOT publish, about a minute) for every test of <see cref="DockerBuildStageTests"/>,
/// which also inspect the arm64 executable as far as a machine that cannot run it allows.
/// </summary>
public sealed class DockerBuildStageFixture : IAsyncLifetime
{
    private readonly string _root = Directory.CreateTempSubdirectory("bmspace-docker-build-").FullName;

    internal IReadOnlyList<DockerInstruction> Instructions { get; } = DockerfileModel.Parse(File.ReadAllText(RepositoryFiles.PathOf("Dockerfile")));

    /// <summary>The first RUN that failed, with what it printed; null when every RUN succeeded.</summary>
    public string? Failure { get; private set; }

    /// <summary>What the runtime stage's <c>COPY --from=build</c> takes, as paths in the replayed build stage's root.</summary>
    public IReadOnlyList<string> RuntimeFiles => Instructions
        .Where(i => i.Stage == 1 && i.Keyword == "COPY" && i.Arguments.StartsWith("--from=build ", StringComparison.Ordinal))
        .SelectMany(i => i.Arguments.Split(' ')[1..^1])
        .Select(InRoot)
        .ToList();

    public string InRoot(string containerPath) => Path.Combine(_root, containerPath.TrimStart('/'));

    public async Task InitializeAsync()
    {
        var ignore = new DockerIgnore(File.ReadAllText(RepositoryFiles.PathOf(".dockerignore")));
        var workdir = "/";
        foreach (var instruction in Instructions.Where(i => i.Stage == 0))
        {
            switch (instruction.Keyword)
            {
                case "WORKDIR":
                    workdir = instruction.Arguments;
                    Directory.CreateDirectory(InRoot(workdir));
                    break;
                case "COPY":
                    var words = instruction.Arguments.Split(' ');
                    var destination = InRoot(words[^1].StartsWith('/') ? words[^1] : $"{workdir.TrimEnd('/')}/{words[^1]}");
                    foreach (var source in DockerfileModel.LocalSources(instruction))
                    {
                        CopyContext(source.TrimEnd('/'), destination, ignore);
                    }

                    break;
                case "RUN":
                    var command = instruction.Arguments.Replace(" /app", " " + InRoot("/app"), StringComparison.Ordinal);
                    var result = await ExternalTool.RunAsync(
                        "/bin/sh",
                        ["-c", command],
                        TimeSpan.FromMinutes(20),
                        InRoot(workdir),
                        new Dictionary<string, string?> { ["TARGETARCH"] = "arm64", ["MSBUILDDISABLENODEREUSE"] = "1", ["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0" });
                    if (result.ExitCode != 0)
                    {
                        Failure = $"RUN {instruction.Arguments}\n{result.Transcript}";
                        return;
                    }

                    break;
                default:
                    break;
            }
        }
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_root, recursive: true);
        return Task.CompletedTask;
    }

    public void AssertBuilt() => Assert.True(Failure is null, Failure);

    /// <summary>COPY semantics: a file lands in the destination folder, a folder's contents are merged into the destination.</summary>
    private static void CopyContext(string source, string destination, DockerIgnore ignore)
    {
        var full = RepositoryFiles.PathOf(source);
        if (File.Exists(full))
        {
            var target = destination.EndsWith('/') ? Path.Combine(destination, Path.GetFileName(source)) : destination;
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(full, target, overwrite: true);
            return;
        }

        foreach (var file in Directory.EnumerateFiles(full, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(RepositoryFiles.Root, file).Replace('\\', '/');
            if (ignore.Excludes(relative))
            {
                continue;
            }

            var target = Path.Combine(destination, Path.GetRelativePath(full, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target, overwrite: true);
        }
    }
}

[Collection(PublishCollection.Name)]
[Trait("Category", "ShippedFiles")]
public sealed class DockerBuildStageTests(DockerBuildStageFixture build) : IClassFixture<DockerBuildStageFixture>
{
    [Fact]
    public void Build_stage_publishes_every_file_the_runtime_stage_copies_and_no_managed_assembly()
    {
        build.AssertBuilt();

        Assert.NotEmpty(build.RuntimeFiles);
        foreach (var file in build.RuntimeFiles)
        {
            Assert.True(File.Exists(file), $"the runtime stage copies {file}, which the build stage did not publish");
        }

        var published = Path.GetDirectoryName(build.RuntimeFiles[0])!;
        Assert.Empty(Directory.EnumerateFiles(published, "*.dll"));
        Assert.Equal(
            ["bmspace", "libSystem.IO.Ports.Native.so"],
            Directory.EnumerateFiles(published).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Arm64_executable_needs_only_glibc_2_36_or_older()
    {
        build.AssertBuilt();

        await NativeBinary.AssertRunsOnBookwormAsync(build.InRoot("/app/bmspace"), NativeBinary.Aarch64);
    }

    [Fact]
    public async Task Arm64_executable_ships_with_the_arm64_serial_port_library_it_loads()
    {
        build.AssertBuilt();
        var program = build.InRoot("/app/bmspace");
        var library = build.InRoot("/app/libSystem.IO.Ports.Native.so");

        // System.IO.Ports binds its native half by name at first use, so the name is in the executable.
        var image = await File.ReadAllBytesAsync(program);
        Assert.True(image.AsSpan().IndexOf("libSystem.IO.Ports.Native"u8) >= 0, "the executable does not name libSystem.IO.Ports.Native");
        await NativeBinary.AssertRunsOnBookwormAsync(library, NativeBinary.Aarch64);
    }
}
