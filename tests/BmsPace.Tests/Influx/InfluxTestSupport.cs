using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Globalization;
using BmsPace.Polling;
using BmsPace.Protocol.Readings;
using Microsoft.Extensions.Logging;
using Prometheus;
using BmsPace.Protocol.Dialects.Pace;

namespace BmsPace.Tests.Influx;

/// <summary>Realistic snapshots, shaped like a 16-cell PACE pack (values as in the CLI.md example), varied by pack and cycle.</summary>
internal static class TestSnapshots
{
    public static readonly DateTimeOffset Start = new(2026, 11, 23, 12, 0, 0, 123, TimeSpan.Zero);

    public static AnalogPack Analog(int pack, int cycle = 0, int cells = 16, int temperatures = 6, double? soc = 0.465784, double? soh = 1.0346)
    {
        var cellVolts = Enumerable.Range(0, cells).Select(i => Math.Round(3.271 + (0.001 * ((i + pack + cycle) % 7)), 3)).ToImmutableArray();
        var temps = Enumerable.Range(0, temperatures).Select(i => Math.Round(24.1 + (0.1 * i) + pack, 1)).ToImmutableArray();
        return new AnalogPack
        {
            Pack = pack,
            Offline = false,
            CellVoltagesVolts = cellVolts,
            TemperaturesCelsius = temps,
            CurrentAmperes = Math.Round(-2.25 + (0.01 * cycle), 2),
            VoltageVolts = Math.Round(cellVolts.Sum(), 3),
            RemainingAmpHours = Math.Round(48.19 - (0.01 * cycle), 2),
            FullAmpHours = 103.46,
            DesignAmpHours = 100,
            CycleCount = 140 + pack,
            UserDefinedP = 3,
            TailHex = "",
            Tail = null,
            StateOfChargeRatio = soc,
            StateOfHealthRatio = soh,
            StateOfChargeCalculatedRatio = soc,
            StateOfHealthCalculatedRatio = soh,
        };
    }

    public static AlarmPack Alarm(int pack, int cells = 16, int temperatures = 6, byte instruction = 0x06, byte balance1 = 0x04, byte balance2 = 0x01,
        byte protect1 = 0, byte protect2 = 0, byte warn1 = 0, byte warn2 = 0, byte fault = 0) => PaceStatusBytes.WithNamedViews(new AlarmPack
        {
            Pack = pack,
            // Cell 2 high, the last cell an "other" code; sensor 1 low: every warning flag appears set somewhere.
            CellWarnings = [.. Enumerable.Range(1, cells).Select(c => c == 2 ? (byte)0x02 : c == cells && cells > 2 ? (byte)0xF0 : (byte)0)],
            TemperatureWarnings = [.. Enumerable.Range(1, temperatures).Select(s => s == 1 ? (byte)0x01 : (byte)0)],
            ChargeCurrentWarning = 0,
            PackVoltageWarning = 0,
            DischargeCurrentWarning = 0,
            ProtectState1 = protect1,
            ProtectState2 = protect2,
            InstructionState = instruction,
            ControlState = (byte)(0x0A + pack),
            FaultState = fault,
            BalanceState1 = balance1,
            BalanceState2 = balance2,
            WarnState1 = warn1,
            WarnState2 = warn2,
            TailHex = "",
        });

    public static PackState Fresh(AnalogPack analog, AlarmPack? alarm, DateTimeOffset at) => new()
    {
        Pack = analog.Pack,
        Fresh = true,
        LastSuccess = at,
        Analog = analog,
        Alarm = alarm,
        ChargedWattHours = 0,
        DischargedWattHours = 0,
    };

    public static PackState Stale(int pack, DateTimeOffset? lastSuccess) => new()
    {
        Pack = pack,
        Fresh = false,
        LastSuccess = lastSuccess,
        Analog = null,
        Alarm = null,
        ChargedWattHours = 0,
        DischargedWattHours = 0,
    };

    public static BatterySnapshot Snapshot(string battery, DateTimeOffset at, params PackState[] packs) => new()
    {
        Battery = battery,
        Timestamp = at,
        Duration = TimeSpan.FromMilliseconds(350),
        Up = packs.Any(p => p.Fresh),
        PacksReported = packs.Length,
        PacksDecoded = packs.Count(p => p.Fresh),
        ProtocolVersion = "25",
        Identity = BatteryIdentity.Unknown,
        Packs = [.. packs],
        Counters = PollCounters.Empty,
    };

    /// <summary>Cycle <paramref name="cycle"/> of a battery with <paramref name="packs"/> fresh packs, one second apart; every pack's alarm read.</summary>
    public static BatterySnapshot Cycle(string battery, int cycle, int packs = 2, int cells = 16, int temperatures = 6)
    {
        var at = Start.AddSeconds(cycle);
        var states = Enumerable.Range(1, packs)
            .Select(p => Fresh(Analog(p, cycle, cells, temperatures), Alarm(p, cells, temperatures, protect1: (byte)(cycle % 2 == 1 ? 0x01 : 0)), at) with
            {
                ChargedWattHours = 1000.5 + (10 * cycle) + p,
                DischargedWattHours = 750.25 + (5 * cycle) + p,
                Identity = global::BmsPace.Tests.Prometheus.TestSnapshots.IdentityOfPack(p),
            })
            .ToArray();
        return Snapshot(battery, at, states) with
        {
            PacksReported = packs + 1,
            Identity = global::BmsPace.Tests.Prometheus.TestSnapshots.IdentityOfPack(1),
        };
    }

    /// <summary>Points one fresh pack gives: pack, cells, temperatures, flags.</summary>
    public static int PointsPerPack(int cells = 16, int temperatures = 6) => 1 + cells + temperatures + 1;
}

/// <summary>Keeps every formatted log line, so tests can check what an operator would read (and what must never appear).</summary>
internal sealed class CapturingLogger<T> : ILogger<T>
{
    private readonly ConcurrentQueue<(LogLevel Level, string Message)> _entries = new();

    public IReadOnlyList<(LogLevel Level, string Message)> Entries => [.. _entries];

    public string AllText => string.Join('\n', _entries.Select(e => $"{e.Level}: {e.Message}"));

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        _entries.Enqueue((logLevel, formatter(state, exception) + (exception is null ? "" : " " + exception)));

    public int Count(LogLevel level, string containing) =>
        _entries.Count(e => e.Level == level && e.Message.Contains(containing, StringComparison.Ordinal));
}

/// <summary>Reads series values from the text exposition of a registry (what /metrics would serve).</summary>
internal static class MetricReader
{
    public static async Task<string> ExpositionAsync(CollectorRegistry registry)
    {
        using var stream = new MemoryStream();
        await registry.CollectAndExportAsTextAsync(stream);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>The value of the series written exactly as <paramref name="series"/> (name plus labels), or 0 when absent.</summary>
    public static async Task<double> ValueAsync(CollectorRegistry registry, string series)
    {
        string text = await ExpositionAsync(registry);
        foreach (string line in text.Split('\n'))
        {
            if (line.StartsWith(series + " ", StringComparison.Ordinal))
            {
                return double.Parse(line[(series.Length + 1)..], CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }
}

/// <summary>Polls a condition (never a fixed sleep).</summary>
internal static class Eventually
{
    public static async Task TrueAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out waiting for {what}");
            }

            await Task.Delay(50);
        }
    }
}
