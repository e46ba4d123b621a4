using System.Collections.Immutable;
using System.IO.Compression;
using BmsPace.Configuration;
using BmsPace.Polling;
using BmsPace.Protocol.Readings;
using Prometheus;

namespace BmsPace.Sinks.Prometheus;

/// <summary>What the sink last saw of one battery: for /healthz.</summary>
/// <param name="Battery">The battery label.</param>
/// <param name="ReceivedAt">When the sink received the snapshot (the sink's clock).</param>
/// <param name="SnapshotTime">The snapshot's own timestamp (cycle start).</param>
/// <param name="CycleDuration">Wall time of that cycle.</param>
/// <param name="Up">Whether that cycle decoded any pack.</param>
/// <param name="PackLastSuccess">Last good analog frame per pack label.</param>
public sealed record BatteryPublication(
    string Battery,
    DateTimeOffset ReceivedAt,
    DateTimeOffset SnapshotTime,
    TimeSpan CycleDuration,
    bool Up,
    ImmutableSortedDictionary<string, DateTimeOffset?> PackLastSuccess);

/// <summary>One rendering of the registry: the text exposition and the same bytes gzip-compressed.</summary>
public sealed record RenderedExposition(byte[] Plain, byte[] Gzip);

/// <summary>
/// Turns battery snapshots into the METRICS.md series of one <see cref="CollectorRegistry"/> and renders the
/// exposition once per snapshot, so a scrape only copies cached bytes and never reaches the poller or the BMS.
/// </summary>
/// <remarks>
/// Thread-safe: publications from several pollers are serialised; <see cref="Exposition"/> may be read from any
/// thread at any time. A stale pack keeps only <c>pace_bms_pack_up 0</c> and its last-success timestamp (the other
/// children are unpublished, so they come back with the next good read); a series whose pack, cell, sensor or
/// identity no longer exists is removed.
/// </remarks>
public sealed class PrometheusSink : IReadingSink, IDisposable
{
    /// <summary>The Prometheus text format 0.0.4 content type.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly CollectorRegistry _registry;
    private readonly BmsMetricFamilies _metrics;
    private readonly LabelFormatter _labels;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _publishLock = new(1, 1);
    private readonly Dictionary<string, BatterySeries> _batteries = new(StringComparer.Ordinal);
    private volatile RenderedExposition? _exposition;
    private ImmutableDictionary<string, BatteryPublication> _publications = ImmutableDictionary<string, BatteryPublication>.Empty.WithComparers(StringComparer.Ordinal);

    public PrometheusSink(CollectorRegistry registry, LabelFormatter labels, string exporterVersion, TimeProvider time)
    {
        _registry = registry;
        _labels = labels;
        _time = time;
        _metrics = new BmsMetricFamilies(registry);
        _metrics.BuildInfo.WithLabels(exporterVersion).Set(1);
    }

    /// <summary>The registry every BmsPace collector lives in (other parts may add their own collectors).</summary>
    public CollectorRegistry Registry => _registry;

    /// <summary>The last battery publications, by battery name.</summary>
    public ImmutableDictionary<string, BatteryPublication> Publications => Volatile.Read(ref _publications);

    /// <summary>The exposition rendered after the last snapshot (or on first use); never rendered by a scrape after that.</summary>
    public async ValueTask<ReadOnlyMemory<byte>> GetExpositionAsync(CancellationToken cancellationToken) =>
        (await GetRenderedAsync(cancellationToken)).Plain;

    /// <summary>The cached exposition, plain and gzip-compressed (Prometheus asks for gzip).</summary>
    public async ValueTask<RenderedExposition> GetRenderedAsync(CancellationToken cancellationToken)
    {
        if (_exposition is { } cached)
        {
            return cached;
        }

        await RefreshAsync(cancellationToken);
        return _exposition!;
    }

    /// <inheritdoc />
    public async ValueTask PublishAsync(BatterySnapshot snapshot, CancellationToken cancellationToken)
    {
        await _publishLock.WaitAsync(cancellationToken);
        try
        {
            Apply(snapshot);
            _exposition = await RenderAsync(cancellationToken);
        }
        finally
        {
            _publishLock.Release();
        }
    }

