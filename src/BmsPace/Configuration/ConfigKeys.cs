using System.Globalization;
using BmsPace.Protocol.Dialects;
using static BmsPace.Configuration.ConfigBinder;
using static BmsPace.Configuration.ConfigDescriber;

namespace BmsPace.Configuration;

/// <summary>
/// Every configuration key, declared once: name, property, parser and range, start-up printout form, secret or not,
/// and the description that config.yaml's comments and the README's key reference are generated from (see
/// <see cref="ConfigReference"/>, written by the hidden command <c>config-reference</c>).
/// </summary>
/// <remarks>
/// A new section is a record of options with defaults (as <see cref="PrometheusOptions"/>), a
/// <see cref="ConfigSection{TOptions}"/> of its keys below, and one <see cref="SectionKey{TOptions, TSection}"/> in
/// <see cref="Root"/> in the place it should take in config.yaml; then add its name to a README marker
/// (<c>&lt;!-- config keys: ... --&gt;</c>) and regenerate. Environment variables need nothing more.
/// </remarks>
internal static class ConfigKeys
{
    /// <summary>
    /// Each dialect of the registry with what it is sold as and its VER, as the config reference lists them; a binary
    /// family's frames carry no VER (its DefaultVersion is 0), so none is named for it.
    /// </summary>
    private static string DialectChoices =>
        string.Join(", ", BmsDialects.All.Select(d => d.DefaultVersion == 0
            ? Invariant($"`{d.Name}` ({d.SoldAs})")
            : Invariant($"`{d.Name}` ({d.SoldAs}, VER 0x{d.DefaultVersion:X2})")));

    /// <summary>The registry's VERs, each after the names of the dialects that use it (dialects without a VER left out).</summary>
    private static string DialectVersions =>
        string.Join(", ", BmsDialects.All.Where(d => d.DefaultVersion != 0).GroupBy(d => d.DefaultVersion).Select(g => Invariant($"{string.Join(", ", g.Select(d => $"`{d.Name}`"))} 0x{g.Key:X2}")));

    /// <summary>The registry's dialects whose master does (or does not) answer for every pack, as `a`, `b` and `c`.</summary>
    private static string DialectsWhoseMaster(bool answersForEveryPack)
    {
        var names = BmsDialects.All.Where(d => d.Addressing.MasterAnswersForEveryPack == answersForEveryPack).Select(d => $"`{d.Name}`").ToList();
        return names.Count <= 1 ? string.Concat(names) : string.Join(", ", names[..^1]) + " and " + names[^1];
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// The addresses each dialect of the registry allows, in words, the most common range last as "for the others"
    /// ("1 to 15 for `pace`, 0 to 15 or 64 for `eg4-ll`, 0 to 15 for the others").
    /// </summary>
    private static string AddressRanges(Func<PackAddressing, string> allowed)
    {
        var groups = BmsDialects.All.GroupBy(d => allowed(d.Addressing)).OrderByDescending(g => g.Count()).ToList();
        if (groups.Count == 1)
        {
            return groups[0].Key;
        }

        return string.Join(", ", groups.Skip(1).Select(g => $"{g.Key} for {string.Join(", ", g.Select(d => $"`{d.Name}`"))}")) + $", {groups[0].Key} for the others";
    }

    /// <summary>A battery's <c>address</c>: one that some dialect of the registry reaches; the configured dialect checks its own range (<see cref="CheckBatteries"/>).</summary>
    private static ConfigValueReader<byte> Address
    {
        get
        {
            var anyDialect = PackAddressing.AnyOf(BmsDialects.All);
            return Byte(Scalar<int>(
                (string text, out int value) =>
                    !int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value) ? $"'{text}' is not a whole number"
                    : !anyDialect.Reaches(value) ? $"{value} is out of range"
                    : null,
                $"a whole number from {anyDialect.AddressesAllowed}"));
        }
    }

    private const string SerialForms = "serial:///dev/PATH?baud=9600&data_bits=8&parity=none&stop_bits=1";

