using System.Collections.Immutable;
using System.Text.Json;
using BmsPace.Configuration;
using BmsPace.Outputs.Documents;
using BmsPace.Polling;

namespace BmsPace.Web;

/// <summary>How long a battery may stay silent before /healthz reports the poller as not running.</summary>
/// <param name="Batteries">Every configured battery name; each must publish within the window.</param>
/// <param name="ScanInterval">Time between the starts of two poll cycles.</param>
/// <param name="CycleBudget">Extra time a slow cycle may take on top of the interval (timeouts and retries).</param>
public sealed record HealthPolicy(ImmutableArray<string> Batteries, TimeSpan ScanInterval, TimeSpan CycleBudget)
{
    /// <summary>Missed cycles tolerated before the poller counts as stuck: one late cycle is normal on a busy link.</summary>
    public const int MissedCycles = 3;

    /// <summary>Requests of one cycle that may each run into the timeout: analog, alarm and the two identity reads.</summary>
    private const int RequestsPerCycle = 4;

    public static HealthPolicy FromOptions(BmsPaceOptions options) => new(
        [.. options.Batteries.Select(b => b.Name)],
        options.ScanInterval,
        (options.RequestTimeout + options.RequestGap) * (options.Retries + 1) * RequestsPerCycle);

    /// <summary>The silence allowed after a cycle that took <paramref name="lastCycle"/>.</summary>
    public TimeSpan WindowAfter(TimeSpan lastCycle) =>
        (ScanInterval > lastCycle ? ScanInterval : lastCycle) * MissedCycles + CycleBudget;
}

/// <summary>
/// The /healthz verdict (liveness: every configured poller publishes, even when its battery is silent, so a container
/// health check never restarts a healthy exporter because a battery is off) and the /readyz verdict (readiness: at
/// least one battery has fresh data).
/// </summary>
/// <remarks>Thread-safe: reads the pollers' board, an immutable map, whichever outputs are on.</remarks>
public sealed class ExporterHealth
{
    private readonly BatteryBoard _board;
    private readonly HealthPolicy _policy;
    private readonly LabelFormatter _labels;
    private readonly TimeProvider _time;

    public ExporterHealth(BatteryBoard board, HealthPolicy policy, LabelFormatter labels, TimeProvider time)
    {
        _board = board;
        _policy = policy;
        _labels = labels;
        _time = time;
    }

    /// <summary>True while every configured battery published within its window (or the process is younger than one).</summary>
    public bool IsHealthy(out byte[] jsonBody)
    {
        var now = _time.GetUtcNow();
        var publications = _board.Records;
        bool healthy = true;
        jsonBody = Verdict(now, json =>
        {
            DateTimeOffset? lastSnapshot = publications.Values.Select(p => (DateTimeOffset?)p.Snapshot.Timestamp).Max();
            WriteTime(json, "last_snapshot", lastSnapshot);
            json.WriteStartArray("batteries");
            foreach (var (battery, publication, window, running) in Checks(now, publications))
            {
                if (_policy.Batteries.Contains(battery, StringComparer.Ordinal))
                {
                    healthy &= running;
                }

                json.WriteStartObject();
                json.WriteString("battery", battery);
                json.WriteBoolean("polling", running);
                json.WriteNumber("window_seconds", window.TotalSeconds);
                WriteTime(json, "last_snapshot", publication?.Snapshot.Timestamp);
                if (publication is not null)
                {
                    json.WriteBoolean("up", publication.Snapshot.Up);
                }

                WriteTime(json, "last_success", publication?.LastSuccess);
                json.WriteStartObject("packs");
                foreach (var pack in publication?.Snapshot.Packs.OrderBy(p => p.Pack) ?? Enumerable.Empty<PackState>())
                {
                    WriteTime(json, _labels.Pack(pack.Pack), pack.LastSuccess);
                }

                json.WriteEndObject();
                json.WriteEndObject();
            }

            json.WriteEndArray();
            return healthy ? "ok" : "unhealthy";
        });
        return healthy;
    }

    /// <summary>True while at least one battery's last publication, made within its window, serves fresh pack data.</summary>
    /// <remarks>
    /// Each battery is named with its state: <c>fresh</c> (packs with data), <c>silent</c> (the poller runs, no pack
    /// has fresh data), <c>stalled</c> (no publication within the window) or <c>starting</c> (none yet, within the
    /// start-up window).
    /// </remarks>
    public bool IsReady(out byte[] jsonBody)
    {
        var now = _time.GetUtcNow();
        bool ready = false;
        jsonBody = Verdict(now, json =>
        {
            json.WriteStartArray("batteries");
            foreach (var (battery, publication, _, running) in Checks(now, _board.Records))
            {
                string state = (publication, running) switch
                {
                    (null, true) => "starting",
                    (_, false) => "stalled",
                    ({ FreshPacks: > 0 }, true) => "fresh",
                    _ => "silent",
                };
                ready |= state == "fresh";
                json.WriteStartObject();
                json.WriteString("battery", battery);
                json.WriteString("state", state);
                json.WriteNumber("fresh_packs", publication?.FreshPacks ?? 0);
                WriteTime(json, "last_success", publication?.LastSuccess);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            return ready ? "ready" : "not_ready";
        });
        return ready;
    }

    /// <summary><c>{"checked_at": ..., (what <paramref name="writeBatteries"/> writes), "status": (what it returns)}</c>.</summary>
    private static byte[] Verdict(DateTimeOffset now, Func<Utf8JsonWriter, string> writeBatteries) => JsonOutput.Utf8(json =>
    {
        json.WriteStartObject();
        json.WriteString("checked_at", now);
        string status = writeBatteries(json);
        json.WriteString("status", status);
        json.WriteEndObject();
    }, sizeHint: 512);

    /// <summary>
    /// Every configured battery and every one that published, with the silence allowed after its last cycle and whether
    /// it published within that window (counted from the start when it never did).
    /// </summary>
    private IEnumerable<(string Battery, BatteryRecord? Publication, TimeSpan Window, bool Running)> Checks(
        DateTimeOffset now, IReadOnlyDictionary<string, BatteryRecord> publications)
    {
        foreach (string battery in _policy.Batteries.Union(publications.Keys, StringComparer.Ordinal))
        {
            publications.TryGetValue(battery, out var publication);
            var window = _policy.WindowAfter(publication?.Snapshot.Duration ?? TimeSpan.Zero);
            bool running = now - (publication?.ReceivedAt ?? _board.StartedAt) <= window;
            yield return (battery, publication, window, running);
        }
    }

    private static void WriteTime(Utf8JsonWriter json, string name, DateTimeOffset? time)
    {
        if (time is { } value)
        {
            json.WriteString(name, value.ToUniversalTime());
        }
        else
        {
            json.WriteNull(name);
        }
    }
}
