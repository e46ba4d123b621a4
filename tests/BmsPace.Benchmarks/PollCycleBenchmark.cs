using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using BmsPace.Configuration;
using BmsPace.Hosting;
using BmsPace.Polling;
using BmsPace.Protocol.Wire;
using BmsPace.Simulator;
using BmsPace.Transport;
using Microsoft.Extensions.Logging.Abstractions;

namespace BmsPace.Benchmarks;

/// <summary>
/// Poll-cycle efficiency: the real poller over TCP against the simulator paced like a 9600-baud line with 20 ms think
/// time, scan_interval 0 and request_gap 0. The ratio is the measured cycle time divided by the cycle's line time
/// (every byte of the cycle's requests and replies at 10 bits per byte, plus one think time per request). A poller
/// that sleeps a fixed time after each request, as the Python tool does, cannot get near 1.
/// </summary>
internal static class PollCycleBenchmark
{
    public static void Register() => BenchmarkRunner.Register(
        "poll-cycle",
        "poll cycle time / line time for 1 and 8 packs at 9600 baud, 20 ms think time (args: [cycles]); goal <= 1.10",
        RunAsync);

    private static async Task<int> RunAsync(string[] args)
    {
        int cycles = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10;
        bool met = true;
        foreach (int packs in new[] { 1, 8 })
        {
            met &= await MeasureAsync(packs, cycles);
        }

        return met ? 0 : 1;
    }

    private static async Task<bool> MeasureAsync(int packs, int cycles)
    {
        const int Baud = 9600;
        var think = TimeSpan.FromMilliseconds(20);
        var bms = new RequestTap(new SimulatedBms(new SimulatedBmsOptions { Packs = packs, Cells = 16, TailBytes = 14, BaudRate = Baud, ThinkTime = think }));
        await using var server = SimulatorTcpServer.Start(bms, new IPEndPoint(IPAddress.Loopback, 0));
        var battery = new BatteryOptions { Name = "bench", Connection = new TcpConnectionSpec("127.0.0.1", server.EndPoint.Port) };
        var options = new BmsPaceOptions { ScanInterval = TimeSpan.Zero, RequestGap = TimeSpan.Zero, RequestTimeout = TimeSpan.FromSeconds(10) };
        await using var transport = TransportFactory.Create(battery.Connection, NullLoggerFactory.Instance);
        var poller = new BatteryPoller(battery, options, transport, TimeProvider.System, NullLogger.Instance);

        // The first cycle also reads the identity and opens the connection: not a steady-state cycle.
        var warmup = await poller.PollOnceAsync(CancellationToken.None);
        if (!warmup.AnalogAnswered || !warmup.AlarmAnswered)
        {
            await Console.Error.WriteLineAsync("poll-cycle: the simulator did not answer the warm-up cycle");
            return false;
        }

        int requestsBefore = bms.Requests;
        long started = Stopwatch.GetTimestamp();
        for (int i = 0; i < cycles; i++)
        {
            await poller.PollOnceAsync(CancellationToken.None);
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        int requestsPerCycle = (bms.Requests - requestsBefore) / cycles;
        int bytesPerCycle = bms.LastExchangeBytes(0x42) + bms.LastExchangeBytes(0x44);
        double lineMs = (bytesPerCycle * 10.0 * 1000 / Baud) + (requestsPerCycle * think.TotalMilliseconds);
        double cycleMs = elapsed.TotalMilliseconds / cycles;
        double ratio = cycleMs / lineMs;
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"poll-cycle: {packs} pack(s), {cycles} cycles, {requestsPerCycle} requests and {bytesPerCycle} bytes per cycle: line time {lineMs:F1} ms, cycle {cycleMs:F1} ms, ratio {ratio:F3} (goal <= 1.10)"));
        return ratio <= 1.10;
    }
}

/// <summary>Counts requests and remembers the size of the last request and reply per command, on the benchmark's side of the line.</summary>
internal sealed class RequestTap(ISimulatedDevice inner) : ISimulatedDevice
{
    private readonly Dictionary<string, int> _lastExchange = [];
    private int _requests;

    public LineTiming Line => inner.Line;

    public IWireFormat Wire => inner.Wire;

    public int Requests => Volatile.Read(ref _requests);

    /// <summary>Request plus reply bytes of the last exchange for <paramref name="cid2"/>.</summary>
    public int LastExchangeBytes(byte cid2)
    {
        lock (_lastExchange)
        {
            return _lastExchange[cid2.ToString("X2", CultureInfo.InvariantCulture)];
        }
    }

    public SimulatorReply Respond(ReadOnlySpan<byte> bytes)
    {
        var reply = inner.Respond(bytes);
        string request = Encoding.Latin1.GetString(bytes);
        Interlocked.Increment(ref _requests);
        lock (_lastExchange)
        {
            _lastExchange[request.Substring(7, 2)] = request.Length + reply.Bytes.Length;
        }

        return reply;
    }
}
