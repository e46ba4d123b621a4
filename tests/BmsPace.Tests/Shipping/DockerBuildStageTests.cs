namespace BmsPace.Tests.Shipping;

/// <summary>
/// No Docker engine runs here, so the Dockerfile's build stage is replayed by hand: its WORKDIR, COPY and RUN
/// instructions run in order in a scratch folder that stands in for the container's root, for an arm64 target (the
/// cross-compiled case). That proves the COPY set is enough to build, that the restore and publish commands work as
/// written, and that the runtime stage copies the folder the publish fills.
/// </summary>
[Collection(PublishCollection.Name)]
[Trait("Category", "ShippedFiles")]
public sealed class DockerBuildStageTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("bmspace-docker-build-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task Build_stage_publishes_an_arm64_bmspace_into_the_folder_the_runtime_stage_copies()
    {
        var instructions = DockerfileModel.Parse(File.ReadAllText(RepositoryFiles.PathOf("Dockerfile")));
        var ignore = new DockerIgnore(File.ReadAllText(RepositoryFiles.PathOf(".dockerignore")));
        var workdir = "/";
        foreach (var instruction in instructions.Where(i => i.Stage == 0))
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
                        TimeSpan.FromMinutes(10),
                        InRoot(workdir),
                        new Dictionary<string, string?> { ["TARGETARCH"] = "arm64", ["MSBUILDDISABLENODEREUSE"] = "1", ["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0" });
                    Assert.True(result.ExitCode == 0, $"RUN {instruction.Arguments}\n{result.Transcript}");
                    break;
                default:
                    break;
            }
        }

        var copied = Assert.Single(instructions, i => i.Stage == 1 && i.Keyword == "COPY" && i.Arguments.StartsWith("--from=build ", StringComparison.Ordinal));
        var published = InRoot(copied.Arguments.Split(' ')[1]);
        Assert.True(File.Exists(Path.Combine(published, "bmspace.dll")), $"no bmspace.dll in {published}");
        var header = new byte[20];
        await using (var program = File.OpenRead(Path.Combine(published, "bmspace")))
        {
            await program.ReadExactlyAsync(header);
        }

        Assert.Equal("\u007fELF"u8.ToArray(), header[..4]);
        const ushort aarch64 = 0xB7;
        Assert.Equal(aarch64, BitConverter.ToUInt16(header, 18));
    }

    private string InRoot(string containerPath) => Path.Combine(_root, containerPath.TrimStart('/'));

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
