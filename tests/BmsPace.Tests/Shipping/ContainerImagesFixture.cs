using System.Text.RegularExpressions;

namespace BmsPace.Tests.Shipping;

/// <summary>
/// Builds the images once for every test of <see cref="ContainerImageTests"/> with <c>deploy/build-images.sh --load</c>
/// (podman on stand-in bases, no registry) into a Docker daemon of the fixture's own, where the tests run them.
/// </summary>
public sealed class ContainerImagesFixture : IAsyncLifetime
{
    private DockerEngine? _docker;

    /// <summary>What build-images.sh printed and said; null until it ran.</summary>
    public ToolResult? Build { get; private set; }

    public string Image { get; private set; } = "";

    public string Arm64Image { get; private set; } = "";

    public string AddOnImage { get; private set; } = "";

    internal DockerEngine Docker => _docker ?? throw new InvalidOperationException("dockerd did not start");

    public async Task InitializeAsync()
    {
        _docker = await DockerEngine.StartAsync();
        Build = await ExternalTool.RunAsync(
            "bash",
            [RepositoryFiles.PathOf("deploy", "build-images.sh"), "--load"],
            TimeSpan.FromMinutes(60),
            environment: new Dictionary<string, string?> { ["DOCKER_HOST"] = _docker.Host, ["MSBUILDDISABLENODEREUSE"] = "1" });
        var tags = Build.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Image = tags.FirstOrDefault(tag => Regex.IsMatch(tag, @"^localhost/bmspace:[0-9.]+$")) ?? "";
        Arm64Image = tags.FirstOrDefault(tag => tag.EndsWith("-arm64", StringComparison.Ordinal)) ?? "";
        AddOnImage = tags.FirstOrDefault(tag => tag.StartsWith("localhost/bmspace-addon:", StringComparison.Ordinal)) ?? "";
    }

    public async Task DisposeAsync()
    {
        if (_docker is not null)
        {
            await _docker.DisposeAsync();
        }
    }

    /// <summary>Fails the test with the build's transcript unless every image was built.</summary>
    public void AssertBuilt()
    {
        Assert.True(Build is { ExitCode: 0 } && Image.Length > 0 && Arm64Image.Length > 0 && AddOnImage.Length > 0, $"deploy/build-images.sh --load failed:\n{Build?.Transcript}");
    }
}
