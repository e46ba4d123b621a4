namespace BmsPace.Tests.Shipping;

/// <summary>
/// Command-line tools from the npm registry, installed once into the checkout's git-ignored .test-work folder with
/// the ordinary npm client and reused by later runs. Versions are pinned so a lint result cannot change under us.
/// </summary>
internal static class NpmTools
{
    public const string DockerfileUtilsPackage = "dockerfile-utils@0.16.3";

    private static readonly SemaphoreSlim InstallLock = new(1, 1);

    private static string Prefix => Path.Combine(RepositoryFiles.WorkDirectory, "npm-tools");

    /// <summary>The script of dockerfile-utils' command-line entry, run with node.</summary>
    public static async Task<string> DockerfileUtilsAsync()
    {
        var entry = Path.Combine(Prefix, "node_modules", "dockerfile-utils", "bin", "dockerfile-utils");
        await InstallLock.WaitAsync();
        try
        {
            if (!File.Exists(entry))
            {
                var npm = ExternalTool.Require("npm", "the nodejs/npm install");
                Directory.CreateDirectory(Prefix);
                var install = await ExternalTool.RunAsync(
                    npm,
                    ["install", "--prefix", Prefix, "--no-audit", "--no-fund", "--no-save", "--loglevel=error", DockerfileUtilsPackage],
                    TimeSpan.FromMinutes(5));
                Assert.True(install.ExitCode == 0 && File.Exists(entry), $"npm install {DockerfileUtilsPackage} failed:\n{install.Transcript}");
            }
        }
        finally
        {
            InstallLock.Release();
        }

        return entry;
    }
}
