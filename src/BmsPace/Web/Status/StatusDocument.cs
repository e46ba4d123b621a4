using System.Globalization;
using System.Text.Json;
using BmsPace.Configuration;
using BmsPace.Outputs.Documents;
using BmsPace.Polling;
using BmsPace.Protocol.Readings;

namespace BmsPace.Web.Status;

/// <summary>One rendering of <c>/api/v1/status</c>: the JSON, its entity tag, the board version it shows, and the same JSON as one server-sent event.</summary>
public sealed record StatusRendering(byte[] Json, string ETag, long Version, byte[] Event);

/// <summary>
/// The status JSON of CLI.md (<c>GET /api/v1/status</c>), drawn from the pollers' <see cref="BatteryBoard"/>: the same
/// snapshots the outputs get, so it never causes a request to a battery. Rendered once per publication, whoever asks
/// (a script, a page, every live client at once).
/// </summary>
/// <remarks>Thread-safe: the rendering is an immutable object swapped in when the board has moved on.</remarks>
public sealed class StatusDocument
{
    private readonly BatteryBoard _board;
    private readonly BmsPaceOptions _options;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, string> _connections;
    private readonly string _etagPrefix;
    private readonly object _renderGate = new();
    private volatile StatusRendering? _current;

    public StatusDocument(BatteryBoard board, BmsPaceOptions options, TimeProvider time)
    {
        _board = board;
        _options = options;
        _time = time;
        _connections = options.Batteries.ToDictionary(b => b.Name, b => b.Connection.ToString() ?? "", StringComparer.Ordinal);
        _etagPrefix = "\"s" + board.StartedAt.ToUnixTimeMilliseconds().ToString("x", CultureInfo.InvariantCulture) + "-";
    }

    /// <summary>The rendering of the board's current version.</summary>
    public StatusRendering Current
    {
        get
        {
            long version = _board.Version;
            if (_current is { } rendered && rendered.Version == version)
            {
                return rendered;
            }

            lock (_renderGate)
            {
                version = _board.Version;
                if (_current is { } again && again.Version == version)
                {
                    return again;
                }

                var records = _board.Records;
                byte[] json = Render(records);
                var fresh = new StatusRendering(json, _etagPrefix + version.ToString(CultureInfo.InvariantCulture) + "\"", version, AsEvent(json, version));
                _current = fresh;
                return fresh;
            }
        }
    }

    /// <summary>
    /// <c>id: N</c>, <c>event: status</c>, the JSON on one <c>data:</c> line (compact JSON has no line breaks), and the
    /// blank line that ends an event.
    /// </summary>
    private static byte[] AsEvent(byte[] json, long version)
    {
        byte[] head = System.Text.Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"id: {version}\nevent: status\ndata: "));
        byte[] frame = new byte[head.Length + json.Length + 2];
        head.CopyTo(frame, 0);
        json.CopyTo(frame, head.Length);
        frame[^2] = (byte)'\n';
        frame[^1] = (byte)'\n';
        return frame;
    }

    private byte[] Render(IReadOnlyDictionary<string, BatteryRecord> records)
    {
        return JsonOutput.Utf8(json =>
        {
            json.WriteStartObject();
            json.WriteString("generated_at", _time.GetUtcNow());
            json.WriteNumber("scan_interval_seconds", _options.ScanInterval.TotalSeconds);
            json.WriteNumber("stale_after_cycles", _options.StaleAfterCycles);
            // The page links /metrics only where it is served (prometheus.enabled).
            json.WriteBoolean("metrics", _options.Prometheus.Enabled);
            json.WriteStartArray("batteries");
            foreach (string name in _board.Batteries.Union(records.Keys, StringComparer.Ordinal))
            {
                records.TryGetValue(name, out var record);
                WriteBattery(json, name, record);
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }, sizeHint: 16 * 1024);
    }

    private void WriteBattery(Utf8JsonWriter json, string name, BatteryRecord? record)
    {
        var snapshot = record?.Snapshot;
        json.WriteStartObject();
        json.WriteString("name", name);
        json.WriteString("connection", _connections.GetValueOrDefault(name));
        json.WriteString("protocol", snapshot?.Protocol);
        json.WriteString("protocol_version", snapshot?.ProtocolVersion);
        json.WriteString("state", record?.State ?? BatteryStates.Down);
        WriteTime(json, "last_success", record?.LastSuccess);
        json.WriteString("last_error", record?.LastError);
        WriteTime(json, "last_snapshot", snapshot?.Timestamp);
        json.WriteNumber("packs_reported", snapshot?.PacksReported ?? 0);
        json.WriteNumber("packs_decoded", snapshot?.PacksDecoded ?? 0);
        json.WriteString("software_version", snapshot?.Identity.SoftwareVersion);
        json.WriteString("bms_serial", snapshot?.Identity.BmsSerial);
        json.WriteString("pack_serial", snapshot?.Identity.PackSerial);
        WriteFlagTable(json, snapshot);
        json.WriteStartArray("packs");
        foreach (var pack in snapshot?.Packs.OrderBy(p => p.Pack) ?? Enumerable.Empty<PackState>())
        {
            WritePack(json, pack);
        }

        json.WriteEndArray();
        ReadingJson.WriteStack(json, snapshot?.Stack?.Values);
        WriteTime(json, "stack_last_success", snapshot?.Stack?.LastSuccess);
        json.WriteEndObject();
    }

    /// <summary>Every flag of the battery's dialect by family, so a reader can tell "off" from "this dialect has no such flag".</summary>
    private static void WriteFlagTable(Utf8JsonWriter json, BatterySnapshot? snapshot)
    {
        var definitions = snapshot?.Packs.Select(p => p.Alarm).FirstOrDefault(a => a is not null)?.FlagDefinitions;
        if (definitions is not { } table)
        {
            json.WriteNull("flag_table");
            return;
        }

        json.WriteStartObject("flag_table");
        foreach (var family in new[] { FlagFamily.Protection, FlagFamily.Warning, FlagFamily.Fault, FlagFamily.Status })
        {
            json.WriteStartArray(family.ToLabel());
            foreach (var flag in table.Where(f => f.Family == family))
            {
                json.WriteStringValue(flag.Name);
            }

            json.WriteEndArray();
        }

        json.WriteEndObject();
    }

    /// <summary>
    /// The merged pack object of <c>once --json</c> with the pack's own identity, plus <c>fresh</c>,
    /// <c>last_success</c> and <c>temperature_roles</c>; a stale pack has only its number and those.
    /// </summary>
    private static void WritePack(Utf8JsonWriter json, PackState pack)
    {
        bool fresh = pack.Fresh && pack.Analog is { Offline: false };
        json.WriteStartObject();
        if (fresh || pack.Analog is not null || pack.Alarm is not null)
        {
            ReadingJson.WriteMergedPackFields(json, pack.Analog, pack.Alarm);
            json.WriteString("software_version", pack.Identity.SoftwareVersion);
            json.WriteString("bms_serial", pack.Identity.BmsSerial);
            json.WriteString("pack_serial", pack.Identity.PackSerial);
        }
        else
        {
            json.WriteNumber("pack", pack.Pack);
        }

        json.WriteBoolean("fresh", fresh);
        WriteTime(json, "last_success", pack.LastSuccess);
        if (pack.Analog is { } analog)
        {
            json.WriteStartArray("temperature_roles");
            for (int i = 0; i < analog.TemperatureCount; i++)
            {
                json.WriteStringValue(analog.RoleOfSensor(i).ToLabel());
            }

            json.WriteEndArray();
        }

        json.WriteEndObject();
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
