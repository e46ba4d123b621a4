using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using BmsPace.Configuration;
using BmsPace.Polling;
using BmsPace.Protocol.Readings;
using BmsPace.Outputs.Prometheus;
using BmsPace.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using BmsPace.Protocol.Dialects.Pace;

namespace BmsPace.Benchmarks;

internal static partial class BenchmarkCatalog
{
    static partial void RegisterMetricsEndpoint() => BenchmarkRunner.Register(
        MetricsEndpointBenchmark.Name,
        "GET /metrics for 16 packs x 16 cells under wrk (2 threads, 16 connections, 10 s), against nginx serving the same exposition as a static file; needs the Debian packages wrk and nginx on PATH; optional argument: seconds per run",
        MetricsEndpointBenchmark.RunAsync);
}

/// <summary>
/// Requests per second and p99 latency of the exporter's /metrics versus nginx serving the identical bytes, measured
/// in the same run on the same machine. Goal: at least half of nginx's rate and a p99 under 5 ms.
/// </summary>
internal static class MetricsEndpointBenchmark
{
    public const string Name = "prometheus-metrics";

    private const int Packs = 16;
    private const int Cells = 16;
    private const int Sensors = 6;
    private const double GoalRatio = 0.5;
    private const double GoalP99Milliseconds = 5;

