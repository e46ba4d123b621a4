using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using BmsPace.Configuration;
using BmsPace.Hosting;
using BmsPace.Web;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace BmsPace.Commands;

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

        var mqtt = await SupervisorMqtt.ResolveAsync(loaded.Options, sources.EnvironmentVariables, cancellationToken);
        loaded = loaded with { Options = mqtt.Options };
        var options = mqtt.Options;
        var webErrors = new List<string>();
        var web = await WebHostSettings.LoadAsync(options, webErrors, cancellationToken);
        if (web is null || webErrors.Count > 0)
        {
            return await ConfigCommandLine.ReportErrorsAsync(loaded with { Options = null, Errors = webErrors }, console.Error);
        }

        if (CannotBind(web.Listen, options.Prometheus.Listen) is { } bindProblem)
        {
            await console.Error.WriteLineAsync(bindProblem);
            return BmsPaceCli.ExitDeviceFailed;
        }

        var app = BmsPaceHost.Build(options, web, console.Output);
        try
        {
            return await RunHostAsync(app, loaded, mqtt, console, cancellationToken);
        }
        finally
        {
            await app.DisposeHostAsync();
        }
    }

    private static async Task<int> RunHostAsync(IHost app, ConfigLoadResult loaded, SupervisorMqttOutcome mqtt, InvocationConfiguration console, CancellationToken cancellationToken)
    {
        var options = loaded.Options!;
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("BmsPace");
        logger.LogInformation("bmspace {Version} starting; effective configuration from {Source} (secrets redacted):",
            Outputs.Prometheus.PrometheusExporterExtensions.ExporterVersion,
            loaded.ConfigFile ?? "built-in defaults");
        foreach (string line in ConfigDescriber.Describe(options).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            logger.LogInformation("  {ConfigLine}", line);
        }

        foreach (string notice in loaded.Notices)
        {
            logger.LogWarning("{Notice}", notice);
        }

        if (mqtt.Found is { } found)
        {
            logger.LogInformation("{SupervisorMqtt}", found);
        }

        if (mqtt.Problem is { } problem)
        {
            logger.LogWarning("{SupervisorMqtt}", problem);
        }

        try
        {
            await app.RunAsync(cancellationToken);
        }
        catch (Exception error) when (error is SocketException || (error is IOException && (error.InnerException is SocketException || error.Message.Contains("address", StringComparison.OrdinalIgnoreCase))))
        {
            await console.Error.WriteLineAsync(CannotListen(options.Prometheus.Listen, error.Message));
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

    /// <summary>
    /// Binds the metrics address once before the host starts, so a busy port or an address this machine does not have
    /// is one line and exit 1 (a run-time failure that can clear, which systemd retries) rather than the host's trace.
    /// </summary>
    private static string? CannotBind(IPEndPoint endpoint, string listen)
    {
        try
        {
            using var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(endpoint);
            return null;
        }
        catch (SocketException error)
        {
            return CannotListen(listen, error.Message);
        }
    }

    private static string CannotListen(string listen, string reason) =>
        $"bmspace: cannot listen on {listen}: {reason} (set prometheus.listen or --listen)";
}
