using BmsPace.Configuration;
using BmsPace.Protocol.Dialects;

namespace BmsPace.Probe;

/// <summary>One connection to probe: how it is named in attempts, how it is opened, and at which speeds.</summary>
internal sealed record ProbeTarget(string Name, ConnectionSpec Connection, IReadOnlyList<int?> Speeds)
{
    /// <summary>The speeds these packs use (PROTOCOL.md section 2: 9600 by default, faster settings in the vendor tool).</summary>
    public static IReadOnlyList<int> SerialSpeeds { get; } = [9600, 19200, 38400, 115200];

    /// <summary>The stable path to write into a configuration (a /dev/serial/by-id link when there is one).</summary>
    public string? ConfigPath { get; init; }

    public static ProbeTarget For(ConnectionSpec connection, string? configPath = null) => connection switch
    {
        SerialConnectionSpec serial => new ProbeTarget(
            $"serial://{serial.Path}",
            serial,
            [serial.BaudRate, .. SerialSpeeds.Where(s => s != serial.BaudRate).Select(s => (int?)s)]) { ConfigPath = configPath ?? serial.Path },
        TcpConnectionSpec tcp => new ProbeTarget(tcp.ToString(), tcp, [null]),
        _ => new ProbeTarget("simulator", connection, [null]),
    };
}

/// <summary>One request and how its reply was classified (CLI.md <c>attempts</c>); protocol and address are null when nothing was sent.</summary>
internal sealed record ProbeAttempt(string Connection, int? Baud, string? Protocol, int? Address, ProbeOutcome Outcome, string Detail, string? Request);

/// <summary>A BMS that answered: where, how, and the configuration that reads it.</summary>
internal sealed record ProbeFinding(
    ProbeTarget Target,
    int? Baud,
    IBmsDialect Dialect,
    byte ProtocolVersion,
    int Address,
    int Packs,
    IReadOnlyList<int>? PackAddresses,
    bool AnswersEveryAddress,
    string? SoftwareVersion);

/// <summary>Everything one connection's probe learnt.</summary>
internal sealed record ConnectionProbe(ProbeTarget Target, IReadOnlyList<ProbeAttempt> Attempts, ProbeFinding? Finding, bool TimeLimitReached);
