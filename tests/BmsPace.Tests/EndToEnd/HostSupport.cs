using System.Globalization;
using System.Text;
using BmsPace.Configuration;
using BmsPace.Hosting;
using BmsPace.Web;
using System.Net;
using BmsPace.Protocol.Readings;
using BmsPace.Simulator;
using BmsPace.Outputs.Prometheus;
using BmsPace.Tests.Prometheus;
using BmsPace.Tests.Simulation;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using BmsPace.Protocol.Dialects.Pace;

namespace BmsPace.Tests.EndToEnd;

/// <summary>
/// The simulator's clock: it runs like the system clock until <see cref="Freeze"/>, then stands still. The simulated
/// battery only moves when its clock advances, so after freezing every reply carries the same values.
/// </summary>
/// <remarks>
/// <see cref="SimulatedBmsOptions.TimeScale"/> 0 would keep the battery still from the start; this clock lets it move
/// first, so an exporter stuck on its first values would be caught.
/// </remarks>
internal sealed class FreezableClock : TimeProvider
{
    private long _frozenAt;

    public void Freeze() => Interlocked.CompareExchange(ref _frozenAt, base.GetTimestamp(), 0);

    public override long GetTimestamp()
    {
        long frozen = Interlocked.Read(ref _frozenAt);
        return frozen != 0 ? frozen : base.GetTimestamp();
    }
}

/// <summary>The real <c>bmspace run</c> host (<see cref="BmsPaceHost.Build"/>) with its exporter on a free loopback port.</summary>
internal sealed class RunningHost : IAsyncDisposable
{
    private readonly IHost _app;
    private readonly HttpClient _http;
    private bool _stopped;

    private RunningHost(IHost app, Uri address)
    {
        _app = app;
        Address = address;
        _http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(10) };
    }

    public Uri Address { get; }

    public PrometheusSink Sink => _app.Services.GetRequiredService<PrometheusSink>();

    /// <summary>Builds and starts the host; the Prometheus listen address is replaced by a free loopback port.</summary>
    public static async Task<RunningHost> StartAsync(BmsPaceOptions options)
    {
        int port = ProcessRunner.FreePort();
        options = options with { Prometheus = new PrometheusOptions { Enabled = true, Listen = $"127.0.0.1:{port}" } };
        var app = BmsPaceHost.Build(options, new WebHostSettings(new IPEndPoint(IPAddress.Loopback, port), null, null), TextWriter.Null);
        await app.StartAsync();
        return new RunningHost(app, new Uri($"http://127.0.0.1:{port}/"));
    }

    public async Task<string> ScrapeTextAsync() => await _http.GetStringAsync(new Uri("metrics", UriKind.Relative));

    /// <summary>/metrics as series keyed like <see cref="SeriesKey"/> (labels sorted).</summary>
    public async Task<Dictionary<string, double>> ScrapeAsync() => Normalise(await ScrapeTextAsync());

    /// <summary>The exposition straight from the sink, also after the host has stopped.</summary>
    public async Task<Dictionary<string, double>> ExpositionAsync() =>
        Normalise(Encoding.UTF8.GetString((await Sink.GetRenderedAsync(CancellationToken.None)).Plain));

    public async Task StopAsync()
    {
        if (!_stopped)
        {
            _stopped = true;
            await _app.StopAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _app.DisposeHostAsync();
        _http.Dispose();
    }

    private static Dictionary<string, double> Normalise(string exposition) =>
        Exposition.Parse(exposition).ToDictionary(s => SeriesKey.FromExposition(s.Key), s => s.Value, StringComparer.Ordinal);
}

/// <summary>Series keys and the series METRICS.md says a fresh pack must show for what the simulator sent.</summary>
internal static class ExpectedSeries
{
    public static string Key(string name, params (string Name, string Value)[] labels) =>
        SeriesKey.FromExposition(name + "{" + string.Join(",", labels.Select(l => $"{l.Name}=\"{l.Value}\"")) + "}");

    public static double Value(this IReadOnlyDictionary<string, double> series, string name, params (string Name, string Value)[] labels) =>
        series.TryGetValue(Key(name, labels), out double value) ? value : double.NaN;