    public static async Task<int> RunAsync(string[] args)
    {
        if (!OperatingSystem.IsLinux())
        {
            await Console.Error.WriteLineAsync($"{Name}: runs on Linux only (wrk and nginx from Debian).");
            return 2;
        }

        int seconds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10;
        foreach (string tool in new[] { "wrk", "nginx" })
        {
            if (HttpPeers.FindOnPath(tool) is null)
            {
                await Console.Error.WriteLineAsync($"{Name}: {tool} is not on PATH; install the Debian packages wrk and nginx (apt-get install wrk nginx).");
                return 2;
            }
        }

        // nginx workers run as an unprivileged user: they must be able to read the file.
        string directory = HttpPeers.ReadableScratch("bmspace-bench-");
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddPrometheusExporter(new BmsPaceOptions());
        await using var app = builder.Build();
        app.MapWebEndpoints();
        await app.StartAsync();
        Process? nginx = null;
        try
        {
            var sink = app.Services.GetRequiredService<PrometheusSink>();
            await sink.PublishAsync(Bank(), CancellationToken.None);
            var rendered = await sink.GetRenderedAsync(CancellationToken.None);
            byte[] exposition = rendered.Plain;
            string exporterUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/metrics";

            string www = Path.Combine(directory, "www");
            Directory.CreateDirectory(www);
            await File.WriteAllBytesAsync(Path.Combine(www, "metrics"), exposition);
            await File.WriteAllBytesAsync(Path.Combine(www, "metrics.gz"), rendered.Gzip);
            File.SetUnixFileMode(www, File.GetUnixFileMode(directory));
            int nginxPort = HttpPeers.FreePort();
            nginx = await HttpPeers.StartNginxAsync(directory, nginxPort, "location = /metrics { default_type \"text/plain; version=0.0.4; charset=utf-8\"; gzip_static on; }");
            string nginxUrl = $"http://127.0.0.1:{nginxPort}/metrics";

            using var http = new HttpClient();
            byte[] fromExporter = await http.GetByteArrayAsync(new Uri(exporterUrl));
            byte[] fromNginx = await http.GetByteArrayAsync(new Uri(nginxUrl));
            if (!fromExporter.AsSpan().SequenceEqual(exposition) || !fromNginx.AsSpan().SequenceEqual(exposition))
            {
                await Console.Error.WriteLineAsync($"{Name}: the two servers do not serve the same exposition");
                return 1;
            }

            int series = exposition.Count(b => b == (byte)'\n') - (2 * 36);
            Console.WriteLine($"exposition: {exposition.Length} bytes plain, {rendered.Gzip.Length} bytes gzip, about {series} series ({Packs} packs x {Cells} cells, {Sensors} sensors)");
            Console.WriteLine($"wrk -t2 -c16 -d{seconds}s --latency, after a 2 s warm-up of each; load average before: {HttpPeers.LoadAverage()}");
            await HttpPeers.RunWrkAsync(exporterUrl, 2, gzip: false);
            await HttpPeers.RunWrkAsync(nginxUrl, 2, gzip: false);
            bool met = true;
            foreach (bool gzip in new[] { false, true })
            {
                var exporter = await HttpPeers.RunWrkAsync(exporterUrl, seconds, gzip);
                var reference = await HttpPeers.RunWrkAsync(nginxUrl, seconds, gzip);
                double ratio = exporter.RequestsPerSecond / reference.RequestsPerSecond;
                string mode = gzip ? "gzip (Accept-Encoding: gzip, as Prometheus scrapes)" : "plain (no Accept-Encoding)";
                Console.WriteLine($"-- {mode}");
                Console.WriteLine(FormattableString.Invariant($"exporter /metrics: {exporter.RequestsPerSecond,10:F0} req/s   p99 {exporter.P99Milliseconds,7:F2} ms"));
                Console.WriteLine(FormattableString.Invariant($"nginx static file: {reference.RequestsPerSecond,10:F0} req/s   p99 {reference.P99Milliseconds,7:F2} ms"));
                Console.WriteLine(FormattableString.Invariant($"ratio exporter/nginx: {ratio:F2} (goal >= {GoalRatio:F1}); exporter p99 {exporter.P99Milliseconds:F2} ms (goal < {GoalP99Milliseconds:F0} ms)"));
                met &= ratio >= GoalRatio && exporter.P99Milliseconds < GoalP99Milliseconds;
            }

            Console.WriteLine($"load average after: {HttpPeers.LoadAverage()}");
            Console.WriteLine(met ? "goal: met" : "goal: NOT met");
            return 0;
        }
        finally
        {
            await HttpPeers.StopAsync(nginx);

            await app.StopAsync();
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>16 fresh packs of 16 cells and 6 sensors, with alarm blocks: the largest bank PACE supports.</summary>
    private static BatterySnapshot Bank()
    {
        var now = DateTimeOffset.UtcNow;
        var packs = Enumerable.Range(1, Packs).Select(pack => new PackState
        {
            Pack = pack,
            Fresh = true,
            LastSuccess = now,
            Analog = new AnalogPack
            {
                Pack = pack,
                Offline = false,
                CellVoltagesVolts = [.. Enumerable.Range(0, Cells).Select(c => 3.3 + (0.001 * ((c * 7 + pack) % 13)))],
                TemperaturesCelsius = [.. Enumerable.Range(0, Sensors).Select(s => 20.0 + pack + (s * 1.5))],
                CurrentAmperes = 12.5 - pack,
                VoltageVolts = 53.1,
                RemainingAmpHours = 80,
                FullAmpHours = 100,
                DesignAmpHours = 100,
                CycleCount = 42,
                UserDefinedP = 3,
                TailHex = "",
                Tail = null,
                StateOfChargeRatio = 0.8,
                StateOfHealthRatio = 1,
                StateOfChargeCalculatedRatio = 0.8,
                StateOfHealthCalculatedRatio = 1,
            },
            Alarm = PaceStatusBytes.WithNamedViews(new AlarmPack
            {
                Pack = pack,
                CellWarnings = [.. Enumerable.Repeat((byte)0, Cells)],
                TemperatureWarnings = [.. Enumerable.Repeat((byte)0, Sensors)],
                ChargeCurrentWarning = 0,
                PackVoltageWarning = 0,
                DischargeCurrentWarning = 0,
                ProtectState1 = 0,
                ProtectState2 = 0,
                InstructionState = 0x26,
                ControlState = 0,
                FaultState = 0,
                BalanceState1 = 0x08,
                BalanceState2 = 0,
                WarnState1 = 0,
                WarnState2 = 0,
                TailHex = "",
            }),
            ChargedWattHours = 1000 + pack,
            DischargedWattHours = 900 + pack,
        }).ToImmutableArray();
        return new BatterySnapshot
        {
            Battery = "main",
            Timestamp = now,
            Duration = TimeSpan.FromSeconds(3),
            Up = true,
            PacksReported = Packs,
            PacksDecoded = Packs,
            ProtocolVersion = "25",
            Identity = new BatteryIdentity("P16S100A-21521-1.02", "2102011602018", "PACK0000001"),
            Packs = packs,
            Counters = PollCounters.Empty,
        };
    }
}
