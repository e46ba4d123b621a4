using System.Net;
using System.Net.Sockets;
using BmsPace.Tests.Prometheus;

namespace BmsPace.Tests.Cli;

/// <summary>
/// A metrics port that another process holds is a run-time failure that can clear: the real program says so in one
/// line, prints no stack trace, and exits 1 (which the systemd unit retries, unlike 2 for a bad configuration).
/// </summary>
public sealed class BusyListenPortTests
{
    [Fact]
    public async Task A_port_in_use_is_one_line_on_stderr_no_stack_trace_and_exit_1()
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        int port = ((IPEndPoint)holder.LocalEndpoint).Port;

        var result = await ProcessRunner.RunAsync(
            "dotnet",
            [Path.Combine(AppContext.BaseDirectory, "bmspace.dll"), "run", "--simulate", "--listen", $"127.0.0.1:{port}"]);

        Assert.Equal(1, result.ExitCode);
        string both = result.Output + result.Error;
        Assert.DoesNotContain("   at ", both, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", both, StringComparison.Ordinal);
        Assert.DoesNotContain("fail:", both, StringComparison.Ordinal);
        string line = Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal($"bmspace: cannot listen on 127.0.0.1:{port}: Address already in use (set prometheus.listen or --listen)", line);
    }
}
