using System.Globalization;
using System.IO.Ports;
using BmsPace.Protocol.Dialects;
using BmsPace.Protocol.Simulation;
using BmsPace.Simulator;

namespace BmsPace.Configuration;

/// <summary>Where a battery is reached (CLI.md <c>--connect</c> URI forms).</summary>
public abstract record ConnectionSpec
{
    /// <summary>Parses <c>tcp://HOST:PORT</c>, <c>serial:///dev/ttyUSB0?baud=9600&amp;data_bits=8&amp;parity=none&amp;stop_bits=1</c>, or <c>simulator?packs=3&amp;cells=16&amp;tail=14</c>.</summary>
    public static bool TryParse(string text, out ConnectionSpec? spec, out string? error)
    {
        spec = null;
        error = null;
        text = text.Trim();
        if (text.StartsWith("simulator", StringComparison.OrdinalIgnoreCase))
        {
            var rest = text["simulator".Length..];
            if (rest.Length > 0 && rest[0] != '?')
            {
                error = $"'{text}' is not a connection: expected simulator or simulator?packs=3&cells=16&tail=14";
                return false;
            }

            var query = ParseQuery(rest.TrimStart('?'));
            var sim = new SimulatorConnectionSpec();
            var errors = new List<string>();
            sim = sim with
            {
                Packs = ReadInt(query, "packs", sim.Packs, 1, 32, errors),
                Cells = ReadInt(query, "cells", sim.Cells, 1, 32, errors),
                Temperatures = ReadInt(query, "temps", sim.Temperatures, 0, 16, errors),
                TailBytes = ReadInt(query, "tail", sim.TailBytes, 0, 22, errors),
                Seed = ReadInt(query, "seed", sim.Seed, 0, int.MaxValue, errors),
                Protocol = query.GetValueOrDefault("protocol", sim.Protocol).ToLowerInvariant(),
            };
            if (!BmsDialects.TryFind(sim.Protocol, out _))
            {
                errors.Add($"protocol={sim.Protocol} is not allowed: expected {string.Join(", ", BmsDialects.Names)}");
            }
            if (query.TryGetValue("bus", out string? busText))
            {
                if (SimulatedBuses.TryParse(busText, out var bus))
                {
                    sim = sim with { Bus = bus };
                }
                else
                {
                    errors.Add($"bus={busText} is not allowed: expected {string.Join(", ", SimulatedBuses.Names)}");
                }
            }

            if (BmsDialects.TryFind(sim.Protocol, out var busDialect) && SimulatedBuses.Refusal(sim.Bus, busDialect) is { } busRefusal)
            {
                errors.Add(busRefusal);
            }

            if (sim.TailBytes is not (0 or 1 or 14 or 22))
            {
                errors.Add($"tail={sim.TailBytes} is not allowed: expected 0, 1, 14 or 22");
            }

            Unknown(query, ["packs", "cells", "temps", "tail", "seed", "protocol", "bus"], errors);
            return Finish(sim, errors, out spec, out error);
        }

        // A bare device path is what users paste from `ls /dev`; on Unix it would otherwise read as a file:// URI.
        if (text.StartsWith('/'))
        {
            text = "serial://" + text;
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri))
        {
            error = $"'{text}' is not a connection: expected tcp://HOST:PORT, serial:///dev/PATH or simulator";
            return false;
        }

        if (uri.Scheme == "tcp")
        {
            if (string.IsNullOrEmpty(uri.Host) || uri.IsDefaultPort || uri.Port <= 0)
            {
                error = $"'{text}' needs a host and a port: tcp://HOST:PORT";
                return false;
            }

            spec = new TcpConnectionSpec(uri.Host, uri.Port);
            return true;
        }

        if (uri.Scheme == "serial")
        {
            var path = Uri.UnescapeDataString(uri.AbsolutePath);
            if (path.Length <= 1)
            {
                error = $"'{text}' needs a device path: serial:///dev/ttyUSB0";
                return false;
            }

            var query = ParseQuery(uri.Query.TrimStart('?'));
            var errors = new List<string>();
            var serial = new SerialConnectionSpec(path);
            serial = serial with
            {
                BaudRate = ReadInt(query, "baud", serial.BaudRate, 50, 4_000_000, errors),
                DataBits = ReadInt(query, "data_bits", serial.DataBits, 5, 8, errors),
                Parity = ReadEnum(query, "parity", serial.Parity, errors),
                StopBits = ReadStopBits(query, serial.StopBits, errors),
            };
            Unknown(query, ["baud", "data_bits", "parity", "stop_bits"], errors);
            return Finish(serial, errors, out spec, out error);
        }

