using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using BmsPace.Configuration;
using BmsPace.Outputs.Prometheus;
using BmsPace.Polling;
using BmsPace.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace BmsPace.Tests.Prometheus;

internal static class RepoPaths
{
    /// <summary>The repository root: the first parent of the test binaries that holds BmsPace.sln.</summary>
    public static string Root { get; } = FindRoot();

    public static string Grafana(params string[] parts) => Path.Combine([Root, "grafana", .. parts]);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "BmsPace.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"BmsPace.sln not found above {AppContext.BaseDirectory}");
    }
}

internal sealed record ProcessResult(int ExitCode, string Output, string Error)
{
    public string All => Output + Error;
}

internal static class ProcessRunner
{
    public static async Task<ProcessResult> RunAsync(string file, IEnumerable<string> arguments, string? workingDirectory = null, string? stdin = null)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {file}");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return new ProcessResult(process.ExitCode, await output, await error);
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>Series of an exposition, keyed by <c>name{labels}</c> exactly as rendered.</summary>
internal static class Exposition
{
    public static Dictionary<string, double> Parse(string text)
    {
        var series = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (string line in text.Split('\n'))
        {
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            int space = line.LastIndexOf(' ');
            series[line[..space]] = double.Parse(line[(space + 1)..], CultureInfo.InvariantCulture);
        }

        return series;
    }

    public static IEnumerable<string> Named(this Dictionary<string, double> series, string name) =>
        series.Keys.Where(k => k == name || k.StartsWith(name + "{", StringComparison.Ordinal));
}

/// <summary>A real Kestrel host on 127.0.0.1:0 serving the exporter endpoints, as the lead's host will.</summary>
internal sealed class ExporterHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ExporterHost(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }

    /// <summary>Publishes to every output of the host (the pollers' board and the Prometheus sink) as a poller would.</summary>
    public ExporterOutputs Sink => new(_app.Services);

    public static async Task<ExporterHost> StartAsync(BmsPaceOptions options, TimeProvider? time = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        if (time is not null)
        {
            builder.Services.AddSingleton(time);
        }

        builder.Services.AddBatteryBoard(options);
        builder.Services.AddPrometheusExporter(options);
        builder.Services.AddWebParts(options);
        var app = builder.Build();
        app.MapWebEndpoints();
        await app.StartAsync();
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new ExporterHost(app, new Uri(address));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>The outputs of a test host: a publication reaches each, as from a poller; the exposition is the Prometheus sink's.</summary>
internal sealed class ExporterOutputs(IServiceProvider services)
{
    public async ValueTask PublishAsync(BmsPace.Polling.BatterySnapshot snapshot, CancellationToken cancellationToken)
    {
        foreach (var sink in services.GetServices<BmsPace.Polling.IReadingSink>())
        {
            await sink.PublishAsync(snapshot, cancellationToken);
        }
    }

    public ValueTask<RenderedExposition> GetRenderedAsync(CancellationToken cancellationToken) =>
        services.GetRequiredService<PrometheusSink>().GetRenderedAsync(cancellationToken);
}
