using System.Globalization;
using System.Text;
using BmsPace.Protocol.Dialects;
using BmsPace.Protocol.Wire;

namespace BmsPace.Probe;

/// <summary>
/// Says in words what a connection's attempts mean and what to do, one sentence per kind of outcome seen, and writes
/// the configuration lines (CLI.md keys) for a BMS that answered.
/// </summary>
internal static class ProbeVerdict
{
    public const string Loopback = "the converter sends back what it receives: switch off its echo/loopback option, or RX and TX are tied";

    public static readonly string Modbus =
        $"binary replies: this port speaks Modbus RTU in a map BmsPace does not read (it reads {string.Join(", ", BmsDialects.All.Where(d => d.Wire is not AsciiWire).Select(d => d.Name))}); set the pack's RS485 protocol to PACE in the vendor tool, or use the RS232 port";

    public static IReadOnlyList<string> Explain(ConnectionProbe probe)
    {
        var lines = new List<string>();
        var attempts = probe.Attempts;
        var finding = probe.Finding;
        var analog = attempts.Where(a => a.Protocol is not null).ToList();

        if (finding is not null)
        {
            lines.Add(Found(finding));
        }

        var io = attempts.Where(a => a.Outcome == ProbeOutcome.Io).ToList();
        if (io.Count > 0)
        {
            string detail = io[0].Detail;
            string advice = detail.StartsWith("busy", StringComparison.Ordinal)
                ? "close that program (or stop its service) and probe again; BmsPace needs the port to itself"
                : detail.StartsWith("no such device", StringComparison.Ordinal)
                    ? "the device is not there: check the path (ls /dev/serial/by-id), the USB cable, and dmesg for the adapter"
                    : "check the address and port, that the serial server is powered and reachable, and the permissions (dialout group)";
            lines.Add($"cannot use {probe.Target.Name}: {detail}: {advice}");
        }

        if (analog.Any(a => a.Outcome == ProbeOutcome.Echo))
        {
            lines.Add(finding is null
                ? Loopback
                : $"{Loopback} (the BMS answered after the echo, which BmsPace discards, but the echo costs time on every request)");
        }

        var foreign = analog.Where(a => a.Outcome == ProbeOutcome.Foreign).ToList();
        if (foreign.Count > 0)
        {
            if (foreign.Any(a => a.Detail.Contains(" bytes of Modbus RTU (", StringComparison.Ordinal)))
            {
                lines.Add(Modbus);
            }
            else if (finding?.Baud is int goodBaud && foreign.Any(a => a.Baud != goodBaud))
            {
                lines.Add($"unreadable bytes at {Speeds(foreign.Where(a => a.Baud != goodBaud))} baud, answers at {goodBaud}: the BMS talks at {goodBaud} baud");
            }
            else
            {
                lines.Add($"bytes that are no PACE-family frame ({foreign[0].Detail}): something else speaks on this line (another protocol, an inverter or a second master), or the speed is wrong");
            }
        }

        // A Modbus exception names no VER: an ASCII RTN and a Modbus refusal say different things.
        var modbusRefusals = analog.Where(a => a.Outcome == ProbeOutcome.Rtn && IsModbus(a)).ToList();
        if (modbusRefusals.Count > 0 && finding is null)
        {
            lines.Add($"a Modbus RTU slave answers but refuses the reads of every family BmsPace knows ({modbusRefusals[0].Detail}): a map BmsPace does not read yet; the output of bmspace probe --json helps to add it");
        }

        var rtn = analog.Where(a => a.Outcome == ProbeOutcome.Rtn && !IsModbus(a)).ToList();
        if (rtn.Count > 0)
        {
            string codes = string.Join(", ", rtn.Select(a => a.Detail.Split(' ')[1].TrimEnd(':')).Distinct());
            string askedVersions = string.Join(" and ", rtn.Select(a => "VER " + a.Request![1..3]).Distinct());
            if (finding is not null)
            {
                string version = finding.Dialect.DefaultVersion.ToString("X2", CultureInfo.InvariantCulture);
                lines.Add($"RTN {codes} to {askedVersions} and an answer to VER {version}: this is a 0x{version} dialect ({finding.Dialect.Name})");
            }
            else
            {
                lines.Add($"a BMS is there but refuses every question (RTN {codes} to {askedVersions}, {RtnMeaning(rtn[0])}): it speaks this framing in a dialect or version BmsPace does not know; a capture of its answer (bmspace probe --json) helps to add it");
            }
        }

        var unexplained = analog.Where(a => a.Outcome == ProbeOutcome.BadFrame
            && (a.Detail.StartsWith(ReplyClassifier.Unexplained, StringComparison.Ordinal) || a.Detail.StartsWith(ModbusReplyClassifier.Unexplained, StringComparison.Ordinal))).ToList();
        if (unexplained.Count > 0 && finding is null)
        {
            lines.Add($"a BMS answers with whole, checksummed frames that no known layout explains ({unexplained[0].Detail}): a dialect or firmware BmsPace does not read yet; the output of bmspace probe --json helps to add it");
        }

        var bad = analog.Where(a => a.Outcome == ProbeOutcome.BadFrame).Except(unexplained).ToList();
        if (bad.Count > 0)
        {
            if (finding?.Baud is int goodBaud && bad.Any(a => a.Baud != goodBaud))
            {
                lines.Add($"bad frames at {Speeds(bad.Where(a => a.Baud != goodBaud))}, answers at {goodBaud}: set baud={goodBaud}");
            }
            else if (finding is null)
            {
                lines.Add($"frames arrive but fail their checks ({bad[0].Detail}): noise, a wrong speed, a long or unshielded cable, or a missing ground; connect GND, shorten the cable, or try the RS232 port");
            }
            else
            {
                lines.Add($"some frames failed their checks ({bad[0].Detail}): a noisy line; BmsPace counts and drops such frames, but the cabling is worth a look");
            }
        }

        if (analog.Any(a => a.Outcome == ProbeOutcome.Silence))
        {
            if (finding?.PackAddresses is { } list)
            {
                var selfAssigned = list.Where(a => finding.Dialect.Addressing.SelfAssignedAddresses.Contains(a)).ToList();
                string own = selfAssigned.Count == 0 ? "" : $" ({string.Join(", ", selfAssigned)}: where a pack without DIP switches places itself)";
                lines.Add($"only addresses {string.Join(", ", list)} answer: an RS485 bus where each pack answers its own DIP address{own}; BmsPace polls them one by one");
            }
            else if (finding is { AnswersEveryAddress: false })
            {
                lines.Add($"only address {finding.Address} answers: that is the pack's DIP address (on RS232 the master answers any address; here it does not, so this is RS485 or a single pack)");
            }
            else if (finding is null)
            {
                lines.Add(Silence(probe));
            }
        }

        if (probe.TimeLimitReached)
        {
            lines.Add($"the probe stopped at its time limit ({ProbeRunner.Budget.TotalSeconds:F0} s) before every speed and address was tried; probe one speed with serial://PATH?baud=N");
        }

        return lines;
    }

