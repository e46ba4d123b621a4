using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using BmsPace.Commands;
using BmsPace.Probe;
using BmsPace.Protocol.Commands;
using BmsPace.Protocol.Framing;
using BmsPace.Simulator;
using BmsPace.Tests.Simulation;
using BmsPace.Tests.Shipping;
using BmsPace.Tests.Transport;

namespace BmsPace.Tests.Probe;

/// <summary>
/// <c>bmspace probe</c> against real endpoints: the simulator over TCP and over ptys, TCP servers that echo, stay silent,
/// speak Modbus RTU or replay captured frames of other dialects, a port held by another process, a missing device.
/// Every test checks the outcome of each attempt, the verdict in words, the exit code, that each request sent is a
/// read-only one, and that the probe of one connection ended well within a minute.
/// </summary>
public sealed class ProbeCommandTests
{
    private static readonly TimeSpan OneConnectionLimit = ProbeRuns.OneConnectionLimit;

    [Fact]
    public async Task Finds_the_simulated_pace_stack_over_tcp_with_version_address_and_pack_count()
    {
        var bms = new RecordedBms(new SimulatedBmsOptions { Packs = 3 });
        await using var server = SimulatorTcpServer.Start(bms, new IPEndPoint(IPAddress.Loopback, 0));
        string uri = $"tcp://127.0.0.1:{server.EndPoint.Port}";

        var run = await ProbeRuns.ProbeJsonAsync("--connect", uri);

        Assert.Equal(0, run.Exit);
        var found = Assert.Single(run.Found);
        Assert.Equal(uri, found.GetProperty("connection").GetString());
        Assert.Equal("pace", found.GetProperty("protocol").GetString());
        Assert.Equal("25", found.GetProperty("protocol_version").GetString());
        Assert.Equal(1, found.GetProperty("address").GetInt32());
        Assert.Equal(3, found.GetProperty("packs").GetInt32());
        Assert.Equal(bms.Options.SoftwareVersion, found.GetProperty("software_version").GetString());
        Assert.Equal($"batteries:\n  - name: main\n    connection: {uri}\n    address: 1\n    protocol: pace\n    packs: all\n", found.GetProperty("config").GetString());

        // The simulator answers any ADR, as a pack on its RS232 port does: every address is tried and answers.
        var analog = run.Attempts.Where(a => a.Request!.Contains("4642E002FF", StringComparison.Ordinal)).ToList();
        Assert.Equal(Enumerable.Range(0, 16), analog.Select(a => a.Address!.Value).Order());
        Assert.All(analog, a => Assert.Equal("answer", a.Outcome));
        Assert.All(run.Attempts, a => Assert.Null(a.Baud));
        Assert.Contains(run.Verdict, line => line.Contains("answers every address", StringComparison.Ordinal));
        ProbeRuns.AssertOnlyReadOnly(bms.ReceivedRequests);
        Assert.Equal(run.Attempts.Count, bms.ReceivedRequests.Count);
        Assert.True(run.Elapsed < OneConnectionLimit, $"took {run.Elapsed}");
    }

