using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using BmsPace.Commands;
using BmsPace.Configuration;
using BmsPace.Protocol.Commands;
using BmsPace.Simulator;
using BmsPace.Tests.Transport;
using BmsPace.Transport;

namespace BmsPace.Tests.Simulation;

public partial class SimulateCommandTests
{
    private static readonly string AnalogRequest = AsciiDialectCalls.PaceRequest(CommandKind.Analog, 0x25, 1);

    [Theory]
    [InlineData(new string[] { "simulate" }, "exactly one of --tcp")]
    [InlineData(new string[] { "simulate", "--tcp", "127.0.0.1:0", "--pty", "/tmp/x" }, "exactly one of --tcp")]
    [InlineData(new string[] { "simulate", "--tcp", "127.0.0.1:0", "--packs", "17", "--tail", "3" }, "tail=3")]
    [InlineData(new string[] { "simulate", "--tcp", "127.0.0.1:0", "--fault", "frobnicate" }, "unknown fault 'frobnicate'")]
    [InlineData(new string[] { "simulate", "--tcp", "nonsense" }, "expected HOST:PORT")]
    public async Task WrongUsageExitsWith2AndNamesEveryProblem(string[] args, string expected)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int exit = await BmsPaceCli.InvokeAsync(args, output, error);
        Assert.Equal(BmsPaceCli.ExitUsage, exit);
        Assert.Contains(expected, error.ToString(), StringComparison.Ordinal);
        if (args.Contains("17"))
        {
            Assert.Contains("packs=17", error.ToString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task TCP_mode_serves_until_cancelled_and_applies_its_options_and_faults()
    {
        var inner = new StringWriter();
        var output = TextWriter.Synchronized(inner);
        using var stop = new CancellationTokenSource();
        var settings = new SimulateSettings
        {
            Tcp = "127.0.0.1:0",
            Options = new SimulatedBmsOptions { Packs = 5, Cells = 15, Temperatures = 4, TailBytes = 1, UserDefinedP = 2 },
            Faults = ["badchk:2"],
        };
        var run = SimulateCommand.RunAsync(settings, output, TextWriter.Null, stop.Token);
        string line = await WaitForLineAsync(
            () =>
            {
                // The synchronized writer locks on itself while writing.
                lock (output)
                {
                    return inner.ToString();
                }
            },
            run);
        var match = TcpAddress().Match(line);
        Assert.True(match.Success, line);
        Assert.Contains("5 packs x 15 cells", line, StringComparison.Ordinal);

        await using (var transport = new TcpTransport("127.0.0.1", int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)))
        {
            string first = await transport.ExchangeAsync(AnalogRequest, TimeSpan.FromSeconds(5), CancellationToken.None);
            string second = await transport.ExchangeAsync(AnalogRequest, TimeSpan.FromSeconds(5), CancellationToken.None);
            EnvelopeCheck.AssertValid(first);
            Assert.Equal("checksum", EnvelopeCheck.Problem(second));
            var info = EnvelopeCheck.Info(first);
            Assert.Equal(5, info[1]);
            Assert.Equal(15, info[2]);
        }

        await stop.CancelAsync();
        Assert.Equal(BmsPaceCli.ExitOk, await run.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Pty_mode_as_a_process_serves_a_serial_client_and_removes_the_link_on_SIGTERM()
    {
        string directory = Path.Combine(Path.GetTempPath(), "bmspace-simpty-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        string link = Path.Combine(directory, "ttyBMS");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { Path.Combine(AppContext.BaseDirectory, "bmspace.dll"), "simulate", "--pty", link, "--packs", "2", "--tail", "22" })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        try
        {
            var firstLine = process.StandardOutput.ReadLineAsync();
            string? line = await firstLine.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.NotNull(line);
            Assert.Contains(link, line, StringComparison.Ordinal);
            Assert.NotNull(new FileInfo(link).LinkTarget);

            await using (var transport = new SerialTransport(new SerialConnectionSpec(link)))
            {
                string frame = await transport.ExchangeAsync(AnalogRequest, TimeSpan.FromSeconds(5), CancellationToken.None);
                EnvelopeCheck.AssertValid(frame);
                var info = EnvelopeCheck.Info(frame);
                Assert.Equal(2, info[1]);

                // 2 packs of 16 cells, 6 temperatures and a 22-byte tail: 2 + 2 x (1 + 32 + 1 + 12 + 13 + 22) bytes.
                Assert.Equal(2 + (2 * 81), info.Length);
            }

            Assert.Equal(0, Kill(process.Id, 15));
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(15));
            Assert.Equal(0, process.ExitCode);
            Assert.Null(new FileInfo(link).LinkTarget);
            Assert.False(File.Exists(link));
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
                await process.WaitForExitAsync();
            }

            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<string> WaitForLineAsync(Func<string> text, Task running)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(15))
        {
            string current = text();
            if (current.Contains('\n', StringComparison.Ordinal))
            {
                return current;
            }

            Assert.False(running.IsCompleted, "simulate ended before it printed where it listens");
            await Task.Delay(10);
        }

        throw new TimeoutException("simulate printed nothing");
    }

    [GeneratedRegex(@"tcp://127\.0\.0\.1:(\d+)")]
    private static partial Regex TcpAddress();

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