    public static ConfigSection<BatteryOptions> Battery { get; } = new(
    [
        new ValueKey<BatteryOptions, string>(
            "name", o => o.Name, (o, v) => o with { Name = v },
            Scalar<string>(BatteryName, "a name of letters, digits, '_', '.' or '-'"), Quote,
            "The `battery` label of every metric and tag: letters, digits, `_`, `.` and `-`; each name once. May be left out when there is only one battery."),
        new ValueKey<BatteryOptions, ConnectionSpec>(
            "connection", o => o.Connection, (o, v) => o with { Connection = v },
            Scalar<ConnectionSpec>(Connection, $"tcp://HOST:PORT, {SerialForms} or simulator?packs=3&cells=16&tail=14"), c => Quote(c.ToString() ?? ""),
            "Where the BMS is reached: `serial:///dev/ttyUSB0` with optional `?baud=9600&data_bits=8&parity=none&stop_bits=1` (the defaults); `tcp://HOST:PORT` (an RS232/RS485-to-Ethernet converter); or `simulator` with optional `?packs=3&cells=16&tail=14` (the built-in simulated battery).")
        {
            DefaultOverride = "serial:///dev/ttyUSB0",
        },
        new ValueKey<BatteryOptions, string?>(
            "device", o => null, (o, v) => o with { Connection = new SerialConnectionSpec(v!) }, DevicePath, v => Quote(v!),
            "A serial device, the same as `connection: serial://PATH` with the default line settings: the Home Assistant add-on's serial device picker fills it in. Not together with `connection`.")
        {
            Example = "/dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A10KXXXX-if00-port0",
        },
        new ValueKey<BatteryOptions, byte>(
            "address", o => o.Address, (o, v) => o with { Address = v }, Address, v => Number(v),
            $"The BMS address put in requests (ADR, or a Modbus family's slave address): the address of the master pack, {AddressRanges(a => a.AddressesAllowed)} (usually 1)."),
        new ValueKey<BatteryOptions, string>(
            "protocol", o => o.Protocol, (o, v) => o with { Protocol = v }, Scalar(OneOf(Protocols), ProtocolsAllowed), v => v,
            $"The dialect the BMS speaks: {DialectChoices}, or `auto`: tried when connecting, the first that answers is kept. `--protocol NAME` overrides it for a single battery."),
        new ValueKey<BatteryOptions, byte?>(
            "protocol_version", o => o.ProtocolVersion, (o, v) => o with { ProtocolVersion = v },
            Scalar<byte?>(ProtocolVersion, "two hex digits such as 0x25 or 25 (both mean 0x25)"), v => "0x" + v!.Value.ToString("X2", CultureInfo.InvariantCulture),
            $"A protocol version (VER) override, in hex as the protocol writes it (`25` means 0x25 too). Unset = the dialect's own ({DialectVersions}); set it only for firmware that reports another version.")
        {
            Example = "0x25",
        },
        new ValueKey<BatteryOptions, IReadOnlyList<int>>(
            "packs", o => o.Packs, (o, v) => o with { Packs = v }, ReadPacks, v => v.Count == 0 ? "all" : "[" + string.Join(", ", v) + "]",
            $"`all`: with {DialectsWhoseMaster(answersForEveryPack: true)}, one request to the master at `address` (COMMAND FF) answers for every pack; with {DialectsWhoseMaster(answersForEveryPack: false)} (one pack per answer) every pack at consecutive addresses from `address` up, found when polling starts. A list of pack addresses such as `[1, 2, 3]` asks each pack at its own address (RS485, where each pack answers for itself): {AddressRanges(a => a.PackAddressesAllowed)} (0 is a stand-alone pack, listed alone)."),
        new ValueKey<BatteryOptions, int>(
            "temperature_offset", o => o.TemperatureOffset, (o, v) => o with { TemperatureOffset = v }, Int(2700, 2750), v => Number(v),
            "Tenths of a kelvin subtracted from raw temperatures: 2730 for PACE firmware (0 C = 273.0 K); 2700 to 2750 for firmware that differs."),
    ],
    CheckBattery);

