using System.Diagnostics;

namespace BmsPace.Tests.Transport;

/// <summary>Two linked pseudo-terminals made by a real socat process (docs/testing.md), in a throwaway directory.</summary>
internal sealed class SocatPtyPair : IAsyncDisposable
{
    private readonly Process _socat;

    private SocatPtyPair(Process socat, string directory)
    {
        _socat = socat;
        Directory = directory;
    }

    public string Directory { get; }

    public string PathA => Path.Combine(Directory, "ttyA");

    public string PathB => Path.Combine(Directory, "ttyB");

    public static async Task<SocatPtyPair> StartAsync()
    {
        string directory = Path.Combine(Path.GetTempPath(), "bmspace-socat-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(directory);
        var start = new ProcessStartInfo("socat")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "-d", "-d", $"pty,raw,echo=0,link={directory}/ttyA", $"pty,raw,echo=0,link={directory}/ttyB" })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("socat did not start");
        process.ErrorDataReceived += (_, _) => { };
        process.OutputDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        var pair = new SocatPtyPair(process, directory);
        var deadline = Stopwatch.StartNew();
        while (!(File.Exists(pair.PathA) && File.Exists(pair.PathB)))
        {
            if (process.HasExited || deadline.Elapsed > TimeSpan.FromSeconds(10))
            {
                await pair.DisposeAsync();
                throw new InvalidOperationException("socat did not create its pty links in time");
            }

            await Task.Delay(10);
        }

        return pair;
    }

    /// <summary>Kills socat (the far end of both ptys vanishes) and waits for it.</summary>
    public async Task KillAsync()
    {
        if (!_socat.HasExited)
        {
            _socat.Kill();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _socat.WaitForExitAsync(timeout.Token);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await KillAsync();
        }
        finally
        {
            _socat.Dispose();
            try
            {
                System.IO.Directory.Delete(Directory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
