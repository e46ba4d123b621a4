using System.Collections.Immutable;
using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using BmsPace.Configuration;
using BmsPace.Polling;
using BmsPace.Protocol.Readings;
using BmsPace.Outputs.Influx;
using BmsPace.Protocol.Dialects.Pace;

namespace BmsPace.Benchmarks;

/// <summary>Line-protocol formatting of a 3-pack, 16-cell snapshot: points per second, bytes per snapshot, gzip ratio.</summary>
internal static class InfluxBenchmarks
{
    public static void Register() => BenchmarkRunner.Register(
        "influx-format",
        "format a 3-pack 16-cell snapshot as line protocol [iterations, default 20000]; prints points/s and the gzip ratio",
        RunAsync);

    private static Task<int> RunAsync(string[] args)
    {
        int iterations = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 20_000;
        var snapshot = Snapshot();
        var writer = new LineProtocolWriter(InfluxPrecision.Milliseconds);
        var labels = new LabelFormatter(2, 2);
        var builder = new StringBuilder(16 * 1024);

        int points = 0;
        for (int i = 0; i < 1000; i++)
        {
            builder.Clear();
            foreach (var point in SnapshotPoints.From(snapshot, labels))
            {
                writer.Append(builder, point);
                builder.Append('\n');
            }
        }

        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var watch = Stopwatch.StartNew();
        for (int i = 0; i < iterations; i++)
        {
            builder.Clear();
            foreach (var point in SnapshotPoints.From(snapshot, labels))
            {
                writer.Append(builder, point);
                builder.Append('\n');
                points++;
            }
        }

        watch.Stop();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        byte[] body = Encoding.UTF8.GetBytes(builder.ToString());
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(body);
        }

        Console.WriteLine($"points/snapshot: {points / iterations}");
        Console.WriteLine($"points/s: {points / watch.Elapsed.TotalSeconds:F0}");
        Console.WriteLine($"us/snapshot: {watch.Elapsed.TotalMicroseconds / iterations:F1}");
        Console.WriteLine($"allocated bytes/snapshot: {allocated / iterations}");
        Console.WriteLine($"bytes/snapshot: {body.Length} plain, {compressed.Length} gzip (ratio {(double)body.Length / compressed.Length:F1})");
        return Task.FromResult(0);
    }

    private static BatterySnapshot Snapshot()
    {
        var at = DateTimeOffset.UnixEpoch.AddSeconds(1_795_435_200);
        var packs = Enumerable.Range(1, 3).Select(pack => new PackState
        {
            Pack = pack,
            Fresh = true,
            LastSuccess = at,
            ChargedWattHours = 0,
            DischargedWattHours = 0,
            Analog = new AnalogPack
            {
                Pack = pack,
                Offline = false,
                CellVoltagesVolts = [.. Enumerable.Range(0, 16).Select(i => 3.271 + (0.001 * i))],
                TemperaturesCelsius = [24.1, 24.2, 24.3, 24.4, 27.5, 22.0],
                CurrentAmperes = -2.25,
                VoltageVolts = 52.429,
                RemainingAmpHours = 48.19,
                FullAmpHours = 103.46,
                DesignAmpHours = 100,
                CycleCount = 140,
                UserDefinedP = 3,
                TailHex = "",
                Tail = null,
                StateOfChargeRatio = 0.465784,
                StateOfHealthRatio = 1.0346,
                StateOfChargeCalculatedRatio = 0.465784,
                StateOfHealthCalculatedRatio = 1.0346,
            },
            Alarm = PaceStatusBytes.WithNamedViews(new AlarmPack
            {
                Pack = pack,
                CellWarnings = [.. Enumerable.Repeat((byte)0, 16)],
                TemperatureWarnings = [.. Enumerable.Repeat((byte)0, 6)],
                ChargeCurrentWarning = 0,
                PackVoltageWarning = 0,
                DischargeCurrentWarning = 0,
                ProtectState1 = 0,
                ProtectState2 = 0,
                InstructionState = 6,
                ControlState = 0,
                FaultState = 0,
                BalanceState1 = 4,
                BalanceState2 = 1,
                WarnState1 = 0,
                WarnState2 = 0,
                TailHex = "",
            }),
        }).ToImmutableArray();
        return new BatterySnapshot
        {
            Battery = "main",
            Timestamp = at,
            Duration = TimeSpan.FromMilliseconds(400),
            Up = true,
            PacksReported = 3,
            PacksDecoded = 3,
            ProtocolVersion = "25",
            Identity = BatteryIdentity.Unknown,
            Packs = packs,
            Counters = PollCounters.Empty,
        };
    }
}
