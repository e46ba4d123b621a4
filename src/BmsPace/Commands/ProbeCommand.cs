using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using BmsPace.Configuration;
using BmsPace.Outputs.Documents;
using BmsPace.Probe;

namespace BmsPace.Commands;

/// <summary>
/// <c>bmspace probe [--connect URI]... [--json]</c>: find a BMS and say how it is wired. Attempts are printed as they
/// happen (to stderr with <c>--json</c>, so stdout carries only the object); then the verdict and the config lines.
/// </summary>
internal static class ProbeCommand
{
    public static Command Create()
    {
        var connect = new Option<string[]>("--connect")
        {
            HelpName = "URI",
            Description = "A connection to probe (repeatable): tcp://HOST:PORT, serial:///dev/ttyUSB0, or simulator. Without it every serial device present is probed.",
            AllowMultipleArgumentsPerToken = false,
        };
        var json = new Option<bool>("--json") { Description = "Print one JSON object (found, attempts) for scripts and bug reports." };
        var command = new Command(
            "probe",
            "Find a BMS and say how it is wired: which port, speed, address and dialect answer, or what is wrong (silence, echo, foreign protocol, RTN errors); ends with the config lines to use. Exit 0 when a BMS answered, 1 when none did.")
        {
            connect,
            json,
        };
        command.SetAction((parseResult, cancellationToken) => ProbeAsync(
            parseResult.GetValue(connect) ?? [],
            parseResult.GetValue(json),
            parseResult.InvocationConfiguration,
            cancellationToken));
        return command;
    }

    private static async Task<int> ProbeAsync(string[] connections, bool json, InvocationConfiguration console, CancellationToken cancellationToken)
    {
        var targets = new List<ProbeTarget>();
        var problems = new List<string>();
        foreach (string text in connections)
        {
            if (ConnectionSpec.TryParse(text, out var spec, out string? error))
            {
                targets.Add(ProbeTarget.For(spec!));
            }
            else
            {
                problems.Add(error!);
            }
        }

        if (problems.Count > 0)
        {
            foreach (string problem in problems)
            {
                await console.Error.WriteLineAsync($"bmspace probe: {problem}");
            }

            return BmsPaceCli.ExitUsage;
        }

        // Progress goes where a person watches; with --json stdout carries only the object.
        var progress = json ? console.Error : console.Output;
        if (targets.Count == 0)
        {
            var devices = SerialDevices.Find();
            if (devices.Count == 0)
            {
                await progress.WriteLineAsync("no serial devices found (/dev/ttyUSB*, /dev/ttyACM*, /dev/ttyS* with a UART): plug in the adapter, or probe a serial server with --connect tcp://HOST:PORT");
            }

            foreach (var device in devices)
            {
                string names = device.ByIdNames.Count == 0 ? "" : $" ({string.Join(", ", device.ByIdNames)})";
                await progress.WriteLineAsync($"found {device.Path}{names}");
                targets.Add(ProbeTarget.For(new SerialConnectionSpec(device.Path), device.PreferredPath));
            }
        }

        var runner = new ProbeRunner(async attempt =>
        {
            await progress.WriteLineAsync(Line(attempt));
            await progress.FlushAsync(cancellationToken);
        });
        var probes = new List<ConnectionProbe>();
        foreach (var target in targets)
        {
            await progress.WriteLineAsync($"probing {target.Name}");
            var probe = await runner.ProbeAsync(target, cancellationToken);
            probes.Add(probe);
            await progress.WriteLineAsync($"verdict for {target.Name}:");
            foreach (string line in ProbeVerdict.Explain(probe))
            {
                await progress.WriteLineAsync($"  {line}");
            }
        }

        var found = probes.Where(p => p.Finding is not null).Select(p => p.Finding!).ToList();
        if (json)
        {
            await console.Output.WriteLineAsync(Json(probes, found));
        }
        else if (found.Count > 0)
        {
            await console.Output.WriteLineAsync("config lines to use:");
            for (int i = 0; i < found.Count; i++)
            {
                await console.Output.WriteAsync(ProbeVerdict.Config(found[i], BatteryName(i)));
            }
        }
        else
        {
            await console.Output.WriteLineAsync("no BMS answered.");
        }

        return found.Count > 0 ? BmsPaceCli.ExitOk : BmsPaceCli.ExitDeviceFailed;
    }

    /// <summary>The first battery is <c>main</c> (the name without a config); more get a number each.</summary>
    private static string BatteryName(int index) => index == 0 ? "main" : $"battery{index + 1}";

    private static string Line(ProbeAttempt attempt)
    {
        string baud = attempt.Baud?.ToString(CultureInfo.InvariantCulture) ?? "-";
        string address = attempt.Address is int a ? a.ToString("D2", CultureInfo.InvariantCulture) : "--";
        return string.Create(
            CultureInfo.InvariantCulture,
            $"  {attempt.Connection}  {baud,6}  {attempt.Protocol ?? "-",-16}  ADR {address}  {attempt.Outcome.ToLabel(),-9}  {attempt.Detail}");
    }

    /// <summary>CLI.md: <c>{"found": [...], "attempts": [...]}</c>, plus the verdict lines per connection.</summary>
    private static string Json(IReadOnlyList<ConnectionProbe> probes, IReadOnlyList<ProbeFinding> found)
    {
        return JsonOutput.Text(writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartArray("found");
            for (int i = 0; i < found.Count; i++)
            {
                var finding = found[i];
                writer.WriteStartObject();
                writer.WriteString("connection", ProbeVerdict.Connection(finding));
                writer.WriteString("protocol", finding.Dialect.Name);
                writer.WriteString("protocol_version", finding.ProtocolVersion.ToString("X2", CultureInfo.InvariantCulture));
                writer.WriteNumber("address", finding.Address);
                writer.WriteNumber("packs", finding.Packs);
                if (finding.PackAddresses is { } list)
                {
                    writer.WriteStartArray("pack_addresses");
                    foreach (int address in list)
                    {
                        writer.WriteNumberValue(address);
                    }

                    writer.WriteEndArray();
                }

                writer.WriteString("software_version", finding.SoftwareVersion);
                writer.WriteString("config", ProbeVerdict.Config(finding, BatteryName(i)));
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteStartArray("attempts");
            foreach (var attempt in probes.SelectMany(p => p.Attempts))
            {
                writer.WriteStartObject();
                writer.WriteString("connection", attempt.Connection);
                WriteNumberOrNull(writer, "baud", attempt.Baud);
                writer.WriteString("protocol", attempt.Protocol);
                WriteNumberOrNull(writer, "address", attempt.Address);
                writer.WriteString("outcome", attempt.Outcome.ToLabel());
                writer.WriteString("detail", attempt.Detail);
                writer.WriteString("request", attempt.Request?.TrimEnd('\r'));
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteStartArray("verdicts");
            foreach (var probe in probes)
            {
                writer.WriteStartObject();
                writer.WriteString("connection", probe.Target.Name);
                writer.WriteStartArray("lines");
                foreach (string line in ProbeVerdict.Explain(probe))
                {
                    writer.WriteStringValue(line);
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        });
    }

    private static void WriteNumberOrNull(Utf8JsonWriter writer, string name, int? value)
    {
        if (value is int number)
        {
            writer.WriteNumber(name, number);
        }
        else
        {
            writer.WriteNull(name);
        }
    }
}