    /// <summary>Per-pack families as they must be exported for <paramref name="analog"/> and <paramref name="alarm"/>.</summary>
    public static Dictionary<string, double> ForPack(string battery, SentAnalogPack analog, SentAlarmPack alarm)
    {
        string pack = analog.Pack.ToString(CultureInfo.InvariantCulture);
        var series = new Dictionary<string, double>(StringComparer.Ordinal);
        void Add(string name, double value, params (string Name, string Value)[] extra) =>
            series.Add(Key(name, [("battery", battery), ("pack", pack), .. extra]), value);

        Add("pace_bms_pack_up", 1);
        Add("pace_bms_pack_voltage_volts", analog.VoltageVolts);
        Add("pace_bms_pack_current_amperes", analog.CurrentAmperes);
        Add("pace_bms_pack_power_watts", analog.VoltageVolts * analog.CurrentAmperes);
        Add("pace_bms_state_of_charge_ratio", analog.TailStateOfChargeRatio ?? analog.StateOfChargeCalculatedRatio);
        Add("pace_bms_state_of_health_ratio", analog.TailStateOfHealthRatio ?? analog.StateOfHealthCalculatedRatio);
        Add("pace_bms_capacity_remaining_amp_hours", analog.RemainingAmpHours);
        Add("pace_bms_capacity_full_amp_hours", analog.FullAmpHours);
        Add("pace_bms_capacity_design_amp_hours", analog.DesignAmpHours);
        Add("pace_bms_cycle_count", analog.CycleCount);
        Add("pace_bms_cell_voltage_min_volts", analog.CellVoltagesVolts.Min());
        Add("pace_bms_cell_voltage_max_volts", analog.CellVoltagesVolts.Max());
        Add("pace_bms_cell_voltage_delta_volts", analog.CellVoltagesVolts.Max() - analog.CellVoltagesVolts.Min());
        Add("pace_bms_control_state", alarm.ControlState);
        int balancing = alarm.BalanceState1 | (alarm.BalanceState2 << 8);
        for (int index = 0; index < analog.CellVoltagesVolts.Length; index++)
        {
            string cell = (index + 1).ToString(CultureInfo.InvariantCulture);
            Add("pace_bms_cell_voltage_volts", analog.CellVoltagesVolts[index], ("cell", cell));
            Add("pace_bms_cell_balancing", index < 16 ? (balancing >> index) & 1 : 0, ("cell", cell));
            foreach (var (flag, set) in WarningFlags(alarm.CellWarnings[index]))
            {
                Add("pace_bms_cell_warning", set ? 1 : 0, ("cell", cell), ("flag", flag));
            }
        }

        for (int index = 0; index < analog.TemperaturesCelsius.Length; index++)
        {
            string sensor = (index + 1).ToString(CultureInfo.InvariantCulture);
            Add("pace_bms_temperature_celsius", analog.TemperaturesCelsius[index], ("sensor", sensor));
            string role = analog.TemperaturesCelsius.Length != 6 ? "unknown" : index < 4 ? "cell" : index == 4 ? "mosfet" : "environment";
            Add("pace_bms_temperature_info", 1, ("sensor", sensor), ("role", role));
            foreach (var (flag, set) in WarningFlags(alarm.TemperatureWarnings[index]))
            {
                Add("pace_bms_temperature_warning", set ? 1 : 0, ("sensor", sensor), ("flag", flag));
            }
        }

        foreach (var definition in PaceFlagTable.All)
        {
            Add("pace_bms_" + definition.Family.ToLabel(), FlagBit(alarm, definition) ? 1 : 0, ("flag", definition.Name));
        }

        return series;
    }

    /// <summary>The bit of the byte the simulator sent, read from the raw alarm bytes rather than from any decoder.</summary>
    public static bool FlagBit(SentAlarmPack alarm, FlagDefinition definition)
    {
        byte source = definition.Field switch
        {
            "protect_state_1" => alarm.ProtectState1,
            "protect_state_2" => alarm.ProtectState2,
            "warn_state_1" => alarm.WarnState1,
            "warn_state_2" => alarm.WarnState2,
            "fault_state" => alarm.FaultState,
            "instruction_state" => alarm.InstructionState,
            _ => throw new ArgumentOutOfRangeException(nameof(definition), definition.Field, "not a PACE status byte"),
        };
        return ((source >> definition.Bit) & 1) == 1;
    }

    /// <summary>METRICS.md: code 01 is <c>low</c>, 02 <c>high</c>, F0 and 80-EF <c>other</c>.</summary>
    private static IEnumerable<(string Flag, bool Set)> WarningFlags(byte code)
    {
        yield return ("low", code == 0x01);
        yield return ("high", code == 0x02);
        yield return ("other", code is 0xF0 or (>= 0x80 and <= 0xEF));
    }

    /// <summary>The metric name of a normalised key.</summary>
    public static string NameOf(string key) => key[..key.IndexOf('{', StringComparison.Ordinal)];
}

/// <summary>Waits for the simulator to settle after its clock froze, and for the poller to come round again.</summary>
internal static class SimulatorProgress
{
    public static int Requests(this RecordedBms bms, byte cid2) => bms.ReceivedCid2s.Count(c => c == cid2);

    /// <summary>
    /// After <see cref="FreezableClock.Freeze"/>: the first request after freezing still moves the battery up to the
    /// freezing instant; once an analog and an alarm request have both been answered after that, every later reply
    /// carries exactly what <see cref="RecordedBms.LastSentAnalog"/> and <see cref="RecordedBms.LastSentAlarm"/> say.
    /// </summary>
    public static async Task SettleAfterFreezeAsync(this RecordedBms bms)
    {
        int analog = bms.Requests(0x42);
        int alarm = bms.Requests(0x44);
        await Influx.Eventually.TrueAsync(
            () => Task.FromResult(bms.Requests(0x42) > analog && bms.Requests(0x44) > alarm),
            "an analog and an alarm request answered after freezing the simulator");
    }

    /// <summary>
    /// Returns once a poll cycle that started after this call has been published to every sink: the poller
    /// publishes a cycle before it starts the next, so the second analog request from now proves the first one's
    /// cycle is out.
    /// </summary>
    public static async Task AwaitPublishedCycleAsync(this RecordedBms bms)
    {
        int analog = bms.Requests(0x42);
        await Influx.Eventually.TrueAsync(
            () => Task.FromResult(bms.Requests(0x42) >= analog + 2),
            "a whole poll cycle after this point");
    }
}