    /// <summary>Renders the registry again, for collectors that other parts updated between snapshots.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        await _publishLock.WaitAsync(cancellationToken);
        try
        {
            _exposition = await RenderAsync(cancellationToken);
        }
        finally
        {
            _publishLock.Release();
        }
    }

    public void Dispose() => _publishLock.Dispose();

    private async Task<RenderedExposition> RenderAsync(CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream(64 * 1024);
        await _registry.CollectAndExportAsTextAsync(buffer, cancellationToken);
        byte[] plain = buffer.ToArray();
        using var compressed = new MemoryStream(plain.Length / 8);
        await using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            await gzip.WriteAsync(plain, cancellationToken);
        }

        return new RenderedExposition(plain, compressed.ToArray());
    }

    private void Apply(BatterySnapshot snapshot)
    {
        string battery = snapshot.Battery;
        if (!_batteries.TryGetValue(battery, out var series))
        {
            series = new BatterySeries();
            _batteries.Add(battery, series);
        }

        _metrics.Up.WithLabels(battery).Set(snapshot.Up ? 1 : 0);
        _metrics.PacksReported.WithLabels(battery).Set(snapshot.PacksReported);
        _metrics.PacksDecoded.WithLabels(battery).Set(snapshot.PacksDecoded);
        _metrics.PollDuration.WithLabels(battery).Observe(snapshot.Duration.TotalSeconds);
        _metrics.Reconnects.WithLabels(battery).IncTo(snapshot.Counters.Reconnects);
        // Sorted so children are created, and rendered, in the same order in every process.
        foreach (var (command, count) in snapshot.Counters.Requests.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            _metrics.Requests.WithLabels(battery, command).IncTo(count);
        }

        foreach (var ((command, reason), count) in snapshot.Counters.Failures.OrderBy(f => f.Key.Command, StringComparer.Ordinal).ThenBy(f => f.Key.Reason, StringComparer.Ordinal))
        {
            _metrics.RequestFailures.WithLabels(battery, command, reason).IncTo(count);
        }

        var current = new Dictionary<ChildBase, int>(ReferenceEqualityComparer.Instance);
        var stalePacks = new HashSet<int>();
        var lastSuccess = ImmutableSortedDictionary.CreateBuilder<string, DateTimeOffset?>(StringComparer.Ordinal);
        foreach (var pack in snapshot.Packs)
        {
            string packLabel = _labels.Pack(pack.Pack);
            lastSuccess[packLabel] = pack.LastSuccess;
            var writer = new PackWriter(current, pack.Pack);
            if (pack.LastSuccess is { } success)
            {
                writer.Set(_metrics.LastSuccess.WithLabels(battery, packLabel), success.ToUnixTimeMilliseconds() / 1000.0);
            }

            // An all-zero block is a slave that did not answer: no data, so not up.
            bool fresh = pack.Fresh && pack.Analog is { Offline: false };
            writer.Set(_metrics.PackUp.WithLabels(battery, packLabel), fresh ? 1 : 0);
            if (!fresh)
            {
                stalePacks.Add(pack.Pack);
                continue;
            }

            WritePack(writer, battery, packLabel, snapshot, pack, pack.Analog!);
        }

        foreach (var (child, pack) in series.Children)
        {
            if (current.ContainsKey(child))
            {
                continue;
            }

            if (stalePacks.Contains(pack))
            {
                // Kept for the pack's return, but not served while stale.
                child.Unpublish();
                current.Add(child, pack);
            }
            else
            {
                child.Remove();
            }
        }

        series.Children = current;
        var publication = new BatteryPublication(battery, _time.GetUtcNow(), snapshot.Timestamp, snapshot.Duration, snapshot.Up, lastSuccess.ToImmutable());
        Volatile.Write(ref _publications, _publications.SetItem(battery, publication));
    }

    private void WritePack(PackWriter writer, string battery, string pack, BatterySnapshot snapshot, PackState state, AnalogPack analog)
    {
        var identity = snapshot.Identity;
        writer.Set(_metrics.PackInfo.WithLabels(battery, pack, identity.SoftwareVersion ?? "", identity.BmsSerial ?? "", identity.PackSerial ?? "", snapshot.ProtocolVersion), 1);
        writer.Set(_metrics.PackVoltage.WithLabels(battery, pack), analog.VoltageVolts);
        writer.Set(_metrics.PackCurrent.WithLabels(battery, pack), analog.CurrentAmperes);
        writer.Set(_metrics.PackPower.WithLabels(battery, pack), analog.PowerWatts);
        if (analog.StateOfChargeRatio is { } soc)
        {
            writer.Set(_metrics.StateOfCharge.WithLabels(battery, pack), soc);
        }

        if (analog.StateOfHealthRatio is { } soh)
        {
            writer.Set(_metrics.StateOfHealth.WithLabels(battery, pack), soh);
        }

        writer.Set(_metrics.CapacityRemaining.WithLabels(battery, pack), analog.RemainingAmpHours);
        writer.Set(_metrics.CapacityFull.WithLabels(battery, pack), analog.FullAmpHours);
        if (analog.DesignAmpHours is { } design)
        {
            writer.Set(_metrics.CapacityDesign.WithLabels(battery, pack), design);
        }
        writer.Set(_metrics.CycleCount.WithLabels(battery, pack), analog.CycleCount);
        for (int i = 0; i < analog.CellCount; i++)
        {
            writer.Set(_metrics.CellVoltage.WithLabels(battery, pack, _labels.Cell(i + 1)), analog.CellVoltagesVolts[i]);
        }

        if (analog.CellCount > 0)
        {
            writer.Set(_metrics.CellVoltageMin.WithLabels(battery, pack), analog.CellMinVolts);
            writer.Set(_metrics.CellVoltageMax.WithLabels(battery, pack), analog.CellMaxVolts);
            writer.Set(_metrics.CellVoltageDelta.WithLabels(battery, pack), analog.CellDeltaVolts);
        }

        for (int i = 0; i < analog.TemperatureCount; i++)
        {
            if (double.IsNaN(analog.TemperaturesCelsius[i]))
            {
                // A sensor the BMS marks as not fitted gets no series (an existing one is removed like a vanished sensor).
                continue;
            }

            string sensor = LabelFormatter.Sensor(i + 1);
            writer.Set(_metrics.Temperature.WithLabels(battery, pack, sensor), analog.TemperaturesCelsius[i]);
            writer.Set(_metrics.TemperatureInfo.WithLabels(battery, pack, sensor, analog.RoleOfSensor(i).ToLabel()), 1);
        }

        writer.IncTo(_metrics.ChargedEnergy.WithLabels(battery, pack), state.ChargedWattHours);
        writer.IncTo(_metrics.DischargedEnergy.WithLabels(battery, pack), state.DischargedWattHours);
        if (state.Alarm is { } alarm)
        {
            WriteAlarm(writer, battery, pack, alarm);
        }
    }

    private void WriteAlarm(PackWriter writer, string battery, string pack, AlarmPack alarm)
    {
        for (int i = 0; i < alarm.CellCount; i++)
        {
            string cell = _labels.Cell(i + 1);
            writer.Set(_metrics.CellBalancing.WithLabels(battery, pack, cell), alarm.IsCellBalancing(i + 1) ? 1 : 0);
            foreach (string flag in WarningCodes.FlagNames)
            {
                writer.Set(_metrics.CellWarning.WithLabels(battery, pack, cell, flag), WarningCodes.IsSet(alarm.CellWarnings[i], flag) ? 1 : 0);
            }
        }

        for (int i = 0; i < alarm.TemperatureCount; i++)
        {
            string sensor = LabelFormatter.Sensor(i + 1);
            foreach (string flag in WarningCodes.FlagNames)
            {
                writer.Set(_metrics.TemperatureWarning.WithLabels(battery, pack, sensor, flag), WarningCodes.IsSet(alarm.TemperatureWarnings[i], flag) ? 1 : 0);
            }
        }

        foreach (var flag in FlagTable.All)
        {
            writer.Set(_metrics.Flags[flag.Family].WithLabels(battery, pack, flag.Name), alarm.IsSet(flag) ? 1 : 0);
        }

        writer.Set(_metrics.ControlState.WithLabels(battery, pack), alarm.ControlState);
    }

    /// <summary>The children one battery published in its last snapshot, with the pack each belongs to.</summary>
    private sealed class BatterySeries
    {
        public Dictionary<ChildBase, int> Children { get; set; } = new(ReferenceEqualityComparer.Instance);
    }

    /// <summary>Sets a child and records it as published for this snapshot.</summary>
    private readonly struct PackWriter(Dictionary<ChildBase, int> current, int pack)
    {
        public void Set(Gauge.Child child, double value)
        {
            child.Set(value);
            // A child unpublished while its pack was stale is served again once it has a fresh value.
            child.Publish();
            current[child] = pack;
        }

        public void IncTo(Counter.Child child, double value)
        {
            child.IncTo(value);
            child.Publish();
            current[child] = pack;
        }
    }

    internal static string FormatVersion(string? informationalVersion) =>
        string.IsNullOrEmpty(informationalVersion) ? "unknown" : informationalVersion.Split('+')[0];
}