        error = $"'{text}' has an unknown scheme '{uri.Scheme}': expected tcp://, serial:// or simulator";
        return false;
    }

    private static bool Finish(ConnectionSpec candidate, List<string> errors, out ConnectionSpec? spec, out string? error)
    {
        spec = errors.Count == 0 ? candidate : null;
        error = errors.Count == 0 ? null : string.Join("; ", errors);
        return errors.Count == 0;
    }

    private static Dictionary<string, string> ParseQuery(string query)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var part in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var pair = part.Split('=', 2);
            result[Uri.UnescapeDataString(pair[0])] = pair.Length > 1 ? Uri.UnescapeDataString(pair[1]) : "";
        }

        return result;
    }

    private static void Unknown(Dictionary<string, string> query, string[] known, List<string> errors)
    {
        foreach (var key in query.Keys.Where(k => !known.Contains(k)))
        {
            errors.Add($"unknown connection option '{key}': expected one of {string.Join(", ", known)}");
        }
    }

    private static int ReadInt(Dictionary<string, string> query, string key, int fallback, int min, int max, List<string> errors)
    {
        if (!query.TryGetValue(key, out var value))
        {
            return fallback;
        }

        if (int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int parsed) && parsed >= min && parsed <= max)
        {
            return parsed;
        }

        errors.Add($"{key}={value} is not allowed: expected a whole number from {min} to {max}");
        return fallback;
    }

    private static Parity ReadEnum(Dictionary<string, string> query, string key, Parity fallback, List<string> errors)
    {
        if (!query.TryGetValue(key, out var value))
        {
            return fallback;
        }

        if (Enum.TryParse<Parity>(value, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) && !int.TryParse(value, out _))
        {
            return parsed;
        }

        errors.Add($"{key}={value} is not allowed: expected none, odd, even, mark or space");
        return fallback;
    }

    private static StopBits ReadStopBits(Dictionary<string, string> query, StopBits fallback, List<string> errors)
    {
        if (!query.TryGetValue("stop_bits", out var value))
        {
            return fallback;
        }

        switch (value)
        {
            case "1": return StopBits.One;
            case "1.5": return StopBits.OnePointFive;
            case "2": return StopBits.Two;
            default:
                errors.Add($"stop_bits={value} is not allowed: expected 1, 1.5 or 2");
                return fallback;
        }
    }
}

public sealed record TcpConnectionSpec(string Host, int Port) : ConnectionSpec
{
    public override string ToString() => $"tcp://{Host}:{Port}";
}

public sealed record SerialConnectionSpec(string Path) : ConnectionSpec
{
    public int BaudRate { get; init; } = 9600;

    public int DataBits { get; init; } = 8;

    public Parity Parity { get; init; } = Parity.None;

    public StopBits StopBits { get; init; } = StopBits.One;

    public override string ToString() =>
        $"serial://{Path}?baud={BaudRate}&data_bits={DataBits}&parity={Parity.ToString().ToLowerInvariant()}&stop_bits={StopBits switch { StopBits.Two => "2", StopBits.OnePointFive => "1.5", _ => "1" }}";
}

/// <summary>The built-in simulated battery, in-process.</summary>
public sealed record SimulatorConnectionSpec : ConnectionSpec
{
    /// <summary>The simulator's own defaults: a <c>simulator</c> connection without a query is <c>simulate</c> without options.</summary>
    private static readonly SimulatedBmsOptions Defaults = new();

    public int Packs { get; init; } = Defaults.Packs;

    public int Cells { get; init; } = Defaults.Cells;

    public int Temperatures { get; init; } = Defaults.Temperatures;

    /// <summary>Extra bytes after each 0x42 pack block: 0, 1, 14 or 22.</summary>
    public int TailBytes { get; init; } = Defaults.TailBytes;

    public int Seed { get; init; } = Defaults.Seed;

    /// <summary>The dialect the simulated pack speaks (a name of the dialect registry).</summary>
    public string Protocol { get; init; } = Defaults.Dialect.Name;

    /// <summary>How the simulated PACE packs share the line (master, or an RS485 bus where each answers its own address).</summary>
    public SimulatedBus Bus { get; init; } = Defaults.Bus;

    public override string ToString() => $"simulator?packs={Packs}&cells={Cells}&temps={Temperatures}&tail={TailBytes}&seed={Seed}"
        + (Protocol == Defaults.Dialect.Name ? "" : $"&protocol={Protocol}") + (Bus == SimulatedBus.Master ? "" : $"&bus={SimulatedBuses.Name(Bus)}");
}