    public static ConfigSection<PrometheusOptions> Prometheus { get; } = new(
    [
        new ValueKey<PrometheusOptions, bool>(
            "enabled", o => o.Enabled, (o, v) => o with { Enabled = v }, ConfigBinder.Bool, ConfigDescriber.Bool,
            "Serve `/metrics` on the web host. `false` leaves it out (404); the web host still serves the live status page (`/`, `/api/v1/status`, `/api/v1/events`), `/healthz` and `/readyz` on `listen`."),
        new ValueKey<PrometheusOptions, string>(
            "listen", o => o.Listen, (o, v) => o with { Listen = v }, Scalar<string>(HostPort, HostPortAllowed), Quote,
            "Address and port of the web host, which always runs (the status page, `/api/v1/status`, `/healthz`, `/readyz`, and `/metrics` unless `enabled` is false): `HOST:PORT`, `:PORT` or `PORT` (every interface). 9863 because the usual exporter range 9100-9999 is taken. `0.0.0.0` = every IPv4 interface; `127.0.0.1` = this machine only; `[::]` = IPv6 as well."),
        new ValueKey<PrometheusOptions, string?>(
            "web_config_file", o => o.WebConfigFile, (o, v) => o with { WebConfigFile = v }, ConfigBinder.FilePath, v => Quote(v!),
            "A web configuration file in the Prometheus exporter-toolkit format (`--web.config.file`): `tls_server_config` (`cert_file`, `key_file`, `client_ca_file`, `client_auth_type`, `min_version`) and `basic_auth_users` (user: bcrypt hash, as `htpasswd -nbB` makes), applied to every endpoint. Checked at start, re-read when it changes. A relative path is taken from the configuration file's folder.")
        {
            Example = "/etc/bmspace/web-config.yaml",
        },
    ]);

    public static ConfigSection<InfluxDbOptions> InfluxDb { get; } = new(
    [
        new ValueKey<InfluxDbOptions, bool>(
            "enabled", o => o.Enabled, (o, v) => o with { Enabled = v }, ConfigBinder.Bool, ConfigDescriber.Bool,
            "Write points to InfluxDB (1.x with api v1, 2.x with api v2; VictoriaMetrics accepts either)."),
        new ValueKey<InfluxDbOptions, Uri>(
            "url", o => o.Url, (o, v) => o with { Url = v },
            Scalar<Uri>(HttpUrl, "an absolute http:// or https:// URL such as http://localhost:8086"), u => Quote(u.ToString()),
            "The server's base URL: `http://` or `https://`.")
        {
            DefaultOverride = "http://localhost:8086",
        },
        new ValueKey<InfluxDbOptions, InfluxApi>(
            "api", o => o.Api, (o, v) => o with { Api = v }, Scalar<InfluxApi>(InfluxApiVersion, "v1 or v2"), v => v == InfluxApi.V1 ? "v1" : "v2",
            "`v1` (`/write` with database, retention policy, username and password) or `v2` (`/api/v2/write` with org, bucket and token)."),
        new ValueKey<InfluxDbOptions, string>(
            "database", o => o.Database, (o, v) => o with { Database = v }, ConfigBinder.Text, Quote,
            "v1: the database (needed when enabled with api v1)."),
        new ValueKey<InfluxDbOptions, string>(
            "retention_policy", o => o.RetentionPolicy, (o, v) => o with { RetentionPolicy = v }, ConfigBinder.Text, Quote,
            "v1: the retention policy; empty = the database's default."),
        new ValueKey<InfluxDbOptions, string>(
            "username", o => o.Username, (o, v) => o with { Username = v }, ConfigBinder.Text, Quote,
            "v1: the user; empty = no authentication."),
        new ValueKey<InfluxDbOptions, Secret>(
            "password", o => o.Password, (o, v) => o with { Password = v }, SecretText, s => Quote(s.Value),
            "v1: the password; never printed. Prefer `password_file`.")
        {
            IsSecret = true,
        },
        new SecretFileKey<InfluxDbOptions>(
            "password_file", "password", o => o.PasswordFile, (o, v) => o with { PasswordFile = v }, (o, secret) => o with { Password = secret },
            "v1: a file holding the password instead (one line; a final newline is dropped), such as a Docker or systemd secret. A relative path is taken from the configuration file's folder.")
        {
            Example = "/run/secrets/influxdb_password",
        },
        new ValueKey<InfluxDbOptions, string>(
            "org", o => o.Org, (o, v) => o with { Org = v }, ConfigBinder.Text, Quote,
            "v2: the organisation (needed when enabled with api v2)."),
        new ValueKey<InfluxDbOptions, string>(
            "bucket", o => o.Bucket, (o, v) => o with { Bucket = v }, ConfigBinder.Text, Quote,
            "v2: the bucket (needed when enabled with api v2)."),
        new ValueKey<InfluxDbOptions, Secret>(
            "token", o => o.Token, (o, v) => o with { Token = v }, SecretText, s => Quote(s.Value),
            "v2: the API token; never printed. Prefer `token_file`. VictoriaMetrics needs none.")
        {
            IsSecret = true,
        },
        new SecretFileKey<InfluxDbOptions>(
            "token_file", "token", o => o.TokenFile, (o, v) => o with { TokenFile = v }, (o, secret) => o with { Token = secret },
            "v2: a file holding the token instead, read like `password_file`.")
        {
            Example = "/run/secrets/influxdb_token",
        },
        new ValueKey<InfluxDbOptions, string>(
            "precision", o => o.Precision, (o, v) => o with { Precision = v }, Scalar(OneOf("ns", "us", "ms", "s"), "ns, us, ms or s"), v => v,
            "Timestamp precision written: `ns`, `us`, `ms` or `s`."),
        new ValueKey<InfluxDbOptions, bool>(
            "gzip", o => o.Gzip, (o, v) => o with { Gzip = v }, ConfigBinder.Bool, ConfigDescriber.Bool,
            "Compress the request bodies."),
        new ValueKey<InfluxDbOptions, TimeSpan>(
            "flush_interval", o => o.FlushInterval, (o, v) => o with { FlushInterval = v }, Duration(allowZero: false), ConfigDescriber.Duration,
            "Longest wait before buffered points are written; more than 0."),
        new ValueKey<InfluxDbOptions, int>(
            "batch_size", o => o.BatchSize, (o, v) => o with { BatchSize = v }, Int(1, 100_000), v => Number(v),
            "Most points in one write request: 1 to 100000."),
        new ValueKey<InfluxDbOptions, int>(
            "buffer_points", o => o.BufferPoints, (o, v) => o with { BufferPoints = v }, Int(0, 10_000_000, " (0 = enough for one hour of polling)"), v => Number(v),
            "Most points kept while the server cannot be reached: `0` = enough for one hour of polling, else 1 to 10000000."),
        new ValueKey<InfluxDbOptions, TimeSpan>(
            "timeout", o => o.Timeout, (o, v) => o with { Timeout = v }, Duration(allowZero: false), ConfigDescriber.Duration,
            "How long one write request may take; more than 0."),
    ],
    CheckInfluxDb);

