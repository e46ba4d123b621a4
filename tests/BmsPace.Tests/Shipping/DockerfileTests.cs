using System.Text.Json;

namespace BmsPace.Tests.Shipping;

[Trait("Category", "ShippedFiles")]
public sealed class DockerfileTests
{
    private static readonly string DockerfilePath = RepositoryFiles.PathOf("Dockerfile");

    private static IReadOnlyList<DockerInstruction> Instructions => DockerfileModel.Parse(File.ReadAllText(DockerfilePath));

    [Fact]
    public async Task Dockerfile_has_no_findings_from_dockerfile_utils_lint()
    {
        var findings = await LintAsync(DockerfilePath);

        Assert.True(findings.GetArrayLength() == 0, $"dockerfile-utils lint found problems in the Dockerfile:\n{findings}");
    }

    [Fact]
    public async Task Lint_reports_a_broken_dockerfile_so_the_check_above_can_fail()
    {
        var broken = Path.Combine(Path.GetTempPath(), $"bmspace-lint-{Guid.NewGuid():N}.Dockerfile");
        await File.WriteAllTextAsync(broken, "FROM mcr.microsoft.com/dotnet/aspnet:10.0\nEXPOSE metrics\nHEALTHCHECK CMD [\"true\"]\nHEALTHCHECK CMD [\"true\"]\n");
        try
        {
            var findings = await LintAsync(broken);

            Assert.Equal(2, findings.GetArrayLength());
        }
        finally
        {
            File.Delete(broken);
        }
    }

    [Fact]
    public void Build_stage_cross_publishes_on_the_build_machine_and_runtime_stage_needs_no_emulation()
    {
        var froms = Instructions.Where(i => i.Keyword == "FROM").ToList();
        Assert.Equal(2, froms.Count);
        Assert.StartsWith("--platform=$BUILDPLATFORM mcr.microsoft.com/dotnet/sdk:", froms[0].Arguments, StringComparison.Ordinal);
        // The native executable needs no .NET runtime, only the C library of the distribution it was linked on.
        Assert.StartsWith("--platform=$TARGETPLATFORM mcr.microsoft.com/dotnet/runtime-deps:", froms[1].Arguments, StringComparison.Ordinal);
        Assert.Contains("-chiseled ", froms[1].Arguments, StringComparison.Ordinal);
        Assert.Equal(Distribution(froms[0].Arguments), Distribution(froms[1].Arguments));

        var toolchain = Assert.Single(Instructions, i => i.Keyword == "RUN" && i.Arguments.Contains("install-aot-toolchain.sh", StringComparison.Ordinal));
        Assert.Equal(0, toolchain.Stage);
        Assert.Contains("\"$TARGETARCH\"", toolchain.Arguments, StringComparison.Ordinal);

        var publish = Assert.Single(Instructions, i => i.Keyword == "RUN" && i.Arguments.Contains("dotnet publish", StringComparison.Ordinal));
        Assert.Equal(0, publish.Stage);
        Assert.Contains("-a \"$TARGETARCH\"", publish.Arguments, StringComparison.Ordinal);
        Assert.Contains(Instructions, i => i.Keyword == "ARG" && i.Arguments == "TARGETARCH" && i.Stage == 0);

        // A RUN in the runtime stage would execute target-architecture binaries, i.e. under QEMU for arm64.
        Assert.DoesNotContain(Instructions, i => i.Keyword == "RUN" && i.Stage == 1);
    }

    [Fact]
    public void Runtime_stage_carries_only_the_native_executable_and_the_serial_port_library()
    {
        var fromBuild = Assert.Single(Instructions, i => i.Stage == 1 && i.Keyword == "COPY" && i.Arguments.StartsWith("--from=build ", StringComparison.Ordinal));

        Assert.Equal("--from=build /app/bmspace /app/libSystem.IO.Ports.Native.so /app/", fromBuild.Arguments);
        Assert.DoesNotContain(Instructions, i => i.Keyword == "ENV" && i.Arguments.Contains("DOTNET_ROOT", StringComparison.Ordinal));
    }

