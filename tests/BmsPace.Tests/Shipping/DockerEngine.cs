using System.Diagnostics;

namespace BmsPace.Tests.Shipping;

/// <summary>
/// A Docker daemon of the test's own (Debian's docker.io): its socket, data and state in a scratch folder, vfs storage,
/// no iptables and no bridge, so containers run with <c>--network host</c> (REAL-SERVERS.md, "Container engines").
/// Nothing of another daemon on the machine is touched; disposing stops this one by its process handle.
/// </summary>
internal sealed class DockerEngine : IAsyncDisposable
{
    private readonly Process _daemon;
    private readonly string _folder;

    private DockerEngine(Process daemon, string folder)
    {
        _daemon = daemon;
        _folder = folder;
    }

    /// <summary>The DOCKER_HOST value that reaches this daemon.</summary>
    public string Host => $"unix://{_folder}/docker.sock";

    public static async Task<DockerEngine> StartAsync()
    {
        string dockerd = ExternalTool.Require("dockerd", "the Debian package docker.io");
        ExternalTool.Require("docker", "the Debian package docker.io");

        // Short: the daemon's own sockets live below it, and a socket path has at most 107 characters.
        string folder = Path.Combine("/tmp", "bmsd-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(folder);
        var start = new ProcessStartInfo(dockerd)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in new[]
        {
            "--storage-driver=vfs", "--iptables=false", "--bridge=none",
            $"--host=unix://{folder}/docker.sock", $"--data-root={folder}/root", $"--exec-root={folder}/exec", $"--pidfile={folder}/docker.pid",
        })
        {
            start.ArgumentList.Add(argument);
        }

        var daemon = Process.Start(start) ?? throw new InvalidOperationException("dockerd did not start");
        var log = new System.Text.StringBuilder();
        daemon.OutputDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        daemon.ErrorDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        daemon.BeginOutputReadLine();
        daemon.BeginErrorReadLine();
        var engine = new DockerEngine(daemon, folder);
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (true)
        {
            if (File.Exists(Path.Combine(folder, "docker.sock")) && (await engine.DockerAsync("info", "--format", "{{.ServerVersion}}")).ExitCode == 0)
            {
                return engine;
            }

            if (daemon.HasExited || DateTime.UtcNow > deadline)
            {
                await engine.DisposeAsync();
                lock (log)
                {
                    throw new InvalidOperationException($"dockerd did not come up:\n{log}");
                }
            }

            await Task.Delay(250);
        }
    }

    /// <summary>The docker client against this daemon.</summary>
    public Task<ToolResult> DockerAsync(params string[] arguments) => DockerAsync(TimeSpan.FromMinutes(5), arguments);

    public Task<ToolResult> DockerAsync(TimeSpan timeout, params string[] arguments) =>
        ExternalTool.RunAsync("docker", arguments, timeout, environment: new Dictionary<string, string?> { ["DOCKER_HOST"] = Host });

    /// <summary>Runs docker and fails the test with its transcript unless it succeeded; returns its trimmed output.</summary>
    public async Task<string> MustAsync(params string[] arguments)
    {
        var result = await DockerAsync(arguments);
        Assert.True(result.ExitCode == 0, $"docker {string.Join(' ', arguments)}\n{result.Transcript}");
        return result.StandardOutput.Trim();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_daemon.HasExited)
        {
            // SIGTERM: dockerd stops its containers and containerd, and unmounts what it mounted.
            await ExternalTool.RunAsync("kill", ["-TERM", _daemon.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(10));
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            try
            {
                await _daemon.WaitForExitAsync(wait.Token);
            }
            catch (OperationCanceledException)
            {
                _daemon.Kill(entireProcessTree: true);
                await _daemon.WaitForExitAsync();
            }
        }

        _daemon.Dispose();

        // dockerd 20.10 leaves its default network namespace (an nsfs mount) below its exec root when it stops: unmount
        // every mount still below the folder, deepest first, so the folder can go.
        var mounts = (await File.ReadAllLinesAsync("/proc/self/mounts"))
            .Select(line => line.Split(' ')[1])
            .Where(point => point.StartsWith(_folder + "/", StringComparison.Ordinal))
            .OrderByDescending(point => point.Length);
        foreach (string point in mounts)
        {
            await ExternalTool.RunAsync("umount", [point], TimeSpan.FromSeconds(30));
        }

        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // A mount that would not go keeps a folder busy; /tmp is cleaned at boot.
        }
    }
}
