using System.Collections.Concurrent;
using BmsPace.Configuration;
using BmsPace.Polling;
using BmsPace.Resilience;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace BmsPace.Outputs.Influx;

/// <summary>
/// Writes every snapshot to InfluxDB (or any server speaking its write API). <see cref="PublishAsync"/> only formats
/// and queues; the hosted loop sends batches every <c>flush_interval</c>, or sooner once a full batch waits.
/// </summary>
/// <remarks>
/// <para>Nothing is lost while the server is away until the buffer is full (by default one hour of points at the
/// scan interval); then the oldest points are dropped and counted. Batches the server may take later (network,
/// 5xx, 401/403/404 while the user fixes the server) are retried with exponential backoff and jitter; a batch it
/// refuses as malformed (400) is logged with the server's message and dropped, so it never blocks later points.
/// Pending points are sent on shutdown, within <c>influxdb.timeout</c>.</para>
/// <para>A batch retried after a timeout may reach the server twice; InfluxDB keeps one point per series and
/// timestamp (the later write wins with the same values), so a retry never duplicates data.</para>
/// <para>Thread-safe: any number of pollers may publish concurrently; one batch is in flight at a time.</para>
/// </remarks>
public sealed class InfluxSink : BackgroundService, IReadingSink, IAsyncDisposable
{
    private readonly InfluxDbOptions _options;
    private readonly LabelFormatter _labels;
    private readonly LineProtocolWriter _writer;
    private readonly InfluxHttpWriter _http;
    private readonly LineBuffer _buffer;
    private readonly InfluxSinkMetrics _metrics;
    private readonly ILogger<InfluxSink> _logger;
    private readonly BackoffPolicy _retry;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly ConcurrentDictionary<string, int> _pointsPerSnapshot = new(StringComparer.Ordinal);
    private readonly bool _autoCapacity;
    private readonly int _cyclesPerHour;
    private int _batchLimit;
    private string? _problem;
    private int _dropping;
    private int _disposed;
    private int _finalFlushDone;