    /// <summary>The configuration lines (CLI.md keys) that read what was found.</summary>
    public static string Config(ProbeFinding finding, string name)
    {
        var text = new StringBuilder();
        text.Append("batteries:\n");
        text.Append(CultureInfo.InvariantCulture, $"  - name: {name}\n");
        text.Append(CultureInfo.InvariantCulture, $"    connection: {Connection(finding)}\n");
        text.Append(CultureInfo.InvariantCulture, $"    address: {finding.Address}\n");
        text.Append(CultureInfo.InvariantCulture, $"    protocol: {finding.Dialect.Name}\n");
        if (finding.ProtocolVersion != finding.Dialect.DefaultVersion)
        {
            text.Append(CultureInfo.InvariantCulture, $"    protocol_version: 0x{finding.ProtocolVersion:X2}\n");
        }

        text.Append(finding.PackAddresses is { } list
            ? $"    packs: [{string.Join(", ", list)}]\n"
            : "    packs: all\n");
        return text.ToString();
    }

    public static string Connection(ProbeFinding finding) => finding.Target.Connection switch
    {
        Configuration.SerialConnectionSpec serial => finding.Baud is int baud && baud != 9600
            ? $"serial://{finding.Target.ConfigPath ?? serial.Path}?baud={baud}"
            : $"serial://{finding.Target.ConfigPath ?? serial.Path}",
        var other => other is Configuration.SimulatorConnectionSpec ? "simulator" : other.ToString()!,
    };

    private static string Found(ProbeFinding finding)
    {
        string speed = finding.Baud is int baud ? $" at {baud} baud" : "";
        string packs = finding.PackAddresses is not null
            ? $"packs at addresses {string.Join(", ", finding.PackAddresses)}"
            : finding.Packs == 1 ? "1 pack" : $"{finding.Packs} packs";
        string every = finding.AnswersEveryAddress ? " (it answers every address: the RS232 port, or a master that ignores ADR)" : "";
        string version = finding.SoftwareVersion is null ? "" : $", software {finding.SoftwareVersion}";
        string envelope = finding.Dialect.Wire is AsciiWire ? $"VER {finding.ProtocolVersion:X2}" : "Modbus RTU";
        return $"{Article(finding.Dialect.Name)} {finding.Dialect.Name} BMS ({envelope}) answers on {finding.Target.Name}{speed}, address {finding.Address}{every}: {packs}{version}";
    }

    /// <summary>"an" before a name read with a vowel sound ("an eg4-ll BMS"), else "a" ("a pace BMS", "a seplos BMS").</summary>
    private static string Article(string name) => name.Length > 0 && "aeioAEIO".Contains(name[0], StringComparison.Ordinal) ? "an" : "a";

    private static string Silence(ConnectionProbe probe)
    {
        var silent = probe.Attempts.Where(a => a.Outcome == ProbeOutcome.Silence).ToList();
        string speeds = silent.Any(a => a.Baud is not null) ? $" at {Speeds(silent)} baud" : "";
        int addresses = silent.Select(a => a.Address).Distinct().Count();
        return $"nothing came back{speeds} ({addresses} addresses, every dialect): check the wiring (RS232 RJ11: pin 3 BMS TX to the adapter's RX, pin 4 BMS RX to its TX, GND on pin 2 or 5; swap TX and RX if unsure; RS485 RJ45: A on pin 7, B on pin 8, swap A and B if unsure), that this is the pack's RS232 or RS485 port and not CAN, and that the pack is awake";
    }

    private static string RtnMeaning(ProbeAttempt attempt)
    {
        int colon = attempt.Detail.IndexOf(':', StringComparison.Ordinal);
        int paren = attempt.Detail.IndexOf(" (", StringComparison.Ordinal);
        return colon > 0 && paren > colon ? attempt.Detail[(colon + 2)..paren] : attempt.Detail;
    }

    private static string Speeds(IEnumerable<ProbeAttempt> attempts) =>
        string.Join(", ", attempts.Select(a => a.Baud).Where(b => b is not null).Distinct().Select(b => b!.Value.ToString(CultureInfo.InvariantCulture)));

    /// <summary>An attempt that asked a Modbus RTU read (its request is hex bytes, an ASCII request starts with '~').</summary>
    private static bool IsModbus(ProbeAttempt attempt) => attempt.Request is { } request && !request.StartsWith('~');
}
