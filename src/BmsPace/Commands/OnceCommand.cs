using System.CommandLine;
using System.Text.Json;
using BmsPace.Configuration;
using BmsPace.Hosting;
using BmsPace.Outputs.Documents;
using BmsPace.Polling;
using BmsPace.Outputs.Console;
using BmsPace.Transport;
using Microsoft.Extensions.Logging;

namespace BmsPace.Commands;

internal static class OnceCommand
{
    public static Command Create()
    {
        var command = new Command("once", "Poll every configured battery once (identity, analog, alarm) and print the result; exit 0 if every battery answered both analog and alarm, 1 otherwise.");
        var flags = ConfigCommandLine.AddTo(command, withListen: false);
        var json = new Option<bool>("--json") { Description = "Print the CLI.md JSON instead of the readable table." };
        command.Options.Add(json);
        command.SetAction((parseResult, cancellationToken) =>
            OnceAsync(flags.ToSources(parseResult), parseResult.GetValue(json), parseResult.InvocationConfiguration, cancellationToken));
        return command;
    }

    private static async Task<int> OnceAsync(ConfigSources sources, bool json, InvocationConfiguration console, CancellationToken cancellationToken)
    {
        var loaded = await ConfigLoader.LoadAsync(sources, cancellationToken);
        if (!loaded.IsValid)
        {
            return await ConfigCommandLine.ReportErrorsAsync(loaded, console.Error);
        }

        await ConfigCommandLine.WriteNoticesAsync(loaded, console.Error);
        var options = loaded.Options;
        // Diagnostics go to stderr so that stdout carries only the table or the JSON.
        using var loggerFactory = LoggerFactory.Create(logging =>
        {
            BmsPaceHost.ConfigureLogging(logging, options);
            logging.AddConsole(c => c.LogToStandardErrorThreshold = LogLevel.Trace);
        });
        var results = new List<(BatteryOptions Battery, PollCycleResult Result)>();
        foreach (var battery in options.Batteries)
        {
            await using var transport = TransportFactory.Create(battery.Connection, loggerFactory);
            var poller = new BatteryPoller(
                battery,
                options,
                transport,
                TimeProvider.System,
                loggerFactory.CreateLogger($"{LogCategories.Battery}.{battery.Name}"),
                loggerFactory.CreateLogger(LogCategories.Frames));
            results.Add((battery, await poller.PollOnceAsync(cancellationToken)));
        }

        if (json)
        {
            await console.Output.WriteLineAsync(Json(results.Select(r => r.Result)));
        }
        else
        {
            foreach (var (_, result) in results)
            {
                await console.Output.WriteAsync(PackTable.Render(result));
            }
        }

        bool everyBatteryAnswered = results.All(r => r.Result.AnalogAnswered && r.Result.AlarmAnswered);
        return everyBatteryAnswered ? BmsPaceCli.ExitOk : BmsPaceCli.ExitDeviceFailed;
    }

    /// <summary><c>{"batteries": [{"name", "ok", "packs_reported", identity..., "packs": [analog and alarm merged per pack], "stack"}]}</c>.</summary>
    private static string Json(IEnumerable<PollCycleResult> results)
    {
        return JsonOutput.Text(writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartArray("batteries");
            foreach (var result in results)
            {
                var snapshot = result.Snapshot;
                writer.WriteStartObject();
                writer.WriteString("name", snapshot.Battery);
                writer.WriteBoolean("ok", result.AnalogAnswered && result.AlarmAnswered);
                writer.WriteString("protocol", snapshot.Protocol);
                writer.WriteNumber("packs_reported", snapshot.PacksReported);
                writer.WriteNumber("packs_decoded", snapshot.PacksDecoded);
                writer.WriteString("protocol_version", snapshot.ProtocolVersion);
                writer.WriteString("software_version", snapshot.Identity.SoftwareVersion);
                writer.WriteString("bms_serial", snapshot.Identity.BmsSerial);
                writer.WriteString("pack_serial", snapshot.Identity.PackSerial);
                writer.WriteStartArray("packs");
                var alarms = result.AlarmPacks.ToDictionary(a => a.Pack);
                var identities = snapshot.Packs.ToDictionary(p => p.Pack, p => p.Identity);
                foreach (var analog in result.AnalogPacks)
                {
                    // Each pack's own identity (null where it did not answer for itself), after the merged fields.
                    var identity = identities.GetValueOrDefault(analog.Pack) ?? BatteryIdentity.Unknown;
                    writer.WriteStartObject();
                    ReadingJson.WriteMergedPackFields(writer, analog, alarms.GetValueOrDefault(analog.Pack));
                    writer.WriteString("software_version", identity.SoftwareVersion);
                    writer.WriteString("bms_serial", identity.BmsSerial);
                    writer.WriteString("pack_serial", identity.PackSerial);
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
                ReadingJson.WriteStack(writer, snapshot.Stack?.Values);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        });
    }
}