    [Fact]
    public async Task The_config_lines_it_prints_read_the_battery_with_once()
    {
        var bms = new RecordedBms(new SimulatedBmsOptions { Packs = 2 });
        await using var server = SimulatorTcpServer.Start(bms, new IPEndPoint(IPAddress.Loopback, 0));
        var run = await ProbeRuns.ProbeJsonAsync("--connect", $"tcp://127.0.0.1:{server.EndPoint.Port}");
        string path = Path.Combine(Path.GetTempPath(), $"bmspace-probe-config-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(path, Assert.Single(run.Found).GetProperty("config").GetString());
        try
        {
            using var output = new StringWriter();
            using var error = new StringWriter();

            int exit = await BmsPaceCli.InvokeAsync(["once", "--config", path, "--json"], output, error);

            Assert.True(exit == 0, error.ToString());
            using var document = JsonDocument.Parse(output.ToString());
            var battery = Assert.Single(document.RootElement.GetProperty("batteries").EnumerateArray());
            Assert.True(battery.GetProperty("ok").GetBoolean());
            Assert.Equal(2, battery.GetProperty("packs").GetArrayLength());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Finds_the_simulated_stack_on_a_pty_at_9600_baud_and_prints_attempts_as_they_happen()
    {
        var bms = new RecordedBms(new SimulatedBmsOptions { Packs = 2 });
        string link = Path.Combine(Path.GetTempPath(), $"bmspace-probe-{Guid.NewGuid():N}");
        await using var pty = PseudoTerminalServer.Start(bms, link);

        var watch = Stopwatch.StartNew();
        using var output = new StringWriter();
        using var error = new StringWriter();
        int exit = await BmsPaceCli.InvokeAsync(["probe", "--connect", $"serial://{link}"], output, error);
        watch.Stop();

        string text = output.ToString();
        Assert.Equal(0, exit);
        Assert.Contains($"serial://{link}    9600  pace              ADR 01  answer", text, StringComparison.Ordinal);
        Assert.Contains("software version P16S100A-SIM01-1.00", text, StringComparison.Ordinal);
        Assert.Contains($"a pace BMS (VER 25) answers on serial://{link} at 9600 baud, address 1", text, StringComparison.Ordinal);
        Assert.EndsWith($"config lines to use:\nbatteries:\n  - name: main\n    connection: serial://{link}\n    address: 1\n    protocol: pace\n    packs: all\n", text.Replace("\r", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.DoesNotContain("19200", text, StringComparison.Ordinal);
        ProbeRuns.AssertOnlyReadOnly(bms.ReceivedRequests);
        Assert.True(watch.Elapsed < OneConnectionLimit, $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task A_master_that_misses_one_address_of_the_scan_is_asked_again_and_still_answers_every_address()
    {
        // An RS232 master answers every address; address 9's first request goes unanswered, as under load or noise.
        var bms = new RecordedBms(new SimulatedBmsOptions { Packs = 2 });
        int asked9 = 0;
        await using var server = ScriptedLineServer.Start(request =>
            request[3..5] == "09" && Interlocked.Increment(ref asked9) == 1 ? null : bms.Respond(request).Bytes);

        var run = await ProbeRuns.ProbeJsonAsync("--connect", server.Uri);

        Assert.Equal(0, run.Exit);
        var found = Assert.Single(run.Found);
        Assert.Equal(1, found.GetProperty("address").GetInt32());
        Assert.Equal(2, found.GetProperty("packs").GetInt32());
        Assert.Contains("    address: 1\n    protocol: pace\n    packs: all\n", found.GetProperty("config").GetString(), StringComparison.Ordinal);
        Assert.Contains(run.Verdict, line => line.Contains("answers every address", StringComparison.Ordinal));
        Assert.Equal(["silence", "answer"], run.Attempts.Where(a => a.Address == 9 && a.Protocol == "pace").Select(a => a.Outcome));
        ProbeRuns.AssertOnlyReadOnly(server.Requests);
    }

    [Fact]
    public async Task A_late_answer_is_credited_to_the_address_that_sent_it_not_to_the_next_one()
    {
        // An RS485 bus with packs at 2, 3 and 5; pack 3's first answer comes only after the probe has asked address 4.
        var bms = new RecordedBms(new SimulatedBmsOptions { Packs = 1 });
        bool firstAskOf3 = true;
        string? unanswered3 = null;
        await using var server = ScriptedLineServer.Start(request =>
        {
            string address = request[3..5];
            if (address == "03" && firstAskOf3)
            {
                firstAskOf3 = false;
                unanswered3 = request;
                return null;
            }

            if (address == "04" && unanswered3 is { } late)
            {
                unanswered3 = null;
                return bms.Respond(late).Bytes;
            }

            return address is "02" or "03" or "05" ? bms.Respond(request).Bytes : null;
        });

        var run = await ProbeRuns.ProbeJsonAsync("--connect", server.Uri);

        Assert.Equal(0, run.Exit);
        var found = Assert.Single(run.Found);
        Assert.Equal([2, 3, 5], found.GetProperty("pack_addresses").EnumerateArray().Select(a => a.GetInt32()));
        Assert.Equal(["silence", "answer"], run.Attempts.Where(a => a.Address == 3 && a.Protocol == "pace").Select(a => a.Outcome));
        Assert.Equal(["silence"], run.Attempts.Where(a => a.Address == 4 && a.Protocol == "pace").Select(a => a.Outcome));
        Assert.Contains(run.Verdict, line => line.StartsWith("only addresses 2, 3, 5 answer", StringComparison.Ordinal));
        ProbeRuns.AssertOnlyReadOnly(server.Requests);
    }

    [Fact]
    public async Task Finds_a_single_pack_at_another_address_over_tcp()
    {
        var bms = new RecordedBms(new SimulatedBmsOptions { Packs = 1 });
        await using var server = ScriptedLineServer.Start(request => request[3..5] == "07" ? bms.Respond(request).Bytes : null);

        var run = await ProbeRuns.ProbeJsonAsync("--connect", server.Uri);

        Assert.Equal(0, run.Exit);
        var found = Assert.Single(run.Found);
        Assert.Equal(7, found.GetProperty("address").GetInt32());
        Assert.Equal(1, found.GetProperty("packs").GetInt32());
        Assert.Contains("    address: 7\n    protocol: pace\n    packs: all\n", found.GetProperty("config").GetString(), StringComparison.Ordinal);
        Assert.Contains(run.Verdict, line => line.StartsWith("only address 7 answers", StringComparison.Ordinal));
        ProbeRuns.AssertOnlyReadOnly(server.Requests);
        Assert.True(run.Elapsed < OneConnectionLimit, $"took {run.Elapsed}");
    }

    [Fact]
    public async Task Names_a_loopback_when_every_request_comes_back()
    {
        await using var server = ScriptedLineServer.Echo();

        var run = await ProbeRuns.ProbeJsonAsync("--connect", server.Uri);

        Assert.Equal(1, run.Exit);
        Assert.Empty(run.Found);
        Assert.NotEmpty(run.Attempts);
        Assert.All(run.Attempts, a => Assert.Equal("echo", a.Outcome));
        Assert.Equal(["eg4", "eg4-ll", "pace", "pace-modbus", "seplos-v3", "seplos/pylontech"], run.Attempts.Select(a => a.Protocol!).Distinct().Order());
        Assert.Contains(ProbeVerdict.Loopback, run.Verdict);
        ProbeRuns.AssertOnlyReadOnly(server.Requests);

        // An echo is classified within a fraction of a second, not after the silence timeout.
        Assert.True(run.Elapsed < TimeSpan.FromSeconds(20), $"took {run.Elapsed}");
    }

    [Fact]
    public async Task Names_modbus_rtu_replies_as_foreign()
    {
        // A holding-register answer: slave 1, function 3, 2 bytes 0x0064, CRC B9 AF.
        byte[] modbus = [0x01, 0x03, 0x02, 0x00, 0x64, 0xB9, 0xAF];
        await using var server = ScriptedLineServer.Start(_ => modbus);

        var run = await ProbeRuns.ProbeJsonAsync("--connect", server.Uri);

        Assert.Equal(1, run.Exit);
        Assert.Empty(run.Found);
        var (ascii, modbusReads) = ProbeRuns.ByLanguage(run.Attempts);
        Assert.All(ascii, a => Assert.Equal("foreign", a.Outcome));
        Assert.All(ascii, a => Assert.Equal("7 bytes of Modbus RTU (slave 1, function 03, CRC ok): 0103020064B9AF", a.Detail));
        Assert.Contains(ProbeVerdict.Modbus, run.Verdict);

        // Asked in Modbus, the same reply fails the byte count of the holding-register reads and is no reply at all to
        // Seplos V3's input-register read: never a family found.
        Assert.Equal(["7 bytes of Modbus RTU (slave 1, function 03, CRC ok): 0103020064B9AF", "length: byte count 2; 37 registers need 74", "length: byte count 2; 39 registers need 78"],
            modbusReads.Where(a => a.Address == 1).Select(a => a.Detail).Order());
        Assert.DoesNotContain(modbusReads, a => a.Outcome == "answer");
        ProbeRuns.AssertOnlyReadOnly(server.Requests);
        Assert.True(run.Elapsed < OneConnectionLimit, $"took {run.Elapsed}");
    }

    [Fact]
    public async Task Names_bytes_that_are_no_frame_and_no_modbus_as_foreign()
    {
        await using var server = ScriptedLineServer.Start(_ => [0x55, 0xAA, 0x00, 0x13, 0x37]);

        var run = await ProbeRuns.ProbeJsonAsync("--connect", server.Uri);

        Assert.Equal(1, run.Exit);
        Assert.All(run.Attempts, a => Assert.Equal("foreign", a.Outcome));
        var (ascii, modbusReads) = ProbeRuns.ByLanguage(run.Attempts);
        Assert.All(ascii, a => Assert.Equal("5 bytes that are no PACE-family ASCII frame: 55AA001337", a.Detail));
        Assert.All(modbusReads, a => Assert.Equal("5 bytes that are no reply to this Modbus read: 55AA001337", a.Detail));
        Assert.Contains(run.Verdict, line => line.StartsWith("bytes that are no PACE-family frame", StringComparison.Ordinal));
        Assert.DoesNotContain(ProbeVerdict.Modbus, run.Verdict);
    }

    [Fact]
    public async Task Rtn_to_ver_25_and_an_answer_to_ver_20_is_a_0x20_dialect()
    {
        // A Seplos pack (captured frames): it refuses VER 25 with RTN 01 and answers its own dialect at ADR 0.
        var replies = new Dictionary<string, string>
        {
            [ProbeRuns.Vector("seplos-readme-42-v20", "request")] = ProbeRuns.Vector("seplos-readme-42-v20", "frame"),
            [ProbeRuns.Vector("seplos-51-v20", "request")] = ProbeRuns.Vector("seplos-51-v20", "frame"),
        };
        await using var server = ScriptedLineServer.Start(request =>
            replies.TryGetValue(request, out string? reply) ? Encoding.ASCII.GetBytes(reply)
            : request.StartsWith("~25", StringComparison.Ordinal) ? Encoding.ASCII.GetBytes(FrameEncoder.EncodeResponse(0x20, Convert.ToByte(request[3..5], 16), 0x46, 0x01, []))
            : null);

        var run = await ProbeRuns.ProbeJsonAsync("--connect", server.Uri);

        Assert.Equal(0, run.Exit);
        var found = Assert.Single(run.Found);
        Assert.Equal("seplos", found.GetProperty("protocol").GetString());
        Assert.Equal("20", found.GetProperty("protocol_version").GetString());
        Assert.Equal(0, found.GetProperty("address").GetInt32());
        Assert.Equal("1101-SP15 2.7", found.GetProperty("software_version").GetString());
        Assert.Contains("    address: 0\n    protocol: seplos\n    packs: all\n", found.GetProperty("config").GetString(), StringComparison.Ordinal);
        var pace = run.Attempts.Where(a => a.Protocol == "pace").ToList();
        Assert.NotEmpty(pace);
        Assert.All(pace, a => Assert.Equal("rtn", a.Outcome));
        Assert.All(pace, a => Assert.StartsWith("RTN 01: version error", a.Detail, StringComparison.Ordinal));
        Assert.Contains(run.Attempts, a => a.Protocol == "seplos" && a.Address == 0 && a.Outcome == "answer");
        Assert.Contains("RTN 01 to VER 25 and an answer to VER 20: this is a 0x20 dialect (seplos)", run.Verdict);
        ProbeRuns.AssertOnlyReadOnly(server.Requests);
        Assert.True(run.Elapsed < OneConnectionLimit, $"took {run.Elapsed}");
    }

    [Fact]
    public async Task Finds_an_eg4_pack_from_its_captured_frames()
    {
        await using var server = ScriptedLineServer.Frames(new Dictionary<string, string>
        {
            [ProbeRuns.Vector("eg4-nkinnan-42-v20", "request")] = ProbeRuns.Vector("eg4-nkinnan-42-v20", "frame"),
            [ProbeRuns.Vector("eg4-51-v20", "request")] = ProbeRuns.Vector("eg4-51-v20", "frame"),
        });

        var run = await ProbeRuns.ProbeJsonAsync("--connect", server.Uri);

        Assert.Equal(0, run.Exit);
        var found = Assert.Single(run.Found);
        Assert.Equal("eg4", found.GetProperty("protocol").GetString());
        Assert.Equal(1, found.GetProperty("address").GetInt32());
        Assert.Equal(JsonValueKind.Null, found.GetProperty("software_version").ValueKind);
        Assert.Equal("silence", run.Attempts[0].Outcome);
        Assert.Equal("pace", run.Attempts[0].Protocol);
        Assert.Contains(run.Attempts, a => a.Protocol == "eg4" && a.Request == "~20014A510000FDA2" && a.Outcome == "answer");
        ProbeRuns.AssertOnlyReadOnly(server.Requests);
    }

    [Fact]
    public async Task Names_frames_that_fail_their_checks_as_bad_frames()
    {
        var bms = new RecordedBms(new SimulatedBmsOptions { Packs = 1 });
        bms.SetFault(SimulatorFault.Parse("badchk:1"));
        await using var server = SimulatorTcpServer.Start(bms, new IPEndPoint(IPAddress.Loopback, 0));

        var run = await ProbeRuns.ProbeJsonAsync("--connect", $"tcp://127.0.0.1:{server.EndPoint.Port}");

        Assert.Equal(1, run.Exit);
        Assert.Empty(run.Found);
        // The simulated PACE pack answers only PACE frames (damaged here); to the other dialects' frames it is silent, like a real pack.
        Assert.All(run.Attempts, a => Assert.Equal(a.Protocol == "pace" ? "bad_frame" : "silence", a.Outcome));
        Assert.Contains(run.Attempts, a => a.Protocol == "pace" && a.Detail.StartsWith("checksum: CHKSUM is", StringComparison.Ordinal));
        Assert.Contains(run.Verdict, line => line.StartsWith("frames arrive but fail their checks (checksum", StringComparison.Ordinal));
        ProbeRuns.AssertOnlyReadOnly(bms.ReceivedRequests);
        Assert.True(run.Elapsed < OneConnectionLimit, $"took {run.Elapsed}");
    }

    [Fact]
    public async Task A_truncated_frame_is_a_bad_frame()
    {
        await using var server = ScriptedLineServer.Start(_ => Encoding.ASCII.GetBytes("~25014600F07A0001100CC7"));

        var run = await ProbeRuns.ProbeJsonAsync("--connect", server.Uri);

        Assert.Equal(1, run.Exit);
        var (ascii, modbus) = ProbeRuns.ByLanguage(run.Attempts);
        Assert.All(ascii, a => Assert.Equal("bad_frame", a.Outcome));
        Assert.All(ascii, a => Assert.Equal("truncated: a frame started (~25014600F07A0001100CC7) and no CR followed", a.Detail));
        Assert.All(modbus, a => Assert.Equal("foreign", a.Outcome));
        Assert.All(modbus, a => Assert.Equal("23 bytes that are no reply to this Modbus read: 7E32353031343630304630374130303031313030434337", a.Detail));
        Assert.Contains(run.Verdict, line => line.StartsWith("frames arrive but fail their checks (truncated", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_missing_device_is_io_and_says_it_is_not_there()
    {
        string path = $"/dev/ttyUSB-bmspace-missing-{Guid.NewGuid():N}";

        var run = await ProbeRuns.ProbeJsonAsync("--connect", $"serial://{path}");

        Assert.Equal(1, run.Exit);
        var attempt = Assert.Single(run.Attempts);
        Assert.Equal("io", attempt.Outcome);
        Assert.Equal($"no such device {path}", attempt.Detail);
        Assert.Null(attempt.Protocol);
        Assert.Null(attempt.Address);
        Assert.Contains(run.Verdict, line => line.Contains("the device is not there", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_refused_tcp_port_is_io()
    {
        var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var run = await ProbeRuns.ProbeJsonAsync("--connect", $"tcp://127.0.0.1:{port}");

        Assert.Equal(1, run.Exit);
        var attempt = Assert.Single(run.Attempts);
        Assert.Equal("io", attempt.Outcome);
        Assert.Contains("connection refused", attempt.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_port_held_by_another_process_is_busy_and_names_the_process()
    {
        await using var pair = await SocatPtyPair.StartAsync();
        using var holder = Process.Start(new ProcessStartInfo("bash", ["-c", $"exec sleep 120 < {pair.PathA}"]) { UseShellExecute = false })!;
        try
        {
            await ProbeRuns.WaitUntilAsync(() => SerialDevices.Holders(pair.PathA).Any(h => h.ProcessId == holder.Id));

            var run = await ProbeRuns.ProbeJsonAsync("--connect", $"serial://{pair.PathA}");

            Assert.Equal(1, run.Exit);
            var attempt = Assert.Single(run.Attempts);
            Assert.Equal("io", attempt.Outcome);
            Assert.StartsWith($"busy: {pair.PathA} is open in pid {holder.Id} (sleep)", attempt.Detail, StringComparison.Ordinal);
            Assert.Contains(run.Verdict, line => line.Contains("close that program", StringComparison.Ordinal));
        }
        finally
        {
            holder.Kill();
            await holder.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task Probes_several_connections_and_exits_0_when_one_answered()
    {
        var bms = new RecordedBms(new SimulatedBmsOptions { Packs = 1 });
        await using var server = SimulatorTcpServer.Start(bms, new IPEndPoint(IPAddress.Loopback, 0));
        await using var echo = ScriptedLineServer.Echo();

        var run = await ProbeRuns.ProbeJsonAsync("--connect", echo.Uri, "--connect", $"tcp://127.0.0.1:{server.EndPoint.Port}");

        Assert.Equal(0, run.Exit);
        Assert.Single(run.Found);
        Assert.Contains(run.Attempts, a => a.Connection == echo.Uri && a.Outcome == "echo");
    }

    [Fact]
    public async Task A_bad_connection_is_wrong_usage()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        int exit = await BmsPaceCli.InvokeAsync(["probe", "--connect", "bogus://nowhere"], output, error);

        Assert.Equal(2, exit);
        Assert.Contains("unknown scheme 'bogus'", error.ToString(), StringComparison.Ordinal);
        Assert.Equal("", output.ToString());
    }
}