    [Fact]
    public void Runtime_stage_runs_as_a_non_root_user_in_dialout_with_port_healthcheck_and_config_path()
    {
        var runtime = Instructions.Where(i => i.Stage == 1).ToList();

        // Numeric: the chiseled base has no dialout entry in /etc/group; 1654 is its "app" user.
        Assert.Equal("1654:20", Assert.Single(runtime, i => i.Keyword == "USER").Arguments);
        Assert.Equal("9863", Assert.Single(runtime, i => i.Keyword == "EXPOSE").Arguments);

        // No shell in the base: the probe is the program, reading the configuration from the working directory.
        var healthcheck = Assert.Single(runtime, i => i.Keyword == "HEALTHCHECK").Arguments;
        Assert.EndsWith("CMD [\"/app/bmspace\", \"health\"]", healthcheck, StringComparison.Ordinal);
        Assert.Equal("/etc/bmspace", Assert.Single(runtime, i => i.Keyword == "WORKDIR").Arguments);

        Assert.Equal("[\"/app/bmspace\"]", Assert.Single(runtime, i => i.Keyword == "ENTRYPOINT").Arguments);
        Assert.Equal("[\"run\", \"--config\", \"/etc/bmspace/config.yaml\"]", Assert.Single(runtime, i => i.Keyword == "CMD").Arguments);
    }

    [Fact]
    public void Every_copy_source_exists_and_is_not_excluded_by_dockerignore()
    {
        var ignore = new DockerIgnore(File.ReadAllText(RepositoryFiles.PathOf(".dockerignore")));
        var sources = Instructions.Where(i => i.Keyword is "COPY" or "ADD").SelectMany(DockerfileModel.LocalSources).ToList();
        Assert.NotEmpty(sources);

        var problems = new List<string>();
        foreach (var source in sources)
        {
            var full = RepositoryFiles.PathOf(source.TrimEnd('/'));
            if (!File.Exists(full) && !Directory.Exists(full))
            {
                problems.Add($"{source}: not in the repository");
            }
            else if (ignore.Excludes(source))
            {
                problems.Add($"{source}: excluded from the build context by .dockerignore");
            }
        }

        Assert.True(problems.Count == 0, string.Join('\n', problems));
        Assert.True(ignore.Excludes("src/BmsPace/obj/project.assets.json"), ".dockerignore must keep local build output out of the context");
        Assert.True(ignore.Excludes("tests/run.sh"), ".dockerignore must keep the tests out of the context");
    }

    /// <summary>The distribution part of an image tag (<c>sdk:10.0-noble-aot</c> and <c>runtime-deps:10.0-noble</c> give <c>noble</c>).</summary>
    private static string Distribution(string from)
    {
        // The image is the first word that is not a --flag; a trailing "AS name" names the stage, not the image.
        var image = from.Split(' ', StringSplitOptions.RemoveEmptyEntries).First(word => !word.StartsWith("--", StringComparison.Ordinal));
        var tag = image.Split(':')[^1];
        var parts = tag.Split('-');
        Assert.True(parts.Length >= 2, $"the image tag '{tag}' names no distribution, so the two stages could differ");
        return parts[1];
    }

    private static async Task<JsonElement> LintAsync(string dockerfile)
    {
        var linter = await NpmTools.DockerfileUtilsAsync();
        var result = await ExternalTool.RunAsync(ExternalTool.Require("node", "the nodejs install"), [linter, "lint", "--json", dockerfile], TimeSpan.FromMinutes(1));
        using var document = JsonDocument.Parse(result.StandardOutput);
        Assert.Equal(JsonValueKind.Array, document.RootElement.ValueKind);
        return document.RootElement.Clone();
    }
}
