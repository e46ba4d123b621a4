using System.IO.Compression;
using BmsPace.Configuration;
using BmsPace.Polling;
using BmsPace.Protocol.Commands;
using BmsPace.Protocol.Framing;
using BmsPace.Protocol.Readings;
using Prometheus;

namespace BmsPace.Outputs.Prometheus;

/// <summary>One rendering of the registry: the text exposition and the same bytes gzip-compressed.</summary>
public sealed record RenderedExposition(byte[] Plain, byte[] Gzip);

/// <summary>
/// Turns battery snapshots into the METRICS.md series of one <see cref="CollectorRegistry"/> and renders the
/// exposition when a scrape asks for it after a change, so a publication costs only the series updates and a scrape
/// never reaches the poller or the BMS.
/// </summary>
/// <remarks>
/// Thread-safe: publications from several pollers are serialised; <see cref="GetRenderedAsync"/> may be called
/// from any thread at any time. A stale pack keeps only <c>pace_bms_pack_up 0</c> and its last-success timestamp (the other
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
    /// <summary>
    /// How long a rendering is served when no snapshot arrived since: bounds how stale the series other parts own may
    /// be, and how often a scraper hammering /metrics makes the exporter render (once per lifetime at most).
    /// </summary>
    public static readonly TimeSpan CacheLifetime = TimeSpan.FromSeconds(1);

    private readonly SemaphoreSlim _publishLock = new(1, 1);
    private readonly SemaphoreSlim _renderLock = new(1, 1);
    private readonly Dictionary<string, BatterySeries> _batteries = new(StringComparer.Ordinal);
    private volatile CachedExposition? _cache;
    private long _changes;
    /// <summary>
    /// The text of one rendering before it is copied out at its exact size; kept from one rendering to the next (under
    /// the render lock) because a page of 8 packs is over 100 KB, and a fresh buffer of that size every second would be
    /// a large-object allocation that only a full collection reclaims.
    /// </summary>
    private readonly MemoryStream _renderBuffer = new(64 * 1024);

    /// <summary>The pack number the stack's series are recorded under (packs are numbered from 1; a Seplos V3 pack at 0 is pack 1).</summary>
    private const int StackSeriesKey = 0;

    /// <param name="batteries">The configured battery names: their link health series exist from the first scrape.</param>
    public PrometheusSink(CollectorRegistry registry, LabelFormatter labels, string exporterVersion, TimeProvider time, IEnumerable<string> batteries)
    {
        _registry = registry;
        _labels = labels;
        _time = time;
        _metrics = new BmsMetricFamilies(registry);
        _metrics.BuildInfo.WithLabels(exporterVersion).Set(1);
        foreach (string battery in batteries)
        {
            DeclareLinkSeries(battery);
        }
    }

    /// <summary>
    /// The exposition, plain and gzip-compressed (Prometheus asks for gzip). Rendered here, by the scrape that finds
    /// something changed since the last rendering, never by a publication: with many links most snapshots are never
    /// scraped, and one rendering per scrape is all a scraper can see.
    /// </summary>
    /// <remarks>
    /// A rendering holds the publication lock while it reads the registry, so it never shows half of one battery's
    /// update. A scrape that arrives while another renders is served the last complete page. Collectors other parts
    /// own (the InfluxDB and MQTT writers' own series) do not mark a change; they are picked up by the next rendering,
    /// at most <see cref="CacheLifetime"/> after the last one.
    /// </remarks>
    public async ValueTask<RenderedExposition> GetRenderedAsync(CancellationToken cancellationToken)
    {
        if (CurrentCache() is { } cached)
        {
            return cached;
        }

        if (!_renderLock.Wait(0, cancellationToken))
        {
            if (_cache is { } previous)
            {
                // Another scrape is rendering: the last complete page now beats a fresher one after the queue.
                return previous.Exposition;
            }

            await _renderLock.WaitAsync(cancellationToken);
        }

        try
        {
            if (CurrentCache() is { } rendered)
            {
                return rendered;
            }

            long renderedAt = _time.GetTimestamp();
            long changes;
            byte[] plain;
            await _publishLock.WaitAsync(cancellationToken);
            try
            {
                changes = _changes;
                plain = await CollectAsync(cancellationToken);
            }
            finally
            {
                _publishLock.Release();
            }

            var exposition = new RenderedExposition(plain, await CompressAsync(plain, cancellationToken));
            _cache = new CachedExposition(exposition, changes, renderedAt);
            return exposition;
        }
        finally
        {
            _renderLock.Release();
        }
    }

    /// <inheritdoc />
    public async ValueTask PublishAsync(BatterySnapshot snapshot, CancellationToken cancellationToken)
    {
        await _publishLock.WaitAsync(cancellationToken);
        try
        {
            Apply(snapshot);
            _changes++;
        }
        finally
        {
            _publishLock.Release();
        }
    }

    public void Dispose()
    {
        _publishLock.Dispose();
        _renderLock.Dispose();
        _renderBuffer.Dispose();
    }

    /// <summary>The last rendering while nothing was published since and it is younger than <see cref="CacheLifetime"/>.</summary>
    private RenderedExposition? CurrentCache()
    {
        var cache = _cache;
        return cache is not null
            && cache.Changes == Volatile.Read(ref _changes)
            && _time.GetElapsedTime(cache.RenderedAt) < CacheLifetime
            ? cache.Exposition
            : null;
    }

    private async Task<byte[]> CollectAsync(CancellationToken cancellationToken)
    {
        _renderBuffer.SetLength(0);
        await _registry.CollectAndExportAsTextAsync(_renderBuffer, cancellationToken);
        return _renderBuffer.ToArray();
    }

    private static async Task<byte[]> CompressAsync(byte[] plain, CancellationToken cancellationToken)
    {
        using var compressed = new MemoryStream(plain.Length / 8);
        await using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            await gzip.WriteAsync(plain, cancellationToken);
        }

        return compressed.ToArray();
    }

    /// <summary>One rendering, the publication count it includes and when it was made (a <see cref="TimeProvider"/> timestamp).</summary>
    private sealed record CachedExposition(RenderedExposition Exposition, long Changes, long RenderedAt);

    private void Apply(BatterySnapshot snapshot)
    {
        string battery = snapshot.Battery;
        if (!_batteries.TryGetValue(battery, out var series))
        {
            series = DeclareLinkSeries(battery);
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
        foreach (var pack in snapshot.Packs)
        {
            string packLabel = _labels.Pack(pack.Pack);
            if (pack.AnalogReadThisCycle && pack.Analog is { } read)
            {
                foreach (var dropped in read.Implausible)
                {
                    _metrics.ImplausibleValues.WithLabels(battery, dropped.Field).Inc();
                }
            }

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

        if (snapshot.Stack is { } stack)
        {
            // Battery-level series, kept under a pack number no pack has: they go (removed) when the summary does.
            var writer = new PackWriter(current, StackSeriesKey);
            foreach (var (family, value) in _metrics.StackSeries(stack.Values))
            {
                if (value is { } number)
                {
                    writer.Set(family.WithLabels(battery), number);
                }
            }
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
    }

    /// <summary>
    /// Creates the link health series of METRICS.md at 0 before the first cycle ends: a silent battery shows
    /// <c>pace_bms_up 0</c> rather than nothing, and <c>increase()</c> over a failure counter sees its first failure
    /// (a series born at 1 has no increase). Every reason is declared for the two requests of every cycle.
    /// </summary>
    private BatterySeries DeclareLinkSeries(string battery)
    {
        if (_batteries.TryGetValue(battery, out var existing))
        {
            return existing;
        }

        var series = new BatterySeries();
        _batteries.Add(battery, series);
        _metrics.Up.WithLabels(battery).Set(0);
        _metrics.PacksReported.WithLabels(battery).Set(0);
        _metrics.PacksDecoded.WithLabels(battery).Set(0);
        _metrics.PollDuration.WithLabels(battery);
        _metrics.Reconnects.WithLabels(battery);
        foreach (string field in ImplausibleFields)
        {
            _metrics.ImplausibleValues.WithLabels(battery, field);
        }

        foreach (var command in (ReadOnlySpan<CommandKind>)[CommandKind.Analog, CommandKind.Alarm])
        {
            string label = command.ToLabel();
            _metrics.Requests.WithLabels(battery, label);
            foreach (var reason in FrameErrorNames.All)
            {
                _metrics.RequestFailures.WithLabels(battery, label, reason.ToReason());
            }
        }

        return series;
    }

    /// <summary>The fields the plausibility pass can drop: their counters exist at 0 from start-up, like the failure reasons.</summary>
    private static readonly string[] ImplausibleFields =
    [
        Plausibility.TemperatureField, Plausibility.StateOfChargeField, Plausibility.StateOfHealthField,
        Plausibility.StateOfChargeCalculatedField, Plausibility.StateOfHealthCalculatedField,
    ];

    private void WritePack(PackWriter writer, string battery, string pack, BatterySnapshot snapshot, PackState state, AnalogPack analog)
    {
        // The pack's own identity: empty labels for a pack that did not answer for itself, never the master's.
        var identity = state.Identity;
        writer.Set(_metrics.PackInfo.WithLabels(battery, pack, identity.SoftwareVersion ?? "", identity.BmsSerial ?? "", identity.PackSerial ?? "", snapshot.ProtocolVersion, snapshot.Protocol ?? ""), 1);
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

        // The pack's own dialect table: another dialect's bits are not this pack's, so they get no series at all.
        foreach (var flag in alarm.FlagDefinitions)
        {
            writer.Set(_metrics.Flags[flag.Family].WithLabels(battery, pack, flag.Name), alarm.IsSet(flag) ? 1 : 0);
        }

        if (alarm.StatusValue("control_state") is { } controlState)
        {
            writer.Set(_metrics.ControlState.WithLabels(battery, pack), controlState);
        }
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
