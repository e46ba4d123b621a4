using BmsPace.Protocol.Dialects;

namespace BmsPace.Configuration;

/// <summary>
/// The whole configuration (CLI.md "Configuration keys"), with every default in one place. Built by
/// <c>ConfigLoader</c> from config.yaml, the environment and the command line; validated before anything starts.
/// </summary>
public sealed record BmsPaceOptions
{
    /// <summary>Time between the starts of two poll cycles; zero = back to back.</summary>
    public TimeSpan ScanInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Per request. The specs say 500 ms, real packs and Wi-Fi bridges need more (PROTOCOL.md section 2).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Pause between two requests on one link; some packs misbehave when polled faster (nkinnan #30, #50).</summary>
    public TimeSpan RequestGap { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Extra attempts after a failed request within one cycle.</summary>
    public int Retries { get; init; } = 1;

    /// <summary>Consecutive failed requests after which the transport is closed and opened again.</summary>
    public int ReconnectAfterFailures { get; init; } = 3;

    /// <summary>Missed cycles before a pack's values are withdrawn.</summary>
    public int StaleAfterCycles { get; init; } = 3;

    /// <summary>0 minimal; 1 adds minor errors such as checksums; 2-3 full debug with every raw frame (the Python tool's levels).</summary>
    public int DebugOutput { get; init; }

    /// <summary>Extra characters after each pack block of the analog answer; 0 = automatic tail search (the alarm answer is always searched).</summary>
    public int ForcePackOffset { get; init; }

    /// <summary>Label width of cell numbers: 2 gives "01"; 0 = no padding.</summary>
    public int ZeroPadNumberCells { get; init; }

    public int ZeroPadNumberPacks { get; init; }

    public IReadOnlyList<BatteryOptions> Batteries { get; init; } = [new BatteryOptions()];

    public PrometheusOptions Prometheus { get; init; } = new();

    public InfluxDbOptions InfluxDb { get; init; } = new();

    public ConsoleOptions Console { get; init; } = new();

    public MqttOptions Mqtt { get; init; } = new();
}

/// <summary>One BMS link: a serial port or TCP serial server with every pack behind it.</summary>
public sealed record BatteryOptions
{
    public string Name { get; init; } = "main";

    /// <summary>tcp://HOST:PORT, serial:///dev/ttyUSB0?baud=9600..., or simulator?packs=3... (CLI.md).</summary>
    public ConnectionSpec Connection { get; init; } = new SerialConnectionSpec("/dev/ttyUSB0");

    /// <summary>ADR in requests (0-15).</summary>
    public byte Address { get; init; } = 1;

    /// <summary>The dialect: <c>auto</c> (detected at connect time) or a name of <see cref="BmsDialects.Names"/>.</summary>
    public string Protocol { get; init; } = "auto";

    /// <summary>A VER override for firmware that reports another version; null = the dialect's own.</summary>
    public byte? ProtocolVersion { get; init; }

    /// <summary>VER of requests and expected in replies: the override, else the dialect's own (auto starts with <see cref="BmsDialects.Default"/>'s).</summary>
    public byte EffectiveProtocolVersion => ProtocolVersion ?? (BmsDialects.TryFind(Protocol, out var dialect) ? dialect : BmsDialects.Default).DefaultVersion;

    /// <summary>Empty = all packs (COMMAND FF to the master); otherwise pack addresses polled one by one (RS485: ADR = COMMAND = pack).</summary>
    public IReadOnlyList<int> Packs { get; init; } = [];

    public bool PollsAllPacks => Packs.Count == 0;

    /// <summary>0.1 K temperature offset; 2730 for PACE 0x25 (PROTOCOL.md 10.3).</summary>
    public int TemperatureOffset { get; init; } = global::BmsPace.Protocol.Decoding.DecoderOptions.DefaultTemperatureOffsetDeciKelvin;
}

public sealed record PrometheusOptions
{
    public bool Enabled { get; init; } = true;

    /// <summary>HOST:PORT; 9863 because the 9100-9999 exporter range is fully allocated.</summary>
    public string Listen { get; init; } = "0.0.0.0:9863";

    /// <summary>The exporter-toolkit web configuration file (TLS, basic auth); null = plain HTTP, no authentication.</summary>
    public string? WebConfigFile { get; init; }
}

public sealed record ConsoleOptions
{
    public bool Enabled { get; init; } = true;
}

public enum InfluxApi
{
    V1,
    V2,
}

public sealed record InfluxDbOptions
{
    public bool Enabled { get; init; }

    public Uri Url { get; init; } = new("http://localhost:8086");

    public InfluxApi Api { get; init; } = InfluxApi.V2;

    public string Database { get; init; } = "bms";

    public string RetentionPolicy { get; init; } = "";

    public string Username { get; init; } = "";

    /// <summary>Never printed; may come from <see cref="PasswordFile"/>.</summary>
    public Secret Password { get; init; } = Secret.Empty;

    public string? PasswordFile { get; init; }

    public string Org { get; init; } = "";

    public string Bucket { get; init; } = "bms";

    /// <summary>Never printed; may come from <see cref="TokenFile"/>.</summary>
    public Secret Token { get; init; } = Secret.Empty;

    public string? TokenFile { get; init; }

    /// <summary>ns, us, ms or s.</summary>
    public string Precision { get; init; } = "ms";

    /// <summary>Gzip the request bodies.</summary>
    public bool Gzip { get; init; } = true;

    public TimeSpan FlushInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Most points in one write request.</summary>
    public int BatchSize { get; init; } = 5000;

    /// <summary>Most points kept while the server is unreachable; 0 = enough for one hour of polling.</summary>
    public int BufferPoints { get; init; }

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary>The <c>mqtt:</c> section (docs/MQTT.md): one broker connection, state topics and Home Assistant discovery.</summary>
public sealed record MqttOptions
{
    public bool Enabled { get; init; }

    /// <summary>mqtt://HOST[:PORT] (plain, port 1883) or mqtts://HOST[:PORT] (TLS, port 8883).</summary>
    public Uri Url { get; init; } = new("mqtt://localhost:1883");

    public string Username { get; init; } = "";

    /// <summary>Never printed; may come from <see cref="PasswordFile"/>.</summary>
    public Secret Password { get; init; } = Secret.Empty;

    public string? PasswordFile { get; init; }

    /// <summary>A PEM file of CA certificates trusted for mqtts:// besides the system store.</summary>
    public string? CaFile { get; init; }

    /// <summary>The certificates of <see cref="CaFile"/> as PEM text, read by the configuration loader.</summary>
    public string? CaPem { get; init; }

    /// <summary>Empty = <c>bmspace-</c> + <see cref="NodeId"/>.</summary>
    public string ClientId { get; init; } = "";

    /// <summary>Part of every topic and unique_id, so it must never change: letters, digits, '_' and '-'.</summary>
    public string NodeId { get; init; } = "bmspace";

    public string BaseTopic { get; init; } = "bmspace";

    public TimeSpan Keepalive { get; init; } = TimeSpan.FromSeconds(15);

    public bool RetainState { get; init; }

    public MqttDiscoveryOptions Discovery { get; init; } = new();

    public string EffectiveClientId => ClientId.Length > 0 ? ClientId : "bmspace-" + NodeId;
}

public sealed record MqttDiscoveryOptions
{
    public bool Enabled { get; init; } = true;

    public string Prefix { get; init; } = "homeassistant";
}

/// <summary>A password or token: its value is only read where it is sent; printing it gives a placeholder.</summary>
public sealed record Secret(string Value)
{
    public static Secret Empty { get; } = new("");

    public bool IsEmpty => Value.Length == 0;

    public override string ToString() => IsEmpty ? "" : "<secret>";
}
