using System.Diagnostics;
using System.Globalization;
using System.Net;
using BmsPace.Configuration;
using BmsPace.Hosting;
using BmsPace.Polling;
using BmsPace.Protocol.Dialects;
using BmsPace.Protocol.Modbus;
using BmsPace.Protocol.Wire;
using BmsPace.Simulator;
using BmsPace.Transport;
using Microsoft.Extensions.Logging.Abstractions;

namespace BmsPace.Benchmarks;

/// <summary>
/// The poll-cycle benchmark for the Modbus RTU families: the real poller over TCP against the simulator paced like a
/// 9600-baud line with 20 ms think time, scan_interval 0 and request_gap 0, packs asked one slave at a time. The
/// ratio is the measured cycle time over the cycle's line time (every byte of the cycle's requests and replies at
/// 10 bits per byte, plus one think time per request).
/// </summary>
internal static class ModbusPollCycleBenchmark
{
    public static void Register() => BenchmarkRunner.Register(
        "poll-cycle-modbus",
        "Modbus poll cycle time / line time for eg4-ll, seplos-v3 and pace-modbus, 1 and 8 packs at 9600 baud, 20 ms think time (args: [cycles]); goal <= 1.05",
        RunAsync);

    private static async Task<int> RunAsync(string[] args)
    {
        int cycles = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10;
        bool met = true;
        foreach (string family in new[] { "eg4-ll", "seplos-v3", "pace-modbus" })
        {
            foreach (int packs in new[] { 1, 8 })
            {
                met &= await MeasureAsync(family, packs, cycles);
            }
        }

        return met ? 0 : 1;
    }

    private static async Task<bool> MeasureAsync(string family, int packs, int cycles)
    {
        const int Baud = 9600;
        var think = TimeSpan.FromMilliseconds(20);
        BmsDialects.TryFind(family, out var dialect);
        var bms = new ByteTap(new SimulatedBms(new SimulatedBmsOptions { Dialect = dialect, Packs = packs, Cells = 16, BaudRate = Baud, ThinkTime = think }));
        await using var server = SimulatorTcpServer.Start(bms, new IPEndPoint(IPAddress.Loopback, 0));
        var addresses = ((ModbusDialect)dialect).SimulatedSlaves(packs, bankMaster: false);
        var battery = new BatteryOptions
        {
            Name = "bench",
            Protocol = family,
            Address = addresses[0],
            Packs = packs == 1 ? [] : [.. addresses.Select(a => (int)a)],
            Connection = new TcpConnectionSpec("127.0.0.1", server.EndPoint.Port),
        };
        var options = new BmsPaceOptions { ScanInterval = TimeSpan.Zero, RequestGap = TimeSpan.Zero, RequestTimeout = TimeSpan.FromSeconds(10) };
        await using var transport = TransportFactory.Create(battery.Connection, NullLoggerFactory.Instance);
        var poller = new BatteryPoller(battery, options, transport, TimeProvider.System, NullLogger.Instance);
        var warmup = await poller.PollOnceAsync(CancellationToken.None);
        if (!warmup.AnalogAnswered || !warmup.AlarmAnswered)
        {
            await Console.Error.WriteLineAsync($"poll-cycle-modbus: the {family} simulator did not answer the warm-up cycle");
            return false;
        }

        var (requestsBefore, bytesBefore) = bms.Totals;
        long started = Stopwatch.GetTimestamp();
        for (int i = 0; i < cycles; i++)
        {
            await poller.PollOnceAsync(CancellationToken.None);
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        var (requestsAfter, bytesAfter) = bms.Totals;
        double requestsPerCycle = (requestsAfter - requestsBefore) / (double)cycles;
        double bytesPerCycle = (bytesAfter - bytesBefore) / (double)cycles;
        double lineMs = (bytesPerCycle * 10.0 * 1000 / Baud) + (requestsPerCycle * think.TotalMilliseconds);
        double cycleMs = elapsed.TotalMilliseconds / cycles;
        double ratio = cycleMs / lineMs;
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"poll-cycle-modbus: {family}, {packs} pack(s), {cycles} cycles, {requestsPerCycle:F0} requests and {bytesPerCycle:F0} bytes per cycle: line time {lineMs:F1} ms, cycle {cycleMs:F1} ms, ratio {ratio:F3} (goal <= 1.05)"));
        return ratio <= 1.05;
    }

    /// <summary>Counts requests and request plus reply bytes on the benchmark's side of the line.</summary>
    private sealed class ByteTap(ISimulatedDevice inner) : ISimulatedDevice
    {
        private long _requests;
        private long _bytes;

        public LineTiming Line => inner.Line;

        public IWireFormat Wire => inner.Wire;

        public (long Requests, long Bytes) Totals => (Interlocked.Read(ref _requests), Interlocked.Read(ref _bytes));

        public SimulatorReply Respond(ReadOnlySpan<byte> bytes)
        {
            var reply = inner.Respond(bytes);
            Interlocked.Increment(ref _requests);
            Interlocked.Add(ref _bytes, bytes.Length + reply.Bytes.Length);
            return reply;
        }
    }
}