    public static ConfigSection<ConsoleOptions> Console { get; } = new(
    [
        new ValueKey<ConsoleOptions, bool>(
            "enabled", o => o.Enabled, (o, v) => o with { Enabled = v }, ConfigBinder.Bool, ConfigDescriber.Bool,
            "Print a summary of every pack after each cycle on standard output (plain text when not on a terminal, fine for `docker logs`)."),
    ]);

    public static ConfigSection<MqttDiscoveryOptions> MqttDiscovery { get; } = new(
    [
        new ValueKey<MqttDiscoveryOptions, bool>(
            "enabled", o => o.Enabled, (o, v) => o with { Enabled = v }, ConfigBinder.Bool, ConfigDescriber.Bool,
            "Announce every pack and link as a Home Assistant device."),
        new ValueKey<MqttDiscoveryOptions, string>(
            "prefix", o => o.Prefix, (o, v) => o with { Prefix = v }, Scalar<string>(TopicPrefix, TopicAllowed), Quote,
            "Home Assistant's discovery prefix (the setting of its MQTT integration; `homeassistant` unless changed there)."),
    ]);

    public static ConfigSection<MqttOptions> Mqtt { get; } = new(
    [
        new ValueKey<MqttOptions, bool>(
            "enabled", o => o.Enabled, (o, v) => o with { Enabled = v }, ConfigBinder.Bool, ConfigDescriber.Bool,
            "Publish every pack to an MQTT broker, with Home Assistant discovery (docs/MQTT.md)."),
        new ValueKey<MqttOptions, Uri>(
            "url", o => o.Url, (o, v) => o with { Url = v },
            Scalar<Uri>(MqttUrl, "mqtt://HOST[:PORT] (plain, port 1883 by default) or mqtts://HOST[:PORT] (TLS, port 8883 by default)"), u => Quote(u.ToString()),
            "The broker: `mqtt://HOST[:PORT]` (plain, port 1883) or `mqtts://HOST[:PORT]` (TLS, port 8883, checked against the system's CA store and `ca_file`).")
        {
            DefaultOverride = "mqtt://localhost:1883",
        },
        new ValueKey<MqttOptions, string>(
            "username", o => o.Username, (o, v) => o with { Username = v }, ConfigBinder.Text, Quote,
            "The user; empty = no authentication."),
        new ValueKey<MqttOptions, Secret>(
            "password", o => o.Password, (o, v) => o with { Password = v }, SecretText, s => Quote(s.Value),
            "The password; never printed. Prefer `password_file`.")
        {
            IsSecret = true,
        },
        new SecretFileKey<MqttOptions>(
            "password_file", "password", o => o.PasswordFile, (o, v) => o with { PasswordFile = v }, (o, secret) => o with { Password = secret },
            "A file holding the password instead, read like `influxdb.password_file`.")
        {
            Example = "/run/secrets/mqtt_password",
        },
        new ValueKey<MqttOptions, string?>(
            "ca_file", o => o.CaFile, (o, v) => o with { CaFile = v }, ConfigBinder.FilePath, v => Quote(v!),
            "`mqtts://` only: a PEM file of CA certificates trusted besides the system's store, for a broker with its own CA. A relative path is taken from the configuration file's folder.")
        {
            Example = "/etc/bmspace/broker-ca.pem",
        },
        new ValueKey<MqttOptions, string>(
            "client_id", o => o.ClientId, (o, v) => o with { ClientId = v },
            Scalar<string>(ClientIdentifier, "up to 64 letters, digits, '_', '-' or '.'; empty = bmspace-<node_id>"), Quote,
            "The MQTT client id: up to 64 letters, digits, `_`, `-` or `.`; empty = `bmspace-<node_id>`."),
        new ValueKey<MqttOptions, string>(
            "node_id", o => o.NodeId, (o, v) => o with { NodeId = v },
            Scalar<string>(NodeIdentifier, "letters, digits, '_' and '-' (it is part of every topic and unique_id: never change it)"), Quote,
            "Part of every topic and Home Assistant id: letters, digits, `_` and `-`. Never change it once Home Assistant knows the devices (they would appear anew)."),
        new ValueKey<MqttOptions, string>(
            "base_topic", o => o.BaseTopic, (o, v) => o with { BaseTopic = v }, Scalar<string>(TopicPrefix, TopicAllowed), Quote,
            "Every topic starts with `<base_topic>/<node_id>/`."),
        new ValueKey<MqttOptions, TimeSpan>(
            "keepalive", o => o.Keepalive, (o, v) => o with { Keepalive = v }, Duration(allowZero: false), ConfigDescriber.Duration,
            "How often the connection is checked when nothing else is sent: 1s to 18h."),
        new ValueKey<MqttOptions, bool>(
            "retain_state", o => o.RetainState, (o, v) => o with { RetainState = v }, ConfigBinder.Bool, ConfigDescriber.Bool,
            "Keep the last state on the broker (retained), for clients that connect later."),
        new SectionKey<MqttOptions, MqttDiscoveryOptions>(
            "discovery", o => o.Discovery, (o, v) => o with { Discovery = v }, MqttDiscovery,
            "Home Assistant MQTT discovery."),
    ],
    CheckMqtt);

