using System.CommandLine;
using BmsPace.Configuration;
using BmsPace.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace BmsPace.Cli;

internal static class RunCommand
{
    public static Command Create()
    {
        var command = new Command("run", "Poll every configured battery on its schedule, serve /metrics, write InfluxDB when enabled, echo to the console (the default command).");
        Attach(command);
        return command;
    }

    /// <summary>Makes <c>bmspace</c> with no command behave as <c>bmspace run</c>.</summary>
    public static void AttachAsDefault(RootCommand root) => Attach(root);

    private static void Attach(Command command)
    {
        var flags = ConfigCommandLine.AddTo(command);
        command.SetAction((parseResult, cancellationToken) => RunAsync(flags.ToSources(parseResult), parseResult.InvocationConfiguration, cancellationToken));
    }

    private static async Task<int> RunAsync(ConfigSources sources, InvocationConfiguration console, CancellationToken cancellationToken)
    {
        var loaded = await ConfigLoader.LoadAsync(sources, cancellationToken);
        if (!loaded.IsValid)
        {
            return await ConfigCommandLine.ReportErrorsAsync(loaded, console.Error);
        }

        var options = loaded.Options;
        var app = BmsPaceHost.Build(options, console.Output);
        try
        {
            return await RunHostAsync(app, loaded, console, cancellationToken);
        }
        finally
        {
            await app.DisposeHostAsync();
        }
    }

    private static async Task<int> RunHostAsync(IHost app, ConfigLoadResult loaded, InvocationConfiguration console, CancellationToken cancellationToken)
    {
        var options = loaded.Options!;
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("BmsPace");
        logger.LogInformation("bmspace {Version} starting; effective configuration from {Source} (secrets redacted):",
            Sinks.Prometheus.PrometheusExporterExtensions.ExporterVersion,
            loaded.ConfigFile ?? "built-in defaults");
        foreach (string line in ConfigDescriber.Describe(options).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            logger.LogInformation("  {ConfigLine}", line);
        }

        foreach (string notice in loaded.Notices)
        {
            logger.LogWarning("{Notice}", notice);
        }

        try
        {
            await app.RunAsync(cancellationToken);
        }
        catch (IOException error) when (IsListenFailure(error))
        {
            // A port in use (another exporter, a previous instance still stopping) can clear: exit 1 so systemd retries.
            await console.Error.WriteLineAsync($"bmspace: cannot listen on {options.Prometheus.Listen}: {ListenProblem(error)} (set prometheus.listen or --listen)");
            return BmsPaceCli.ExitDeviceFailed;
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            // The host's own log of a failed start is filtered out (it repeats the stack at length): say it here, once.
            logger.LogCritical(error, "bmspace stopped: {Problem}", error.Message);
            return BmsPaceCli.ExitDeviceFailed;
        }

        return BmsPaceCli.ExitOk;
    }

    private static bool IsListenFailure(IOException error) =>
        error.InnerException is System.Net.Sockets.SocketException or { InnerException: System.Net.Sockets.SocketException }
        || error.Message.Contains("address", StringComparison.OrdinalIgnoreCase);

    /// <summary>The socket's own words ("Address already in use"), without Kestrel's wrapping that repeats the address.</summary>
    private static string ListenProblem(IOException error)
    {
        for (Exception? inner = error; inner is not null; inner = inner.InnerException)
        {
            if (inner is System.Net.Sockets.SocketException socket)
            {
                return socket.Message;
            }
        }

        return error.Message;
    }
}
