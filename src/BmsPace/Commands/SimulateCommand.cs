using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using BmsPace.Protocol.Dialects;
using BmsPace.Protocol.Simulation;
using BmsPace.Protocol.Wire;
using BmsPace.Simulator;

namespace BmsPace.Commands;

/// <summary><c>bmspace simulate</c>: serve a simulated PACE BMS over TCP or a pseudo-terminal until Ctrl-C or SIGTERM.</summary>
internal static class SimulateCommand
{
    public static Command Create()
    {
        var tcp = new Option<string?>("--tcp") { HelpName = "HOST:PORT", Description = "listen on HOST:PORT like a TCP serial server (port 0 picks a free one)" };
        var pty = new Option<string?>("--pty") { HelpName = "PATH", Description = "create a pseudo-terminal and make PATH a symlink to it (removed on exit)" };
        var defaults = new SimulatedBmsOptions();
        var packs = new Option<int>("--packs") { HelpName = "N", Description = "packs behind the master, 1 to 16", DefaultValueFactory = _ => defaults.Packs };
        var cells = new Option<int>("--cells") { HelpName = "M", Description = "cells per pack, 1 to 32", DefaultValueFactory = _ => defaults.Cells };
        var temps = new Option<int>("--temps") { HelpName = "K", Description = "temperature sensors per pack, 0 to 16", DefaultValueFactory = _ => defaults.Temperatures };
        var tail = new Option<int>("--tail") { HelpName = "T", Description = "extra bytes after design capacity in each analog block: 0, 1, 14 or 22", DefaultValueFactory = _ => defaults.TailBytes };
        var userDefinedP = new Option<int>("--user-defined-p") { HelpName = "P", Description = "the user-defined count P written in each analog block", DefaultValueFactory = _ => defaults.UserDefinedP };
        var seed = new Option<int>("--seed") { HelpName = "S", Description = "random seed (same seed, same battery)", DefaultValueFactory = _ => defaults.Seed };
        var baud = new Option<int>("--baud") { HelpName = "B", Description = "pace bytes like a line at this baud rate (10 bits per byte); 0 = no pacing", DefaultValueFactory = _ => defaults.BaudRate };
        var thinkMs = new Option<int?>("--think-ms") { HelpName = "T", Description = "milliseconds between a request and its reply (default 20 when --baud is set, else 0)" };
        var protocol = new Option<string>("--protocol")
        {
            HelpName = "NAME",
            Description = "the dialect to speak: " + string.Join(", ", BmsDialects.All.Select(d => $"{d.Name} ({Envelope(d, d.DefaultVersion)})")),
            DefaultValueFactory = _ => defaults.Dialect.Name,
        };
        var bus = new Option<string>("--bus")
        {
            HelpName = "KIND",
            Description = $"master ({Speaking(d => d.Addressing.MasterAnswersForEveryPack)}: the pack on the port answers any address, COMMAND FF for the stack), own-address ({Speaking(d => d.Addressing.MasterAnswersForEveryPack)}: an RS485 bus without a master: pack N answers only address N, COMMAND N or 00, and a VER 20 question with RTN 01 in a VER 25 header) or bank-master ({Speaking(d => d.Replies.HasBankMaster)}: unit 1 is the bank master and answers the bank's summary, the packs answer at 2 to N+1)",
            DefaultValueFactory = _ => "master",
        };
        var addresses = new Option<string?>("--addresses")
        {
            HelpName = "A,B,...",
            Description = "Modbus families only: the slave address of each pack (sets --packs), for example 2,3,4,64 for an EG4 LL bank with an auto-ID pack; default: where the family's documents place them",
        };
        var everyFlag = new Option<bool>("--every-flag") { Description = "set every alarm and status bit of the 0x44 answers, to see an output show each flag of the dialect" };
        var fault = new Option<string[]>("--fault")
        {
            HelpName = "MODE[:ARG]",
            Description = "inject a fault: garbage:N, badchk:K, badlen:K, truncate:K, silent:K, echo, drop:K, rtn:K, slow:MS, split, wrongaddr:K (K = every K-th request); repeatable",
            AllowMultipleArgumentsPerToken = false,
        };

        var command = new Command("simulate", $"serve a simulated BMS ({BmsDialects.Default.Name}, or another dialect with --protocol) over TCP or a pseudo-terminal, until Ctrl-C")
        {
            tcp, pty, protocol, bus, packs, addresses, cells, temps, tail, userDefinedP, seed, baud, thinkMs, everyFlag, fault,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var settings = new SimulateSettings
            {
                Tcp = parseResult.GetValue(tcp),
                Pty = parseResult.GetValue(pty),
                Protocol = parseResult.GetValue(protocol) ?? defaults.Dialect.Name,
                Bus = parseResult.GetValue(bus) ?? SimulatedBuses.Name(defaults.Bus),
                Options = defaults with
                {
                    Packs = parseResult.GetValue(packs),
                    Cells = parseResult.GetValue(cells),
                    Temperatures = parseResult.GetValue(temps),
                    TailBytes = parseResult.GetValue(tail),
                    UserDefinedP = parseResult.GetValue(userDefinedP),
                    Seed = parseResult.GetValue(seed),
                    BaudRate = parseResult.GetValue(baud),
                    ThinkTime = parseResult.GetValue(thinkMs) is int ms ? TimeSpan.FromMilliseconds(ms) : null,
                    EveryFlagRaised = parseResult.GetValue(everyFlag),
                },
                Faults = parseResult.GetValue(fault) ?? [],
                Addresses = parseResult.GetValue(addresses),
            };
            return await RunAsync(settings, parseResult.InvocationConfiguration.Output, parseResult.InvocationConfiguration.Error, cancellationToken);
        });
        return command;
    }

    /// <summary>Validates, starts the server, prints where it listens and serves until <paramref name="cancellationToken"/> or SIGTERM/SIGINT.</summary>
    public static async Task<int> RunAsync(SimulateSettings settings, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var options = settings.Options;
        var problems = new List<string>();
        if (!SimulatedBuses.TryParse(settings.Bus, out var simulatedBus))
        {
            problems.Add($"--bus {settings.Bus}: expected one of {string.Join(", ", SimulatedBuses.Names)}");
        }

        if (settings.Addresses is { } addressText)
        {
            if (TryParseAddresses(addressText, out var placed))
            {
                options = options with { Addresses = placed, Packs = placed.Count };
            }
            else
            {
                problems.Add($"--addresses {addressText}: expected slave addresses 0 to 255 separated by commas, for example 2,3,4,64");
            }
        }

        if (BmsDialects.TryFind(settings.Protocol, out var dialect))
        {
            options = options with { Dialect = dialect, Bus = simulatedBus };
            problems.AddRange(options.Validate());
        }
        else
        {
            problems.Add($"--protocol {settings.Protocol}: expected one of {string.Join(", ", BmsDialects.Names)}");
        }

        if ((settings.Tcp is null) == (settings.Pty is null))
        {
            problems.Add("give exactly one of --tcp HOST:PORT or --pty PATH");
        }

        IPEndPoint? endpoint = null;
        if (settings.Tcp is not null && !TryParseEndPoint(settings.Tcp, out endpoint, out string? endpointError))
        {
            problems.Add(endpointError!);
        }

        var faults = new List<SimulatorFault>();
        foreach (string text in settings.Faults)
        {
            if (SimulatorFault.TryParse(text, out var parsed, out string? faultError))
            {
                faults.Add(parsed!);
            }
            else
            {
                problems.Add(faultError!);
            }
        }

        if (problems.Count > 0)
        {
            foreach (string problem in problems)
            {
                await error.WriteLineAsync($"bmspace simulate: {problem}");
            }

            return BmsPaceCli.ExitUsage;
        }

        var bms = new SimulatedBms(options);
        ISimulatedDevice device = faults.Count == 0 ? bms : new FaultInjector(bms, faults, options.Seed);

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        });
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        });

        IAsyncDisposable server;
        string where;
        try
        {
            if (endpoint is not null)
            {
                var tcpServer = SimulatorTcpServer.Start(device, endpoint, client => output.WriteLine($"bmspace simulate: client {FormatEndPoint(client)} connected"));
                server = tcpServer;
                where = $"tcp://{FormatEndPoint(tcpServer.EndPoint)}";
            }
            else
            {
                var ptyServer = PseudoTerminalServer.Start(device, settings.Pty!);
                server = ptyServer;
                where = $"{ptyServer.LinkPath} (-> {ptyServer.SlavePath})";
            }
        }
        catch (Exception ex) when (ex is SocketException or IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync($"bmspace simulate: cannot listen on {settings.Tcp ?? settings.Pty}: {ex.Message}");
            return BmsPaceCli.ExitDeviceFailed;
        }

        await using (server)
        {
            var o = options;
            string faultText = faults.Count == 0 ? "no faults" : "faults " + string.Join(",", faults);
            string pacing = o.BaudRate > 0 ? $"{o.BaudRate} baud, think {o.EffectiveThinkTime.TotalMilliseconds:F0} ms" : "unpaced";
            await output.WriteLineAsync(string.Create(
                CultureInfo.InvariantCulture,
                $"bmspace simulate: {o.Dialect.Name} ({Envelope(o.Dialect, o.Version)}), {o.Packs} packs{(o.Addresses.Count > 0 ? " at " + string.Join(",", o.Addresses) : "")} x {o.Cells} cells, {o.Temperatures} temps, tail {o.TailBytes}, {pacing}, {faultText}; listening on {where}"));
            await output.FlushAsync(CancellationToken.None);
            try
            {
                await Task.Delay(Timeout.Infinite, stop.Token);
            }
            catch (OperationCanceledException)
            {
            }
        }

        return BmsPaceCli.ExitOk;
    }

    private static bool TryParseAddresses(string text, out IReadOnlyList<byte> addresses)
    {
        var parsed = new List<byte>();
        addresses = parsed;
        foreach (string part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!byte.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out byte address))
            {
                return false;
            }

            parsed.Add(address);
        }

        return parsed.Count > 0;
    }

    internal static bool TryParseEndPoint(string text, out IPEndPoint? endpoint, out string? error)
    {
        endpoint = null;
        error = null;
        int colon = text.LastIndexOf(':');
        if (colon > 0 && int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int port) && port <= 65535)
        {
            string host = text[..colon].Trim('[', ']');
            if (IPAddress.TryParse(host, out var literal))
            {
                endpoint = new IPEndPoint(literal, port);
                return true;
            }

            try
            {
                var address = Dns.GetHostAddresses(host).OrderBy(a => a.AddressFamily == AddressFamily.InterNetwork ? 0 : 1).FirstOrDefault();
                if (address is not null)
                {
                    endpoint = new IPEndPoint(address, port);
                    return true;
                }
            }
            catch (SocketException)
            {
            }

            error = $"--tcp {text}: host '{host}' not found";
            return false;
        }

        error = $"--tcp {text}: expected HOST:PORT, for example 127.0.0.1:5000";
        return false;
    }

    private static string FormatEndPoint(IPEndPoint endpoint) =>
        endpoint.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{endpoint.Address}]:{endpoint.Port}" : $"{endpoint.Address}:{endpoint.Port}";

    /// <summary>How the dialect's frames are told apart on the wire: VER and CID1 for the ASCII family, else the wire format.</summary>
    /// <summary>The names of the registry's dialects that <paramref name="can"/>, for the help of a choice only they have.</summary>
    private static string Speaking(Func<IBmsDialect, bool> can) => string.Join(", ", BmsDialects.All.Where(can).Select(d => d.Name));

    private static string Envelope(IBmsDialect dialect, byte version) => dialect.Wire is AsciiWire
        ? string.Create(CultureInfo.InvariantCulture, $"VER {version:X2}, CID1 {dialect.Cid1:X2}")
        : "Modbus RTU";
}

/// <summary>The parsed <c>simulate</c> command line.</summary>
internal sealed record SimulateSettings
{
    public string? Tcp { get; init; }

    public string? Pty { get; init; }

    /// <summary>The dialect name as given (checked by <see cref="SimulateCommand.RunAsync"/>).</summary>
    public string Protocol { get; init; } = BmsDialects.Default.Name;

    /// <summary>How the packs share the line, as given (checked by <see cref="SimulateCommand.RunAsync"/>).</summary>
    public string Bus { get; init; } = "master";

    public SimulatedBmsOptions Options { get; init; } = new();

    public IReadOnlyList<string> Faults { get; init; } = [];

    /// <summary>The slave address of each pack as given (<c>--addresses</c>), or null.</summary>
    public string? Addresses { get; init; }
}
