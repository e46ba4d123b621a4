using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace BmsPace.Tests.Influx;

/// <summary>A real server binary started by a test on loopback, stopped by its PID; its output is kept for failure messages.</summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private readonly StringBuilder _output = new();
    private Process? _process;

    public ServerProcess(string fileName, string arguments, IReadOnlyDictionary<string, string> environment)
    {
        FileName = fileName;
        Arguments = arguments;
        Environment = environment;
    }

    public string FileName { get; }

    public string Arguments { get; }

    public IReadOnlyDictionary<string, string> Environment { get; }

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

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static string TempDirectory(string prefix)
    {
        string path = Path.Combine(Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>Starts the process and polls <paramref name="readyUrl"/> until it answers 2xx (never a fixed sleep).</summary>
    public async Task StartAsync(Uri readyUrl)
    {
        var start = new ProcessStartInfo(FileName, Arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (key, value) in Environment)
        {
            start.Environment[key] = value;
        }

        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        if (!process.Start())
        {
            throw new InvalidOperationException($"{FileName} did not start");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{FileName} exited with {process.ExitCode}:\n{Output}");
            }

            try
            {
                using var response = await client.GetAsync(readyUrl);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Not answering yet.
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"{FileName} not ready at {readyUrl} within 30 s:\n{Output}");
    }

    /// <summary>SIGTERM (a clean shutdown, as a service manager would do), SIGKILL if it has not exited after 15 s.</summary>
    public async Task StopAsync()
    {
        if (_process is not { } process)
        {
            return;
        }

        _process = null;
        if (!process.HasExited)
        {
            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
        }

        process.Dispose();
    }

    public async ValueTask DisposeAsync() => await StopAsync();

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