    /// <summary>1 s first (a restarting server is usually back within seconds), at most one minute (an outage costs one request a minute).</summary>
    public static BackoffPolicy DefaultRetry { get; } = new(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1));

    /// <param name="options">The <c>influxdb</c> section; the secrets already read (or read here from their files).</param>
    /// <param name="scanInterval">The poll interval: sizes the default buffer (one hour of points).</param>
    /// <param name="labels">Pack and cell tag padding.</param>
    /// <param name="registry">Where the self-metrics go (shared with the Prometheus sink).</param>
    /// <param name="retryPolicy">Backoff between attempts; <see cref="DefaultRetry"/> when null.</param>
    /// <exception cref="ArgumentException">An invalid precision.</exception>
    public InfluxSink(
        InfluxDbOptions options,
        TimeSpan scanInterval,
        LabelFormatter labels,
        CollectorRegistry registry,
        ILogger<InfluxSink> logger,
        BackoffPolicy? retryPolicy = null)
    {
        _options = options;
        _labels = labels;
        _logger = logger;
        _retry = retryPolicy ?? DefaultRetry;
        _writer = new LineProtocolWriter(InfluxPrecisions.Parse(options.Precision));
        _http = new InfluxHttpWriter(options, _writer.Precision);
        _metrics = new InfluxSinkMetrics(registry);

        int batchSize = Math.Max(1, options.BatchSize);
        _autoCapacity = options.BufferPoints <= 0;
        // Scans shorter than a second (or back to back) are counted as one a second: the buffer must stay finite.
        _cyclesPerHour = (int)Math.Ceiling(TimeSpan.FromHours(1) / TimeSpan.FromTicks(Math.Max(scanInterval.Ticks, TimeSpan.TicksPerSecond)));
        int capacity = _autoCapacity ? 2 * batchSize : options.BufferPoints;
        _buffer = new LineBuffer(capacity);
        // Half the buffer at most, so overflow always has queued (not in-flight) points to drop first.
        _batchLimit = Math.Max(1, Math.Min(batchSize, capacity / 2));
        _metrics.BufferCapacityPoints.Set(capacity);
    }

    /// <summary>Formats the snapshot's points and queues them; never waits on the network.</summary>
    public ValueTask PublishAsync(BatterySnapshot snapshot, CancellationToken cancellationToken)
    {
        var lines = new List<string>();
        foreach (var point in SnapshotPoints.From(snapshot, _labels))
        {
            if (_writer.Format(point) is { } line)
            {
                lines.Add(line);
            }
        }

        if (_autoCapacity)
        {
            _pointsPerSnapshot.AddOrUpdate(snapshot.Battery, lines.Count, (_, seen) => Math.Max(seen, lines.Count));
            long perHour = (long)_pointsPerSnapshot.Values.Sum() * _cyclesPerHour;
            _buffer.GrowTo((int)Math.Min(int.MaxValue, Math.Max(perHour, 2L * _batchLimit)));
            _metrics.BufferCapacityPoints.Set(_buffer.Capacity);
        }

        int dropped = _buffer.Enqueue(lines);
        if (dropped > 0)
        {
            CountDropped(dropped);
        }

        int pending = _buffer.Count;
        _metrics.BufferPoints.Set(pending);
        if (pending >= _batchLimit)
        {
            Wake();
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Sends every pending point now, stopping at the first batch the server does not take.</summary>
    /// <returns>True when nothing is left pending.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<bool> FlushAsync(CancellationToken cancellationToken)
    {
        await _sendLock.WaitAsync(cancellationToken);
        try
        {
            while (await SendOneBatchAsync(cancellationToken) is { } status)
            {
                if (status == WriteStatus.Retry)
                {
                    return false;
                }
            }

            return true;
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>Stops the flush loop, then sends what is pending (within <c>influxdb.timeout</c>).</summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        // Here rather than at the end of ExecuteAsync: since .NET 10 a stop right after start can cancel the loop before it ever ran.
        await FlushAtShutdownAsync();
    }

    /// <summary>Stops (if running) and flushes like <see cref="StopAsync"/>, then releases the HTTP client.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await StopAsync(CancellationToken.None);
        Dispose();
    }

    public override void Dispose()
    {
        Interlocked.Exchange(ref _disposed, 1);
        base.Dispose();
        _http.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _logger.LogInformation("Writing to InfluxDB at {Url} every {Interval} s; while it is away up to {Buffer} are kept",
            _http.SafeUrl, _options.FlushInterval.TotalSeconds, _autoCapacity ? "one hour of points" : $"{_buffer.Capacity} points");
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await _wake.WaitAsync(_options.FlushInterval > TimeSpan.Zero ? _options.FlushInterval : TimeSpan.FromSeconds(1), stoppingToken);
                await SendUntilEmptyAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutdown: StopAsync sends the pending points.
        }
    }

    /// <summary>Sends batches until none is left, waiting with backoff after each failure; ends only when empty or stopped.</summary>
    private async Task SendUntilEmptyAsync(CancellationToken stoppingToken)
    {
        await _sendLock.WaitAsync(stoppingToken);
        try
        {
            int attempt = 0;
            while (await SendOneBatchAsync(stoppingToken) is { } status)
            {
                if (status == WriteStatus.Retry)
                {
                    attempt++;
                    await Task.Delay(_retry.DelayAfter(attempt), stoppingToken);
                }
                else
                {
                    attempt = 0;
                }
            }
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // Never expected (every server or network failure is a result); keep the loop and the host alive.
            _logger.LogError(exception, "InfluxDB writer failed; the points stay queued and are tried again");
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private async Task FlushAtShutdownAsync()
    {
        if (_buffer.Count == 0 || Interlocked.Exchange(ref _finalFlushDone, 1) != 0)
        {
            return;
        }

        using var deadline = new CancellationTokenSource(_options.Timeout > TimeSpan.Zero ? _options.Timeout : TimeSpan.FromSeconds(10));
        try
        {
            await FlushAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            // Reported below with the count left.
        }

        if (_buffer.Count > 0)
        {
            _logger.LogWarning("Stopping with {Pending} points not written to InfluxDB at {Url}", _buffer.Count, _http.SafeUrl);
        }
    }

    /// <summary>Sends the oldest batch once. Null when nothing is pending, otherwise how the attempt ended.</summary>
    private async Task<WriteStatus?> SendOneBatchAsync(CancellationToken cancellationToken)
    {
        var batch = _buffer.TakeBatch(_batchLimit);
        if (batch.Count == 0)
        {
            return null;
        }

        WriteResult result;
        try
        {
            result = await _http.WriteAsync(batch, cancellationToken);
        }
        catch
        {
            CountDropped(_buffer.CompleteBatch(consumed: false));
            throw;
        }

        switch (result.Status)
        {
            case WriteStatus.Written:
                _buffer.CompleteBatch(consumed: true);
                _metrics.PointsWritten.Inc(batch.Count);
                Recovered();
                break;
            case WriteStatus.TooLarge when batch.Count > 1:
                CountDropped(_buffer.CompleteBatch(consumed: false));
                _metrics.BatchesFailed.WithLabels(result.Reason).Inc();
                _batchLimit = Math.Max(1, batch.Count / 2);
                _logger.LogWarning("InfluxDB at {Url} refused a request of {Count} points as too large ({Message}); sending at most {Limit} from now on (lower influxdb.batch_size)",
                    _http.SafeUrl, batch.Count, result.Message, _batchLimit);
                break;
            case WriteStatus.Rejected or WriteStatus.TooLarge:
                _buffer.CompleteBatch(consumed: true);
                _metrics.BatchesFailed.WithLabels(result.Reason).Inc();
                _metrics.PointsWritten.Inc(batch.Count - result.RejectedLines);
                _metrics.PointsDropped.Inc(result.RejectedLines);
                _logger.LogError("InfluxDB at {Url} refused {Rejected} of {Count} points ({Status}: {Message}); they are dropped, later points are not affected",
                    _http.SafeUrl, result.RejectedLines, batch.Count, result.HttpStatus, result.Message);
                break;
            default:
                CountDropped(_buffer.CompleteBatch(consumed: false));
                _metrics.BatchesFailed.WithLabels(result.Reason).Inc();
                ReportRetry(result);
                break;
        }

        _metrics.BufferPoints.Set(_buffer.Count);
        return result.Status;
    }

    /// <summary>One log line per kind of trouble (not one per retry), naming the setting to fix.</summary>
    private void ReportRetry(WriteResult result)
    {
        string key = result.Reason + "/" + result.HttpStatus;
        if (key == _problem)
        {
            _logger.LogDebug("InfluxDB write failed again ({Reason}: {Message})", result.Reason, result.Message);
            return;
        }

        _problem = key;
        bool v1 = _http.Api == InfluxApi.V1;
        string credentials = v1 ? "influxdb.username and influxdb.password (or influxdb.password_file)" : "influxdb.token (or influxdb.token_file)";
        string? fix = result.Reason switch
        {
            "unauthorized" => $"the credentials were refused: fix {credentials}",
            "forbidden" => $"writing is not allowed with these credentials: fix {credentials}, or grant them write access",
            "not_found" when v1 && result.Message.Contains("database not found", StringComparison.OrdinalIgnoreCase) =>
                $"database \"{_options.Database}\" does not exist: create it or fix influxdb.database",
            "not_found" when v1 => "no write endpoint there: check influxdb.url",
            "not_found" => $"bucket \"{_options.Bucket}\" or org \"{_options.Org}\" not found: fix influxdb.bucket and influxdb.org "
                + "(or influxdb.url; InfluxDB 1.x before 1.8 has no /api/v2/write: set influxdb.api to v1)",
            _ => null,
        };
        if (fix is not null)
        {
            _logger.LogError("InfluxDB at {Url} answered {Status} ({Message}): {Fix}. {Pending} points are kept and retried",
                _http.SafeUrl, result.HttpStatus, result.Message, fix, _buffer.Count);
        }
        else
        {
            _logger.LogWarning("InfluxDB at {Url} cannot take points now ({Reason}: {Message}); {Pending} points are kept (up to {Capacity}) and retried with backoff",
                _http.SafeUrl, result.Reason, result.Message, _buffer.Count, _buffer.Capacity);
        }
    }

    private void Recovered()
    {
        Interlocked.Exchange(ref _dropping, 0);
        if (_problem is not null)
        {
            _problem = null;
            _logger.LogInformation("InfluxDB at {Url} takes points again; {Pending} pending", _http.SafeUrl, _buffer.Count);
        }
    }

    private void CountDropped(int count)
    {
        if (count <= 0)
        {
            return;
        }

        _metrics.PointsDropped.Inc(count);
        if (Interlocked.Exchange(ref _dropping, 1) == 0)
        {
            _logger.LogWarning("InfluxDB buffer full ({Capacity} points): dropping the oldest points until {Url} takes them again (see pace_bms_influxdb_points_dropped_total; raise influxdb.buffer_points to keep more)",
                _buffer.Capacity, _http.SafeUrl);
        }
    }

    private void Wake()
    {
        if (_wake.CurrentCount == 0)
        {
            try
            {
                _wake.Release();
            }
            catch (SemaphoreFullException)
            {
                // Another publisher woke the loop first.
            }
        }
    }
}
