using System.Net;
using System.Net.Sockets;
using BmsPace.Configuration;
using BmsPace.Hosting;
using BmsPace.Protocol.Commands;
using BmsPace.Simulator;
using BmsPace.Tests.Simulation;
using BmsPace.Transport;
using Microsoft.Extensions.Logging.Abstractions;

namespace BmsPace.Tests.Transport;

/// <summary>The in-process simulator link: the same reader over an in-memory pipe.</summary>
public class InProcessTransportTests
{
    private static readonly string AnalogRequest = AsciiDialectCalls.PaceRequest(CommandKind.Analog, 0x25, 1);

    [Fact]
    public async Task The_factory_builds_the_simulator_the_connection_describes()
    {
        Assert.True(ConnectionSpec.TryParse("simulator?packs=2&cells=8&temps=4&tail=1&seed=7", out var spec, out _));
        await using var transport = TransportFactory.Create(spec!, NullLoggerFactory.Instance);
        Assert.IsType<InProcessTransport>(transport);

        // The reply shows the battery the URI asked for: 2 packs, each of 8 cells, 4 sensors and a 1-byte tail
        // (1 + 8 x 2 + 1 + 4 x 2 + 13 + 1 = 40 bytes a block, after INFOFLAG and the pack count).
        string frame = await transport.ExchangeAsync(AnalogRequest, TimeSpan.FromSeconds(2), CancellationToken.None);
        EnvelopeCheck.AssertValid(frame);
        var info = EnvelopeCheck.Info(frame);
        Assert.Equal(2 + (2 * 40), info.Length);
        Assert.Equal(2, info[1]);
        Assert.Equal(8, info[2]);
        Assert.Equal(4, info[2 + 1 + 16]);
        Assert.Equal(8, info[2 + 40]);
        Assert.Equal(4, info[2 + 40 + 1 + 16]);
    }

    [Fact]
    public void A_simulator_the_factory_cannot_build_is_refused_by_name()
    {
        Assert.True(ConnectionSpec.TryParse("simulator?packs=20", out var spec, out _));
        var error = Assert.Throws<ArgumentException>(() => TransportFactory.Create(spec!, NullLoggerFactory.Instance));
        Assert.Contains("packs=20", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_factory_builds_TCP_and_serial_transports_without_opening_them()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        Assert.True(ConnectionSpec.TryParse($"tcp://127.0.0.1:{port}", out var tcp, out _));
        Assert.True(ConnectionSpec.TryParse("serial:///dev/ttyNOPE9?baud=19200", out var serial, out _));
        await using var tcpTransport = TransportFactory.Create(tcp!, NullLoggerFactory.Instance);
        await using var serialTransport = TransportFactory.Create(serial!, NullLoggerFactory.Instance);
        Assert.IsType<TcpTransport>(tcpTransport);
        Assert.Equal($"tcp://127.0.0.1:{port}", tcpTransport.Description);
        Assert.IsType<SerialTransport>(serialTransport);
        Assert.Equal("serial:///dev/ttyNOPE9", serialTransport.Description);
        Assert.False(listener.Pending());
    }

    [Theory]
    [InlineData("drop:1", "io")]
    [InlineData("truncate:1", "truncated")]
    [InlineData("silent:1", "timeout")]
    [InlineData("badchk:1", "checksum")]
    [InlineData("badlen:1", "length_checksum")]
    [InlineData("wrongaddr:1", "wrong_address")]
    [InlineData("rtn:1", "rtn")]
    [InlineData("garbage:100", "valid")]
    [InlineData("split", "valid")]
    [InlineData("echo", "valid")]
    public async Task Faults_reach_the_real_reader_and_clearing_them_recovers(string fault, string expected)
    {
        var bms = new RecordedBms(new SimulatedBmsOptions { Packs = 3 });
        using var log = new RecordingLoggers();
        await using var transport = Connect(bms, log.Factory);

        // One clean exchange first, so the short fault timeout does not also have to cover the link's first start.
        Assert.Equal("valid", await TcpTransportTests.OutcomeAsync(transport, AnalogRequest, TimeSpan.FromSeconds(5)));
        bms.SetFault(SimulatorFault.Parse(fault));
        var timeout = expected == "timeout" ? TimeSpan.FromMilliseconds(300) : expected == "truncated" ? TimeSpan.FromSeconds(1.5) : TimeSpan.FromSeconds(5);
        Assert.Equal(expected, await TcpTransportTests.OutcomeAsync(transport, AnalogRequest, timeout));
        bms.ClearFaults();
        Assert.Equal("valid", await TcpTransportTests.OutcomeAsync(transport, AnalogRequest, TimeSpan.FromSeconds(2)));
        Assert.Equal(expected == "io" ? 2 : 1, log.Opens);
    }

    [Fact]
    public async Task Paced_replies_take_their_line_time()
    {
        var bms = new SimulatedBms(new SimulatedBmsOptions { Packs = 1, BaudRate = 9600, ThinkTime = TimeSpan.FromMilliseconds(20) });
        await using var transport = Connect(bms);
        await transport.ExchangeAsync(AnalogRequest, TimeSpan.FromSeconds(3), CancellationToken.None);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        string frame = await transport.ExchangeAsync(AnalogRequest, TimeSpan.FromSeconds(3), CancellationToken.None);
        var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started);
        var lineTime = TimeSpan.FromSeconds((AnalogRequest.Length + frame.Length) * 10.0 / 9600) + TimeSpan.FromMilliseconds(20);

        // A lower bound only: the reply cannot arrive before the line could have carried it (timing limits live in the benchmark).
        Assert.True(elapsed >= lineTime * 0.98, $"reply after {elapsed.TotalMilliseconds:F1} ms, line time {lineTime.TotalMilliseconds:F1} ms");
    }

    private static InProcessTransport Connect(ISimulatedDevice device, Microsoft.Extensions.Logging.ILoggerFactory? loggers = null)
    {
        var link = new SimulatorLink(device);
        return new InProcessTransport("simulator", link.Connect, link, loggers);
    }
}