    public static ConfigSection<BmsPaceOptions> Root { get; } = new(
    [
        new ValueKey<BmsPaceOptions, TimeSpan>(
            "scan_interval", o => o.ScanInterval, (o, v) => o with { ScanInterval = v }, Duration(allowZero: true), ConfigDescriber.Duration,
            "Time from the start of one poll cycle to the start of the next; `0` polls back to back."),
        new ValueKey<BmsPaceOptions, TimeSpan>(
            "request_timeout", o => o.RequestTimeout, (o, v) => o with { RequestTimeout = v }, Duration(allowZero: false), ConfigDescriber.Duration,
            "How long to wait for the answer to one request; more than 0. PACE documents 500ms; real packs and Wi-Fi converters need more."),
        new ValueKey<BmsPaceOptions, TimeSpan>(
            "request_gap", o => o.RequestGap, (o, v) => o with { RequestGap = v }, Duration(allowZero: true), ConfigDescriber.Duration,
            "Pause between two requests on one link; `0` allowed. Some packs answer garbage when polled back to back."),
        new ValueKey<BmsPaceOptions, int>(
            "retries", o => o.Retries, (o, v) => o with { Retries = v }, Int(0, 10), v => Number(v),
            "Extra attempts after a failed request within the same cycle: 0 to 10."),
        new ValueKey<BmsPaceOptions, int>(
            "reconnect_after_failures", o => o.ReconnectAfterFailures, (o, v) => o with { ReconnectAfterFailures = v }, Int(1, 1000), v => Number(v),
            "Consecutive failed requests after which the serial port or TCP connection is closed and opened again: 1 to 1000."),
        new ValueKey<BmsPaceOptions, int>(
            "stale_after_cycles", o => o.StaleAfterCycles, (o, v) => o with { StaleAfterCycles = v }, Int(1, 1000), v => Number(v),
            "Cycles a pack may miss before its values are withdrawn from `/metrics` (they are never served stale): 1 to 1000."),
        new ValueKey<BmsPaceOptions, int>(
            "debug_output", o => o.DebugOutput, (o, v) => o with { DebugOutput = v }, Int(0, 3), v => Number(v),
            "Log detail, as in the Python tool: `0` link changes and warnings; `1` adds every failed request (bad checksums too); `2` every frame; `3` frames and bytes in hex."),
        new ValueKey<BmsPaceOptions, int>(
            "force_pack_offset", o => o.ForcePackOffset, (o, v) => o with { ForcePackOffset = v },
            Scalar(EvenInt(0, 200), "an even whole number from 0 to 200 (0 = automatic tail search)"), v => Number(v),
            "Extra characters after each pack block of multi-pack analog answers (the alarm answer is always searched): `0` finds the firmware's extra tail automatically; otherwise an even number up to 200 (two characters per byte), for firmware the automatic search gets wrong."),
        new ValueKey<BmsPaceOptions, int>(
            "zero_pad_number_cells", o => o.ZeroPadNumberCells, (o, v) => o with { ZeroPadNumberCells = v }, Int(0, 4), v => Number(v),
            "Width of cell numbers in labels and tags, padded with zeros: `2` writes cell `01`; `0` no padding; at most 4."),
        new ValueKey<BmsPaceOptions, int>(
            "zero_pad_number_packs", o => o.ZeroPadNumberPacks, (o, v) => o with { ZeroPadNumberPacks = v }, Int(0, 4), v => Number(v),
            "The same for pack numbers."),
        new ListKey<BmsPaceOptions, BatteryOptions>(
            "battery", "batteries", o => o.Batteries, (o, v) => o with { Batteries = v }, Battery, CheckBatteries,
            "One entry per BMS link (a serial port or a network converter), with every pack behind it."),
        new SectionKey<BmsPaceOptions, PrometheusOptions>(
            "prometheus", o => o.Prometheus, (o, v) => o with { Prometheus = v }, Prometheus,
            "The Prometheus `/metrics` endpoint."),
        new SectionKey<BmsPaceOptions, InfluxDbOptions>(
            "influxdb", o => o.InfluxDb, (o, v) => o with { InfluxDb = v }, InfluxDb,
            "Writing to InfluxDB or VictoriaMetrics."),
        new SectionKey<BmsPaceOptions, ConsoleOptions>(
            "console", o => o.Console, (o, v) => o with { Console = v }, Console,
            "The summary on standard output."),
        new SectionKey<BmsPaceOptions, MqttOptions>(
            "mqtt", o => o.Mqtt, (o, v) => o with { Mqtt = v }, Mqtt,
            "Publishing to an MQTT broker, with Home Assistant discovery (docs/MQTT.md)."),
    ]);

