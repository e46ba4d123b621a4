using BmsPace.Configuration;
using BmsPace.Protocol.Commands;
using BmsPace.Protocol.Framing;
using BmsPace.Resilience;
using BmsPace.Simulator;
using BmsPace.Tests.Simulation;
using BmsPace.Transport;

namespace BmsPace.Tests.Transport;

/// <summary>SerialTransport (System.IO.Ports) on real pseudo-terminals: a socat pair, and the simulator's own pty.</summary>
public class SerialTransportTests
{
    private static readonly string AnalogRequest = AsciiDialectCalls.PaceRequest(CommandKind.Analog, 0x25, 1);
    private static readonly BackoffPolicy Fast = new(TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(200));

    [Fact]
    public async Task A_socat_pty_pair_carries_every_command_and_faults_are_seen_through_the_serial_port()
    {
        await using var pair = await SocatPtyPair.StartAsync();
        var bms = new RecordedBms(new SimulatedBmsOptions { Packs = 8, TailBytes = 14 });
        using var stop = new CancellationTokenSource();
        var serverEnd = new UnixFdStream(UnixTerminal.OpenRaw(pair.PathA));
        var session = Task.Run(() => SimulatorSession.RunAsync(serverEnd, bms, canDisconnect: false, stop.Token));
        try
        {
            using var log = new RecordingLoggers();
            await using var transport = new SerialTransport(new SerialConnectionSpec(pair.PathB), log.Factory, reconnect: Fast);
            foreach (var kind in CommandKinds.All)
            {
                string frame = await transport.ExchangeAsync(AsciiDialectCalls.PaceRequest(kind, 0x25, 1), TimeSpan.FromSeconds(5), CancellationToken.None);
                EnvelopeCheck.AssertValid(frame);
                Assert.Equal(bms.LastReply(kind.ToCid2()), frame);
            }

            bms.SetFault(SimulatorFault.Parse("truncate:1"));
            Assert.Equal("truncated", await TcpTransportTests.OutcomeAsync(transport, AnalogRequest, TimeSpan.FromSeconds(1.5)));
            bms.ClearFaults();
            bms.SetFault(SimulatorFault.Parse("echo"));
            bms.SetFault(SimulatorFault.Parse("split"));
            Assert.Equal("valid", await TcpTransportTests.OutcomeAsync(transport, AnalogRequest, TimeSpan.FromSeconds(5)));
            bms.ClearFaults();
            Assert.Equal("valid", await TcpTransportTests.OutcomeAsync(transport, AnalogRequest, TimeSpan.FromSeconds(5)));
            Assert.Equal(1, log.Opens);
        }
        finally
        {
            await stop.CancelAsync();
            await session;
            await serverEnd.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_line_that_vanishes_is_an_io_error_not_a_hang()
    {
        await using var pair = await SocatPtyPair.StartAsync();
        var bms = new RecordedBms();
        using var stop = new CancellationTokenSource();
        var serverEnd = new UnixFdStream(UnixTerminal.OpenRaw(pair.PathA));
        var session = Task.Run(() => SimulatorSession.RunAsync(serverEnd, bms, canDisconnect: false, stop.Token));
        await using var transport = new SerialTransport(new SerialConnectionSpec(pair.PathB), reconnect: Fast);
        Assert.Equal("valid", await TcpTransportTests.OutcomeAsync(transport, AnalogRequest, TimeSpan.FromSeconds(5)));

        await pair.KillAsync();
        await stop.CancelAsync();
        await session;
        await serverEnd.DisposeAsync();

        // The device is gone: the exchange fails (io, or a timeout if the pty closes late) and never blocks.
        var outcome = await TcpTransportTests.OutcomeAsync(transport, AnalogRequest, TimeSpan.FromSeconds(1));
        Assert.Contains(outcome, new[] { "io", "timeout" });

        // Within a few attempts the dead port is noticed and closed, and reopening fails with an io error (no device).
        TransportException? last = null;
        for (int i = 0; i < 10 && last?.Reason != FrameError.Io; i++)
        {
            last = await Assert.ThrowsAsync<TransportException>(() => transport.ExchangeAsync(AnalogRequest, TimeSpan.FromSeconds(1), CancellationToken.None));
        }

        Assert.Equal(FrameError.Io, last!.Reason);
    }

    [Fact]
    public async Task A_missing_device_gives_a_clear_error()
    {
        string path = Path.Combine(Path.GetTempPath(), "bmspace-no-such-" + Guid.NewGuid().ToString("N"), "ttyUSB7");
        await using var transport = new SerialTransport(new SerialConnectionSpec(path));
        var error = await Assert.ThrowsAsync<TransportException>(() => transport.ExchangeAsync(AnalogRequest, TimeSpan.FromSeconds(1), CancellationToken.None));
        Assert.Equal(FrameError.Io, error.Reason);
        Assert.Equal($"no such serial device {path}", error.Message);
    }

    [Fact]
    public async Task The_simulators_own_pty_serves_a_serial_client_and_removes_its_link()
    {
        string directory = Path.Combine(Path.GetTempPath(), "bmspace-pty-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        string link = Path.Combine(directory, "ttyBMS");
        try
        {
            var bms = new RecordedBms(new SimulatedBmsOptions { Packs = 2, TailBytes = 1 });
            var server = PseudoTerminalServer.Start(bms, link);
            await using (server)
            {
                Assert.StartsWith("/dev/pts/", server.SlavePath, StringComparison.Ordinal);
                using var log = new RecordingLoggers();
                await using var transport = new SerialTransport(new SerialConnectionSpec(link), log.Factory, reconnect: Fast);
                for (int i = 0; i < 3; i++)
                {
                    string frame = await transport.ExchangeAsync(AnalogRequest, TimeSpan.FromSeconds(5), CancellationToken.None);
                    EnvelopeCheck.AssertValid(frame);
                    Assert.Equal(bms.LastReply(0x42), frame);
                }

                // Closing and reopening the port (what the poller does after repeated failures) still works.
                await transport.ResetAsync(CancellationToken.None);
                EnvelopeCheck.AssertValid(await transport.ExchangeAsync(AnalogRequest, TimeSpan.FromSeconds(5), CancellationToken.None));
                Assert.Equal(2, log.Opens);
            }

            Assert.False(File.Exists(link) || new FileInfo(link).LinkTarget is not null);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
