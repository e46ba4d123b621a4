using System.Net.Sockets;
using System.Net;
using BmsPace.Protocol.Commands;
using BmsPace.Protocol.Framing;
using BmsPace.Resilience;
using BmsPace.Simulator;
using BmsPace.Tests.Simulation;
using BmsPace.Transport;

namespace BmsPace.Tests.Transport;

/// <summary>TcpTransport against the simulator's TCP server on a real loopback socket.</summary>
public class TcpTransportTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(400);
    private static readonly BackoffPolicy Fast = new(TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(200));
    private static readonly string VersionRequest = AsciiDialectCalls.PaceRequest(CommandKind.SoftwareVersion, 0x25, 1);

    private static CountingServer StartServer(RecordedBms bms, int port = 0) => new(bms, port);

    private static TcpTransport Connect(CountingServer server) => new("127.0.0.1", server.EndPoint.Port, reconnect: Fast);

    /// <summary>The simulator's TCP server with the test's own count of the clients it accepted.</summary>
    private sealed class CountingServer : IAsyncDisposable
    {
        private readonly SimulatorTcpServer _server;
        private int _accepted;

        public CountingServer(RecordedBms bms, int port) =>
            _server = SimulatorTcpServer.Start(bms, new IPEndPoint(IPAddress.Loopback, port), _ => Interlocked.Increment(ref _accepted));

        public IPEndPoint EndPoint => _server.EndPoint;

        public int AcceptedConnections => Volatile.Read(ref _accepted);

        public ValueTask DisposeAsync() => _server.DisposeAsync();
    }

    [Fact]
    public async Task Every_read_command_comes_back_exactly_as_the_simulator_sent_it()
    {
        var bms = new RecordedBms(new SimulatedBmsOptions { Packs = 16, Cells = 16, TailBytes = 14 });
        await using var server = StartServer(bms);
        await using var transport = Connect(server);
        foreach (var kind in CommandKinds.All)
        {
            string frame = await transport.ExchangeAsync(AsciiDialectCalls.PaceRequest(kind, 0x25, 1), TimeSpan.FromSeconds(3), CancellationToken.None);
            EnvelopeCheck.AssertValid(frame);
            Assert.Equal(bms.LastReply(kind.ToCid2()), frame);
        }

        // The 16-pack analog reply is far larger than one TCP segment's worth of small writes.
        Assert.True(bms.LastReply(0x42)!.Length > 2000);
        Assert.Equal(1, server.AcceptedConnections);
        Assert.Equal(CommandKinds.All.Select(k => k.ToCid2()), bms.ReceivedCid2s);
    }

    public static TheoryData<string[], string> Faults => new()
    {
        { ["garbage:40"], "valid" },
        { ["badchk:1"], "checksum" },
        { ["badlen:1"], "length_checksum" },
        { ["truncate:1"], "truncated" },
        { ["silent:1"], "timeout" },
        { ["echo"], "valid" },
        { ["echo", "silent:1"], "echo" },
        { ["drop:1"], "io" },
        { ["rtn:1"], "rtn" },
        { ["slow:2"], "valid" },
        { ["split"], "valid" },
        { ["wrongaddr:1"], "wrong_address" },
        { ["split", "garbage:300", "echo"], "valid" },
    };

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task Each_fault_gives_its_reason_and_polling_recovers_when_it_is_cleared(string[] faults, string expected)
    {
        var bms = new RecordedBms(new SimulatedBmsOptions { Packs = 2 });
        await using var server = StartServer(bms);
        await using var transport = Connect(server);
        Assert.Null(EnvelopeCheck.Problem(await transport.ExchangeAsync(VersionRequest, TimeSpan.FromSeconds(2), CancellationToken.None)));

        foreach (var fault in faults)
        {
            bms.SetFault(SimulatorFault.Parse(fault));
        }

        // Only outcomes that are a wait need the short timeout; everything else gets slack for a loaded machine.
        var timeout = expected == "timeout" ? Timeout : expected is "truncated" or "echo" ? TimeSpan.FromSeconds(1.5) : TimeSpan.FromSeconds(5);
        Assert.Equal(expected, await OutcomeAsync(transport, VersionRequest, timeout));

        bms.ClearFaults();
        string frame = await transport.ExchangeAsync(VersionRequest, TimeSpan.FromSeconds(2), CancellationToken.None);
        EnvelopeCheck.AssertValid(frame);
        Assert.Equal(bms.LastReply(0xC1), frame);
        Assert.Equal(expected == "io" ? 2 : 1, server.AcceptedConnections);
    }

    [Fact]
    public async Task An_every_kth_fault_hits_only_its_turn()
    {
        var bms = new RecordedBms();
        bms.SetFault(SimulatorFault.Parse("silent:3"));
        await using var server = StartServer(bms);
        await using var transport = Connect(server);
        var outcomes = new List<string>();
        for (int i = 0; i < 6; i++)
        {
            outcomes.Add(await OutcomeAsync(transport, VersionRequest, TimeSpan.FromSeconds(1)));
        }

        Assert.Equal(new[] { "valid", "valid", "timeout", "valid", "valid", "timeout" }, outcomes);
    }

    [Fact]
    public async Task A_server_that_vanishes_and_comes_back_is_reconnected()
    {
        var bms = new RecordedBms();
        var server = StartServer(bms);
        int port = server.EndPoint.Port;
        await using var transport = Connect(server);
        Assert.Equal("valid", await OutcomeAsync(transport, VersionRequest, TimeSpan.FromSeconds(5)));

        await server.DisposeAsync();
        Assert.Equal("io", await OutcomeAsync(transport, VersionRequest, TimeSpan.FromSeconds(5)));
        var refused = await Assert.ThrowsAsync<TransportException>(() => transport.ExchangeAsync(VersionRequest, TimeSpan.FromSeconds(1), CancellationToken.None));
        Assert.Equal(FrameError.Io, refused.Reason);

        await using var again = StartServer(bms, port);
        string? frame = null;
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (frame is null && DateTime.UtcNow < deadline)
        {
            try
            {
                frame = await transport.ExchangeAsync(VersionRequest, TimeSpan.FromSeconds(1), CancellationToken.None);
            }
            catch (TransportException ex) when (ex.Reason == FrameError.Io)
            {
                await Task.Delay(20);
            }
        }

        Assert.NotNull(frame);
        EnvelopeCheck.AssertValid(frame);
        Assert.Equal(1, again.AcceptedConnections);
    }

    [Fact]
    public async Task Nothing_listening_is_a_clear_io_error()
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        await using var transport = new TcpTransport("127.0.0.1", port, reconnect: Fast);
        var error = await Assert.ThrowsAsync<TransportException>(() => transport.ExchangeAsync(VersionRequest, TimeSpan.FromSeconds(2), CancellationToken.None));
        Assert.Equal(FrameError.Io, error.Reason);
        Assert.Contains("refused", error.Message, StringComparison.Ordinal);
        Assert.Contains($"tcp://127.0.0.1:{port}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Several_clients_in_turn_are_served()
    {
        await using var server = StartServer(new RecordedBms());
        for (int client = 0; client < 3; client++)
        {
            await using var transport = Connect(server);
            Assert.Equal("valid", await OutcomeAsync(transport, VersionRequest, TimeSpan.FromSeconds(2)));
        }

        Assert.Equal(3, server.AcceptedConnections);
    }

    /// <summary>What one exchange came to: "valid", an envelope problem, "rtn", "wrong_address", or a transport reason.</summary>
    internal static async Task<string> OutcomeAsync(IBmsTransport transport, string request, TimeSpan timeout)
    {
        try
        {
            string frame = await transport.ExchangeAsync(request, timeout, CancellationToken.None);
            return EnvelopeCheck.Problem(frame)
                ?? (EnvelopeCheck.ReturnCode(frame) != 0 ? "rtn"
                : EnvelopeCheck.Address(frame) != EnvelopeCheck.Address(request) ? "wrong_address"
                : "valid");
        }
        catch (TransportException ex)
        {
            return ex.Reason.ToReason();
        }
    }
}