    public const string HostPortAllowed = "HOST:PORT such as 0.0.0.0:9863, :9863 or 9863, port 1 to 65535";

    private const string TopicAllowed = "topic levels of letters, digits, '_', '-' and '.' separated by '/', with no wildcard (+, #) and no leading or trailing '/'";

    /// <summary>A battery's <c>device</c>: what the add-on's serial picker writes, a path under /dev (computed: <see cref="Battery"/> is initialised first).</summary>
    private static ConfigValueReader<string?> DevicePath => Scalar<string?>(
        (string text, out string? value) =>
        {
            value = text;
            return text.StartsWith("/dev/", StringComparison.Ordinal) && !text.Contains('?', StringComparison.Ordinal) ? null : $"'{text}' is not a device path";
        },
        "an absolute device path such as /dev/ttyUSB0 or /dev/serial/by-id/...");

    private static ConfigValueReader<byte> Byte(ConfigValueReader<int> read) =>
        (ConfigBinder binder, ConfigNode node, string keyPath, byte fallback, out byte value) =>
        {
            bool read1 = read(binder, node, keyPath, fallback, out int number);
            value = (byte)number;
            return read1;
        };

    private static void CheckBatteries(ConfigBinder binder, ConfigSequence list, IReadOnlyList<ListEntry<BatteryOptions>> entries)
    {
        var seenNames = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (map, path, battery) in entries)
        {
            if (map.Get("name") is null && list.Items.Count > 1)
            {
                binder.Error($"{path}.name: missing; allowed: a name of letters, digits, '_', '.' or '-' (required when there is more than one battery) ({map.Origin})");
            }

            if (map.Get("connection") is null && map.Get("device") is null && list.Items.Count > 1)
            {
                binder.Error($"{path}.connection: missing; allowed: tcp://HOST:PORT, serial:///dev/PATH or simulator (required when there is more than one battery) ({map.Origin})");
            }

            if (BmsDialects.TryFind(battery.Protocol, out var addressed) && addressed.Addressing.AddressProblem(battery.Address, addressed.Name) is { } addressProblem)
            {
                binder.Error($"{path}.address: {addressProblem} ({(map.Get("address") ?? map).Origin})");
            }

            // What a pack address means is the dialect's (PACE: pack n at ADR n; the 0x20 family: 0 is a stand-alone pack).
            if (battery.Packs.Count > 0 && BmsDialects.TryFind(battery.Protocol, out var dialect))
            {
                foreach (string problem in dialect.Addressing.Problems(battery.Packs, dialect.Name))
                {
                    binder.Error($"{path}.packs: {problem} ({(map.Get("packs") ?? map).Origin})");
                }
            }

            // A missing or rejected name falls back to the default; reporting that as a duplicate would be noise.
            bool nameGiven = map.Get("name") is ConfigScalar { IsNull: false } nameNode && nameNode.Value.Trim() == battery.Name;
            if (nameGiven && !seenNames.Add(battery.Name))
            {
                binder.Error($"{path}.name: '{battery.Name}' is already the name of another battery; allowed: a name used once ({(map.Get("name") ?? map).Origin})");
            }
        }
    }

    private static void CheckBattery(ConfigBinder binder, ConfigMapping map, string path, BatteryOptions battery) =>
        binder.RejectBoth(map, path, "connection", "device");

    private static void CheckInfluxDb(ConfigBinder binder, ConfigMapping map, string path, InfluxDbOptions influx)
    {
        if (!influx.Enabled)
        {
            return;
        }

        var enabledOrigin = (map.Get("enabled") ?? map).Origin;
        if (influx.Api == InfluxApi.V2)
        {
            binder.RequireText(influx.Org, "influxdb.org", "the InfluxDB organisation name (needed when influxdb.enabled is true and api is v2)", enabledOrigin);
            binder.RequireText(influx.Bucket, "influxdb.bucket", "the bucket name (needed when influxdb.enabled is true and api is v2)", enabledOrigin);
        }
        else
        {
            binder.RequireText(influx.Database, "influxdb.database", "the database name (needed when influxdb.enabled is true and api is v1)", enabledOrigin);
        }
    }

    private static void CheckMqtt(ConfigBinder binder, ConfigMapping map, string path, MqttOptions mqtt)
    {
        // MQTT carries the keep-alive in 16 bits of seconds.
        if (mqtt.Keepalive < TimeSpan.FromSeconds(1) || mqtt.Keepalive.TotalSeconds > ushort.MaxValue)
        {
            binder.Error($"{path}.keepalive: '{ConfigDescriber.Duration(mqtt.Keepalive)}' is out of range; allowed: {DurationAllowed}, from 1s to 18h ({(map.Get("keepalive") ?? map).Origin})");
        }

        if (mqtt.CaFile is not null && mqtt.Url.Scheme != "mqtts")
        {
            binder.Error($"{path}.ca_file: given with a plain mqtt:// url; allowed: ca_file only with an mqtts:// url ({(map.Get("ca_file") ?? map).Origin})");
        }
    }
}
