using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using BmsPace.Tests.Influx;

namespace BmsPace.Tests.Mqtt;

/// <summary>
/// A real Mosquitto (Debian <c>mosquitto</c>, installed by tests/run.sh) started from a generated config on free
/// loopback ports, stopped by its PID. Optionally with users (a password file made by <c>mosquitto_passwd</c>) and a
/// TLS listener whose certificate the test made with openssl.
/// </summary>
internal sealed class MosquittoBroker : IAsyncDisposable
{
    private readonly StringBuilder _output = new();
    private Process? _process;

    private MosquittoBroker(string directory, int port, int? tlsPort, bool anonymous)
    {
        Directory = directory;
        Port = port;
        TlsPort = tlsPort;
        Anonymous = anonymous;
    }

    public string Directory { get; }

    public int Port { get; }

    /// <summary>The TLS listener's port, when started with a certificate.</summary>
    public int? TlsPort { get; }

    public bool Anonymous { get; }

    public string Url => $"mqtt://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The broker's log (a file, flushed line by line; its standard output would be buffered) and anything it printed.</summary>
    public string Output
    {
        get
        {
            string log = Path.Combine(Directory, "mosquitto.log");
            string text = File.Exists(log) ? File.ReadAllText(log) : "";
            lock (_output)
            {
                return text + _output;
            }
        }
    }

    /// <param name="users">User names and passwords; when given, anonymous clients are refused.</param>
    /// <param name="tls">Certificate and key files (PEM) for a TLS listener on a second port.</param>
    /// <param name="port">The plain listener's port; a free one when null.</param>
    public static async Task<MosquittoBroker> StartAsync(IReadOnlyDictionary<string, string>? users = null, (string Certificate, string Key)? tls = null, int? port = null)
    {
        string directory = ServerProcess.TempDirectory("mosquitto");
        int plainPort = port ?? ServerProcess.FreePort();
        int? tlsPort = tls is null ? null : ServerProcess.FreePort();
        var config = new StringBuilder();
        config.AppendLine("persistence false");
        config.AppendLine(CultureInfo.InvariantCulture, $"log_dest file {Path.Combine(directory, "mosquitto.log")}");
        config.AppendLine("log_type all");
        config.AppendLine("per_listener_settings false");
        config.AppendLine(CultureInfo.InvariantCulture, $"allow_anonymous {(users is null ? "true" : "false")}");
        if (users is not null)
        {
            string passwords = Path.Combine(directory, "passwd");
            await File.WriteAllTextAsync(passwords, "");
            foreach (var (user, password) in users)
            {
                var result = await Prometheus.ProcessRunner.RunAsync("mosquitto_passwd", ["-b", passwords, user, password]);
                Assert.True(result.ExitCode == 0, $"mosquitto_passwd: {result.All}");
            }

            // Mosquitto drops root privileges to its own user: the files must stay readable for it.
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(passwords, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            }

            config.AppendLine(CultureInfo.InvariantCulture, $"password_file {passwords}");
        }

        config.AppendLine(CultureInfo.InvariantCulture, $"listener {plainPort} 127.0.0.1");
        if (tls is { } files)
        {
            config.AppendLine(CultureInfo.InvariantCulture, $"listener {tlsPort} 127.0.0.1");
            config.AppendLine(CultureInfo.InvariantCulture, $"certfile {files.Certificate}");
            config.AppendLine(CultureInfo.InvariantCulture, $"keyfile {files.Key}");
        }

        if (!OperatingSystem.IsWindows())

        {

            File.SetUnixFileMode(directory, (UnixFileMode)0b111_111_111);

        }

        await File.WriteAllTextAsync(Path.Combine(directory, "mosquitto.conf"), config.ToString());
        var broker = new MosquittoBroker(directory, plainPort, tlsPort, users is null);
        await broker.StartProcessAsync();
        return broker;
    }

    /// <summary>Starts the same broker again on the same ports (after <see cref="StopAsync"/> or <see cref="KillAsync"/>).</summary>
    public async Task StartProcessAsync()
    {
        var start = new ProcessStartInfo("mosquitto")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(Path.Combine(Directory, "mosquitto.conf"));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var process = Process.Start(start) ?? throw new InvalidOperationException("mosquitto did not start");
            process.OutputDataReceived += (_, e) => Append(e.Data);
            process.ErrorDataReceived += (_, e) => Append(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            _process = process;
            while (DateTime.UtcNow < deadline && !process.HasExited)
            {
                if (await AcceptsAsync(Port) && (TlsPort is not { } tlsPort || await AcceptsAsync(tlsPort)))
                {
                    return;
                }

                await Task.Delay(50);
            }

            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException($"mosquitto not listening on {Port} within 30 s:\n{Output}");
            }

            // The port of the previous run may still be held for a moment after a restart: try again.
            await process.WaitForExitAsync();
            process.Dispose();
            _process = null;
            await Task.Delay(200);
        }
    }

    /// <summary>SIGTERM, then waits for the exit.</summary>
    public async Task StopAsync()
    {
        if (_process is not { } process)
        {
            return;
        }

        _process = null;
        if (!process.HasExited)
        {
            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
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
                process.Kill();
                await process.WaitForExitAsync();
            }
        }

        process.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // Left in the temp folder.
        }
    }

    private static async Task<bool> AcceptsAsync(int port)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
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
