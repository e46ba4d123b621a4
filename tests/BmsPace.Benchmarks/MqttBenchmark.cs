using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using BmsPace.Configuration;
using BmsPace.Hosting;
using BmsPace.Polling;
using BmsPace.Simulator;
using BmsPace.Outputs.Mqtt;
using BmsPace.Transport;
using Microsoft.Extensions.Logging.Abstractions;

namespace BmsPace.Benchmarks;

/// <summary>
/// What the MQTT output costs the poller: the real poller over TCP against the simulator paced like a 9600-baud line
/// (8 packs, 20 ms think time, back-to-back cycles), once with every snapshot handed to an <see cref="MqttSink"/>
/// connected to a real Mosquitto (which publishes discovery, availability and ~8 KB of state per cycle) and once
/// without, in alternating blocks so drift hits both alike. The ratio is the mean cycle time with MQTT on divided by
/// the one with MQTT off; the goal is within 2 %. Needs Debian's mosquitto.
/// </summary>
internal static class MqttBenchmark
{
    public static void Register() => BenchmarkRunner.Register(
        "mqtt",
        "poll cycle time with the MQTT output on / off, 8 packs at 9600 baud against a real Mosquitto (args: [cycles per block] [blocks]); goal <= 1.02",
        RunAsync);

    private static async Task<int> RunAsync(string[] args)
    {
        int cycles = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 5;
        int blocks = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 4;
        int port = FreePort();
        string directory = Path.Combine(Path.GetTempPath(), "bmspace-bench-mosquitto-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        string config = Path.Combine(directory, "mosquitto.conf");
        await File.WriteAllTextAsync(config, $"persistence false\nallow_anonymous true\nlistener {port} 127.0.0.1\n");
        using var broker = Process.Start(new ProcessStartInfo("mosquitto", ["-c", config]) { RedirectStandardOutput = true, RedirectStandardError = true })
            ?? throw new InvalidOperationException("mosquitto did not start");
        try
        {
            return await MeasureAsync(port, cycles, blocks) ? 0 : 1;
        }
        finally
        {
            broker.Kill();
            await broker.WaitForExitAsync();
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<bool> MeasureAsync(int brokerPort, int cycles, int blocks)
    {
        const int Baud = 9600;
        var bms = new SimulatedBms(new SimulatedBmsOptions { Packs = 8, Cells = 16, TailBytes = 14, BaudRate = Baud, ThinkTime = TimeSpan.FromMilliseconds(20) });
        await using var server = SimulatorTcpServer.Start(bms, new IPEndPoint(IPAddress.Loopback, 0));
        var battery = new BatteryOptions { Name = "bench", Connection = new TcpConnectionSpec("127.0.0.1", server.EndPoint.Port) };
        var options = new BmsPaceOptions
        {
            ScanInterval = TimeSpan.Zero,
            RequestGap = TimeSpan.Zero,
            RequestTimeout = TimeSpan.FromSeconds(10),
            Batteries = [battery],
            Mqtt = new MqttOptions { Enabled = true, Url = new Uri($"mqtt://127.0.0.1:{brokerPort}"), NodeId = "bench" + Guid.NewGuid().ToString("N")[..6] },
        };
        await using var transport = TransportFactory.Create(battery.Connection, NullLoggerFactory.Instance);
        var poller = new BatteryPoller(battery, options, transport, TimeProvider.System, NullLogger.Instance);
        using var sink = new MqttSink(options, "bench", Prometheus.Metrics.NewCustomRegistry(), TimeProvider.System, NullLogger<MqttSink>.Instance);
        await sink.StartAsync(CancellationToken.None);
        try
        {
            var warmup = await poller.PollOnceAsync(CancellationToken.None);
            if (!warmup.AnalogAnswered || !warmup.AlarmAnswered)
            {
                await Console.Error.WriteLineAsync("mqtt: the simulator did not answer the warm-up cycle");
                return false;
            }

            // Warm the MQTT path too: connect, discovery, first states.
            for (int i = 0; i < 3; i++)
            {
                await sink.PublishAsync((await poller.PollOnceAsync(CancellationToken.None)).Snapshot, CancellationToken.None);
            }

            var on = TimeSpan.Zero;
            var off = TimeSpan.Zero;
            for (int block = 0; block < blocks; block++)
            {
                // Alternate which side goes first, so neither always follows the other.
                bool onFirst = block % 2 == 0;
                for (int side = 0; side < 2; side++)
                {
                    bool mqtt = (side == 0) == onFirst;
                    long started = Stopwatch.GetTimestamp();
                    for (int i = 0; i < cycles; i++)
                    {
                        var result = await poller.PollOnceAsync(CancellationToken.None);
                        if (mqtt)
                        {
                            await sink.PublishAsync(result.Snapshot, CancellationToken.None);
                        }
                    }

                    var elapsed = Stopwatch.GetElapsedTime(started);
                    if (mqtt)
                    {
                        on += elapsed;
                    }
                    else
                    {
                        off += elapsed;
                    }
                }
            }

            int total = cycles * blocks;
            double onMs = on.TotalMilliseconds / total;
            double offMs = off.TotalMilliseconds / total;
            double ratio = onMs / offMs;
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"mqtt: 8 packs, {blocks} blocks of {cycles} cycles each side: cycle {offMs:F1} ms with MQTT off, {onMs:F1} ms with MQTT on, ratio {ratio:F4} (goal <= 1.02)"));
            return ratio <= 1.02;
        }
        finally
        {
            await sink.StopAsync(CancellationToken.None);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
