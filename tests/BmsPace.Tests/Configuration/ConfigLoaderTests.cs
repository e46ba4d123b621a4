using System.IO.Ports;
using BmsPace.Configuration;

namespace BmsPace.Tests.Configuration;

public sealed class ConfigLoaderTests : IDisposable
{
    private readonly ConfigFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    [Fact]
    public async Task No_file_and_no_environment_gives_the_defaults()
    {
        var result = await _fixture.LoadAsync();

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        Assert.Null(result.ConfigFile);
        Assert.Equal(ConfigDescriber.Describe(new BmsPaceOptions()), ConfigDescriber.Describe(result.Options));
        Assert.Equal("main", Assert.Single(result.Options.Batteries).Name);
    }

    [Fact]
    public async Task Config_YAML_in_the_working_directory_is_read_without_config_flag()
    {
        string path = _fixture.WriteFile("config.yaml", "scan_interval: 7s\n");

        var result = await _fixture.LoadAsync();

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        Assert.Equal(path, result.ConfigFile);
        Assert.Equal(TimeSpan.FromSeconds(7), result.Options.ScanInterval);
    }

    [Fact]
    public async Task A_file_with_only_comments_gives_the_defaults()
    {
        _fixture.WriteFile("config.yaml", "# nothing configured yet\n");

        var result = await _fixture.LoadAsync();

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        Assert.Equal(ConfigDescriber.Describe(new BmsPaceOptions()), ConfigDescriber.Describe(result.Options));
    }

    [Fact]
    public async Task A_file_that_is_not_a_mapping_is_an_error()
    {
        _fixture.WriteFile("config.yaml", "- scan_interval: 5s\n");

        var result = await _fixture.LoadAsync();

        Assert.StartsWith("(top level): expected a mapping of keys, found a list; allowed: keys such as scan_interval, batteries, prometheus (line 1)", Assert.Single(result.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_config_file_is_an_error_naming_the_flag()
    {
        var sources = _fixture.Sources() with { ConfigPath = "nowhere.yaml" };

        var result = await ConfigLoader.LoadAsync(sources, CancellationToken.None);

        Assert.False(result.IsValid);
        Assert.StartsWith("--config: the file 'nowhere.yaml' does not exist", Assert.Single(result.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_key_of_a_full_file_is_bound()
    {
        var result = await _fixture.LoadAsync("good-full.yaml");

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        var options = result.Options;
        Assert.Equal(TimeSpan.FromMinutes(1), options.ScanInterval);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), options.RequestTimeout);
        Assert.Equal(TimeSpan.Zero, options.RequestGap);
        Assert.Equal(3, options.Retries);
        Assert.Equal(10, options.ReconnectAfterFailures);
        Assert.Equal(5, options.StaleAfterCycles);
        Assert.Equal(2, options.DebugOutput);
        Assert.Equal(28, options.ForcePackOffset);
        Assert.Equal(2, options.ZeroPadNumberCells);
        Assert.Equal(1, options.ZeroPadNumberPacks);

        Assert.Equal(2, options.Batteries.Count);
        var garage = options.Batteries[0];
        Assert.Equal("garage", garage.Name);
        Assert.Equal(new TcpConnectionSpec("192.168.1.50", 5000), garage.Connection);
        Assert.Equal(2, garage.Address);
        Assert.Equal("pace", garage.Protocol);
        Assert.Equal((byte?)0x25, garage.ProtocolVersion);
        Assert.Equal([1, 2, 3], garage.Packs);
        Assert.Equal(2731, garage.TemperatureOffset);
        var shed = options.Batteries[1];
        Assert.Equal("shed.rack-2", shed.Name);
        var serial = Assert.IsType<SerialConnectionSpec>(shed.Connection);
        Assert.Equal("/dev/ttyUSB1", serial.Path);
        Assert.Equal(19200, serial.BaudRate);
        Assert.Equal(Parity.Even, serial.Parity);
        Assert.Equal(0, shed.Address);
        Assert.Equal("seplos", shed.Protocol);
        Assert.Equal((byte?)0x20, shed.ProtocolVersion);
        Assert.Equal([4], shed.Packs);
        Assert.Equal(2730, shed.TemperatureOffset);

        Assert.False(options.Prometheus.Enabled);
        Assert.Equal("127.0.0.1:19863", options.Prometheus.Listen);

        var influx = options.InfluxDb;
        Assert.True(influx.Enabled);
        Assert.Equal(new Uri("https://influx.example.net:8443"), influx.Url);
        Assert.Equal(InfluxApi.V1, influx.Api);
        Assert.Equal("batteries", influx.Database);
        Assert.Equal("one_year", influx.RetentionPolicy);
        Assert.Equal("writer", influx.Username);
        Assert.Equal("p4ss: word", influx.Password.Value);
        Assert.Equal("s", influx.Precision);
        Assert.False(influx.Gzip);
        Assert.Equal(TimeSpan.FromMilliseconds(2500), influx.FlushInterval);
        Assert.Equal(100, influx.BatchSize);
        Assert.Equal(20000, influx.BufferPoints);
        Assert.Equal(TimeSpan.FromSeconds(30), influx.Timeout);
        Assert.False(options.Console.Enabled);
    }

    [Fact]
    public async Task A_minimal_file_keeps_every_other_default()
    {
        var result = await _fixture.LoadAsync("good-minimal.yaml");

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        var battery = Assert.Single(result.Options.Batteries);
        Assert.Equal("main", battery.Name);
        Assert.Equal(new TcpConnectionSpec("127.0.0.1", 5000), battery.Connection);
        Assert.True(battery.PollsAllPacks);
        var expected = new BmsPaceOptions { Batteries = [new BatteryOptions { Connection = new TcpConnectionSpec("127.0.0.1", 5000) }] };
        Assert.Equal(ConfigDescriber.Describe(expected), ConfigDescriber.Describe(result.Options));
    }

    [Theory]
    [InlineData("bad-unknown-keys.yaml", "scan_intervall: unknown key; allowed: scan_interval, request_timeout")]
    [InlineData("bad-unknown-keys.yaml", "batteries.0.adress: unknown key; allowed: name, connection, device, address")]
    [InlineData("bad-unknown-keys.yaml", "prometheus.port: unknown key; allowed: enabled, listen, web_config_file (line 8)")]
    [InlineData("bad-unknown-keys.yaml", "influxdb.tokn: unknown key; allowed: enabled, url, api")]
    [InlineData("bad-unknown-keys.yaml", "console.colour: unknown key; allowed: enabled (line 14)")]
    [InlineData("bad-types.yaml", "scan_interval: expected a single value, found a list; allowed: a duration such as 250ms")]
    [InlineData("bad-types.yaml", "retries: 'three' is not a whole number; allowed: a whole number from 0 to 10 (line 2)")]
    [InlineData("bad-types.yaml", "debug_output: expected a single value, found a mapping of keys; allowed: a whole number from 0 to 3")]
    [InlineData("bad-types.yaml", "batteries.0.address: 'one' is not a whole number; allowed: a whole number from 0 to 15")]
    [InlineData("bad-types.yaml", "batteries.0.protocol: 'modbus' is not one of them; allowed: auto, pace, eg4, seplos, pylontech, seplos-v3, eg4-ll or pace-modbus (line 8)")]
    [InlineData("bad-types.yaml", "batteries.0.protocol_version: '0xZZ' is not a protocol version; allowed: two hex digits")]
    [InlineData("bad-types.yaml", "batteries.0.packs: 'some' is not a pack address; allowed: all, or pack addresses from 0 to 15")]
    [InlineData("bad-types.yaml", "prometheus.enabled: 'maybe' is not true or false; allowed: true or false")]
    [InlineData("bad-types.yaml", "prometheus.listen: 'localhost' is not HOST:PORT; allowed: HOST:PORT")]
    [InlineData("bad-types.yaml", "influxdb.url: 'influx:8086' is not an absolute http or https URL; allowed:")]
    [InlineData("bad-types.yaml", "influxdb.api: 'v3' is not an InfluxDB API version; allowed: v1 or v2")]
    [InlineData("bad-types.yaml", "influxdb.precision: 'minutes' is not one of them; allowed: ns, us, ms or s")]
    [InlineData("bad-types.yaml", "influxdb.gzip: '1.5' is not true or false; allowed: true or false")]
    [InlineData("bad-types.yaml", "console: expected a mapping of keys, found a single value")]
    [InlineData("bad-ranges.yaml", "scan_interval: '-5s' is negative; allowed: a duration such as 250ms, 5s or 1m, or a plain number of seconds, 0 or more")]
    [InlineData("bad-ranges.yaml", "request_timeout: '0' is zero; allowed: a duration such as 250ms, 5s or 1m, or a plain number of seconds, more than 0")]
    [InlineData("bad-ranges.yaml", "request_gap: '2d' is not a duration; allowed:")]
    [InlineData("bad-ranges.yaml", "retries: 11 is out of range; allowed: a whole number from 0 to 10")]
    [InlineData("bad-ranges.yaml", "reconnect_after_failures: 0 is out of range; allowed: a whole number from 1 to 1000")]
    [InlineData("bad-ranges.yaml", "stale_after_cycles: 1001 is out of range; allowed: a whole number from 1 to 1000")]
    [InlineData("bad-ranges.yaml", "debug_output: 4 is out of range; allowed: a whole number from 0 to 3")]
    [InlineData("bad-ranges.yaml", "force_pack_offset: 27 is odd; allowed: an even whole number from 0 to 200")]
    [InlineData("bad-ranges.yaml", "zero_pad_number_cells: 5 is out of range; allowed: a whole number from 0 to 4")]
    [InlineData("bad-ranges.yaml", "zero_pad_number_packs: -1 is out of range; allowed: a whole number from 0 to 4")]
    [InlineData("bad-ranges.yaml", "batteries.0.address: 16 is out of range; allowed: a whole number from 0 to 15")]
    [InlineData("bad-ranges.yaml", "batteries.0.protocol_version: '0x125' is not a protocol version")]
    [InlineData("bad-ranges.yaml", "batteries.0.packs: pack 16 is out of range")]
    [InlineData("bad-ranges.yaml", "batteries.0.packs: pack 2 is listed twice; allowed: each pack once")]
    [InlineData("bad-ranges.yaml", "batteries.0.temperature_offset: 2800 is out of range; allowed: a whole number from 2700 to 2750")]
    [InlineData("bad-ranges.yaml", "prometheus.listen: '70000' is not a port; allowed: HOST:PORT")]
    [InlineData("bad-ranges.yaml", "influxdb.flush_interval: '0s' is zero; allowed:")]
    [InlineData("bad-ranges.yaml", "influxdb.batch_size: 0 is out of range; allowed: a whole number from 1 to 100000")]
    [InlineData("bad-ranges.yaml", "influxdb.buffer_points: 10000001 is out of range; allowed: a whole number from 0 to 10000000")]
    [InlineData("bad-ranges.yaml", "influxdb.timeout: '0' is zero; allowed:")]
    [InlineData("bad-batteries.yaml", "batteries.1.name: 'main' is already the name of another battery; allowed: a name used once (line 4)")]
    [InlineData("bad-batteries.yaml", "batteries.1.connection: 'ftp://example.net/bms' has an unknown scheme 'ftp'")]
    [InlineData("bad-batteries.yaml", "batteries.2.name: missing; allowed: a name of letters, digits")]
    [InlineData("bad-batteries.yaml", "batteries.2.connection: baud=fast is not allowed")]
    [InlineData("bad-batteries.yaml", "batteries.3.name: 'bad name!' has characters that are not allowed; allowed: a name of letters, digits, '_', '.' or '-'")]
    [InlineData("bad-batteries.yaml", "batteries.3.connection: tail=5 is not allowed: expected 0, 1, 14 or 22")]
    [InlineData("bad-influx-v2.yaml", "influxdb.org: empty; allowed: the InfluxDB organisation name (needed when influxdb.enabled is true and api is v2) (line 2)")]
    [InlineData("bad-influx-v2.yaml", "influxdb.bucket: empty; allowed: the bucket name")]
    [InlineData("bad-influx-v2.yaml", "influxdb.token_file: given together with influxdb.token; allowed: one of the two (line 7)")]
    [InlineData("bad-influx-v2.yaml", "influxdb.token_file: cannot read '/run/secrets/influx-token':")]
    [InlineData("bad-influx-v1.yaml", "influxdb.database: empty; allowed: the database name (needed when influxdb.enabled is true and api is v1)")]
    [InlineData("bad-syntax.yaml", "line 4, column 4: not valid YAML:")]
    [InlineData("bad-duplicate-key.yaml", "line 3, column 1: not valid YAML: Duplicate key scan_interval")]
    [InlineData("bad-python-connection.yaml", "options.connection_type: 'USB' is not a connection type; allowed: IP or Serial (line 3)")]
    [InlineData("bad-python-connection.yaml", "scan_interval: 'soon' is not a duration; allowed: a duration such as 250ms, 5s or 1m, or a plain number of seconds, 0 or more (line 6, Python key options.scan_interval)")]
    [InlineData("bad-python-connection.yaml", "options.bms_baud: unknown key in the Python bmspace tool's configuration; allowed: connection_type, bms_ip")]
    public async Task Each_kind_of_problem_is_reported_with_its_key_path(string fixture, string expectedStart)
    {
        var result = await _fixture.LoadAsync(fixture);

        Assert.False(result.IsValid);
        Assert.Null(result.Options);
        Assert.True(
            result.Errors.Any(error => error.StartsWith(expectedStart, StringComparison.Ordinal)),
            $"no error starts with \"{expectedStart}\"; the errors were:\n{string.Join("\n", result.Errors)}");
    }

    [Theory]
    [InlineData("bad-unknown-keys.yaml", 5)]
    [InlineData("bad-types.yaml", 14)]
    [InlineData("bad-ranges.yaml", 20)]
    [InlineData("bad-batteries.yaml", 6)]
    [InlineData("bad-influx-v2.yaml", 4)]
    [InlineData("bad-python-connection.yaml", 3)]
    public async Task Every_problem_of_a_file_is_reported_at_once(string fixture, int problems)
    {
        var result = await _fixture.LoadAsync(fixture);

        Assert.True(problems == result.Errors.Count, string.Join("\n", result.Errors));

        Assert.Equal(problems, result.Errors.Count);
        Assert.Equal(result.Errors.Count, result.Errors.Distinct().Count());
    }

    [Fact]
    public async Task Environment_overrides_scalar_keys_at_any_level()
    {
        var environment = new Dictionary<string, string>
        {
            ["BMSPACE_REQUEST_GAP"] = "0",
            ["BMSPACE_INFLUXDB__URL"] = "http://127.0.0.1:18086",
            ["BMSPACE_INFLUXDB__TOKEN"] = "env-token",
            ["BMSPACE_CONSOLE__ENABLED"] = "false",
            ["PATH"] = "/usr/bin",
            ["bmspace_lower"] = "not ours",
        };

        var result = await _fixture.LoadAsync("good-minimal.yaml", environment);

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        Assert.Equal(TimeSpan.Zero, result.Options.RequestGap);
        Assert.Equal(new Uri("http://127.0.0.1:18086"), result.Options.InfluxDb.Url);
        Assert.Equal("env-token", result.Options.InfluxDb.Token.Value);
        Assert.False(result.Options.Console.Enabled);
        Assert.Equal(new TcpConnectionSpec("127.0.0.1", 5000), result.Options.Batteries[0].Connection);
    }

    [Fact]
    public async Task Environment_overrides_list_entries_by_index()
    {
        var environment = new Dictionary<string, string>
        {
            ["BMSPACE_BATTERIES__1__CONNECTION"] = "tcp://10.0.0.5:5000",
            ["BMSPACE_BATTERIES__0__PACKS"] = "[4, 5]",
            ["BMSPACE_BATTERIES__0__PROTOCOL_VERSION"] = "20",
        };

        var result = await _fixture.LoadAsync("good-full.yaml", environment);

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        Assert.Equal([4, 5], result.Options.Batteries[0].Packs);
        Assert.Equal((byte?)0x20, result.Options.Batteries[0].ProtocolVersion);
        Assert.Equal("garage", result.Options.Batteries[0].Name);
        Assert.Equal(new TcpConnectionSpec("10.0.0.5", 5000), result.Options.Batteries[1].Connection);
        Assert.Equal("shed.rack-2", result.Options.Batteries[1].Name);
        Assert.Equal(0, result.Options.Batteries[1].Address);
    }

    [Fact]
    public async Task Environment_alone_configures_the_default_battery()
    {
        var environment = new Dictionary<string, string> { ["BMSPACE_BATTERIES__0__CONNECTION"] = "tcp://10.0.0.5:5000" };

        var result = await _fixture.LoadAsync(environment: environment);

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        var battery = Assert.Single(result.Options.Batteries);
        Assert.Equal("main", battery.Name);
        Assert.Equal(new TcpConnectionSpec("10.0.0.5", 5000), battery.Connection);
    }

    [Theory]
    [InlineData("BMSPACE_SCAN_INTERVALL", "5s", "scan_intervall: unknown key; allowed: scan_interval, request_timeout")]
    [InlineData("BMSPACE_INFLUXDB__NOPE", "1", "influxdb.nope: unknown key; allowed: enabled, url")]
    [InlineData("BMSPACE_BATTERIES__0__COLOUR", "red", "batteries.0.colour: unknown key; allowed: name, connection")]
    [InlineData("BMSPACE_BATTERIES__3__NAME", "x", "batteries: BMSPACE_BATTERIES__3__NAME asks for entry '3' of a list with 1 entries; allowed: an index from 0 to 1")]
    [InlineData("BMSPACE_INFLUXDB____URL", "http://x", "BMSPACE_INFLUXDB____URL: names no configuration key")]
    [InlineData("BMSPACE_RETRIES", "many", "retries: 'many' is not a whole number; allowed: a whole number from 0 to 10 (from BMSPACE_RETRIES)")]
    public async Task An_environment_variable_naming_no_key_or_a_bad_value_is_an_error(string name, string value, string expectedStart)
    {
        var result = await _fixture.LoadAsync("good-minimal.yaml", new Dictionary<string, string> { [name] = value });

        Assert.False(result.IsValid);
        string error = Assert.Single(result.Errors);
        Assert.StartsWith(expectedStart, error, StringComparison.Ordinal);
        Assert.Contains(name, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Flags_win_over_environment_which_wins_over_the_file()
    {
        var environment = new Dictionary<string, string>
        {
            ["BMSPACE_SCAN_INTERVAL"] = "30s",
            ["BMSPACE_BATTERIES__0__CONNECTION"] = "tcp://10.0.0.5:5000",
            ["BMSPACE_PROMETHEUS__LISTEN"] = "127.0.0.1:2000",
        };
        _fixture.WriteFile("config.yaml", "scan_interval: 1m\nrequest_gap: 50ms\nbatteries:\n  - name: house\n    connection: tcp://127.0.0.1:5000\nprometheus:\n  enabled: false\n  listen: 127.0.0.1:1000\n");
        var fileAndEnvironment = _fixture.Sources(environment: environment);

        var withoutFlags = await ConfigLoader.LoadAsync(fileAndEnvironment, CancellationToken.None);
        var withFlags = await ConfigLoader.LoadAsync(fileAndEnvironment with { Connect = "tcp://10.0.0.6:6000", Listen = "127.0.0.1:3000" }, CancellationToken.None);

        Assert.True(withoutFlags.IsValid, string.Join("\n", withoutFlags.Errors));
        Assert.Equal(TimeSpan.FromSeconds(30), withoutFlags.Options.ScanInterval);
        Assert.Equal(TimeSpan.FromMilliseconds(50), withoutFlags.Options.RequestGap);
        Assert.Equal(new TcpConnectionSpec("10.0.0.5", 5000), withoutFlags.Options.Batteries[0].Connection);
        Assert.Equal("127.0.0.1:2000", withoutFlags.Options.Prometheus.Listen);
        Assert.False(withoutFlags.Options.Prometheus.Enabled);

        Assert.True(withFlags.IsValid, string.Join("\n", withFlags.Errors));
        Assert.Equal(TimeSpan.FromSeconds(30), withFlags.Options.ScanInterval);
        var battery = Assert.Single(withFlags.Options.Batteries);
        Assert.Equal("house", battery.Name);
        Assert.Equal(new TcpConnectionSpec("10.0.0.6", 6000), battery.Connection);
        Assert.Equal("127.0.0.1:3000", withFlags.Options.Prometheus.Listen);
        Assert.True(withFlags.Options.Prometheus.Enabled);
    }

    [Fact]
    public async Task Simulate_without_a_config_file_makes_the_main_battery_the_simulator()
    {
        var result = await ConfigLoader.LoadAsync(_fixture.Sources() with { Simulate = true }, CancellationToken.None);

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        var battery = Assert.Single(result.Options.Batteries);
        Assert.Equal("main", battery.Name);
        Assert.Equal(new SimulatorConnectionSpec(), battery.Connection);
    }

    [Fact]
    public async Task Connect_with_several_batteries_is_an_error()
    {
        var result = await ConfigLoader.LoadAsync(_fixture.Sources("good-full.yaml") with { Connect = "tcp://10.0.0.6:6000" }, CancellationToken.None);

        Assert.StartsWith("--connect: the configuration has 2 batteries", Assert.Single(result.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Protocol_defaults_to_auto_with_the_dialects_own_version()
    {
        var result = await _fixture.LoadAsync();

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        var battery = Assert.Single(result.Options.Batteries);
        Assert.Equal("auto", battery.Protocol);
        Assert.Null(battery.ProtocolVersion);
        Assert.Equal(0x25, battery.EffectiveProtocolVersion);
    }

    [Theory]
    [InlineData("pace", null, 0x25)]
    [InlineData("eg4", null, 0x20)]
    [InlineData("seplos", null, 0x20)]
    [InlineData("pylontech", null, 0x20)]
    [InlineData("eg4", "0x21", 0x21)]
    public async Task Protocol_version_is_the_dialects_own_unless_overridden(string protocol, string? version, int expected)
    {
        _fixture.WriteFile("config.yaml", $"batteries:\n  - protocol: {protocol}\n" + (version is null ? "" : $"    protocol_version: {version}\n"));

        var result = await _fixture.LoadAsync();

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        Assert.Equal(protocol, result.Options.Batteries[0].Protocol);
        Assert.Equal(expected, result.Options.Batteries[0].EffectiveProtocolVersion);
    }

    [Fact]
    public async Task Protocol_flag_overrides_the_single_battery_like_connect()
    {
        _fixture.WriteFile("config.yaml", "batteries:\n  - name: house\n    connection: tcp://127.0.0.1:5000\n    protocol: pace\n");

        var result = await ConfigLoader.LoadAsync(_fixture.Sources(environment: new() { ["BMSPACE_BATTERIES__0__PROTOCOL"] = "eg4" }) with { Protocol = "Seplos" }, CancellationToken.None);
        var several = await ConfigLoader.LoadAsync(_fixture.Sources("good-full.yaml") with { Protocol = "eg4" }, CancellationToken.None);
        var unknown = await ConfigLoader.LoadAsync(_fixture.Sources() with { Protocol = "modbus" }, CancellationToken.None);

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        Assert.Equal("seplos", Assert.Single(result.Options.Batteries).Protocol);
        Assert.Equal("house", result.Options.Batteries[0].Name);
        Assert.StartsWith("--protocol: the configuration has 2 batteries", Assert.Single(several.Errors), StringComparison.Ordinal);
        Assert.Equal("--protocol: 'modbus' is not a protocol; allowed: auto, pace, eg4, seplos, pylontech, seplos-v3, eg4-ll or pace-modbus", Assert.Single(unknown.Errors));
    }

    [Theory]
    [InlineData("tcp://nohost", null, false, "batteries.0.connection: 'tcp://nohost' needs a host and a port: tcp://HOST:PORT; allowed:")]
    [InlineData("tcp://127.0.0.1:1", null, true, "--simulate: cannot be combined with --connect")]
    [InlineData(null, "127.0.0.1", false, "--listen: '127.0.0.1' is not HOST:PORT")]
    public async Task Bad_flags_are_reported_with_the_flag_name(string? connect, string? listen, bool simulate, string expectedStart)
    {
        var result = await ConfigLoader.LoadAsync(_fixture.Sources() with { Connect = connect, Listen = listen, Simulate = simulate }, CancellationToken.None);

        string error = Assert.Single(result.Errors);
        Assert.StartsWith(expectedStart, error, StringComparison.Ordinal);
        Assert.Contains(simulate ? "--simulate" : connect is not null ? "(from --connect)" : "--listen", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_Python_add_on_config_loads_as_one_battery_with_its_MQTT_settings()
    {
        var result = await _fixture.LoadAsync("python-addon.yaml");

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        var battery = Assert.Single(result.Options.Batteries);
        Assert.Equal("main", battery.Name);
        Assert.Equal(new TcpConnectionSpec("192.168.1.161", 5000), battery.Connection);
        Assert.Equal(TimeSpan.FromSeconds(10), result.Options.ScanInterval);
        Assert.Equal(1, result.Options.DebugOutput);
        Assert.Equal(2, result.Options.ZeroPadNumberCells);
        var mqtt = result.Options.Mqtt;
        Assert.True(mqtt.Enabled);
        Assert.Equal(new Uri("mqtt://192.168.1.10:1883"), mqtt.Url);
        Assert.Equal("mqtt-user", mqtt.Username);
        Assert.Equal("mqtt-secret-pw", mqtt.Password.Value);
        Assert.True(mqtt.Discovery.Enabled);
        Assert.Equal("homeassistant", mqtt.Discovery.Prefix);
        Assert.Equal("bmspace", mqtt.BaseTopic);
        Assert.DoesNotContain(result.Notices, notice => notice.Contains("mqtt_", StringComparison.Ordinal));
        Assert.DoesNotContain(result.Notices, notice => notice.Contains("mqtt-secret-pw", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_Python_flat_config_loads_as_one_serial_battery()
    {
        var result = await _fixture.LoadAsync("python-flat.yaml");

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        var battery = Assert.Single(result.Options.Batteries);
        Assert.Equal("main", battery.Name);
        Assert.Equal(new SerialConnectionSpec("/dev/ttyS1"), battery.Connection);
        Assert.Equal(TimeSpan.FromSeconds(3), result.Options.ScanInterval);
        Assert.Equal(14, result.Options.ForcePackOffset);
        Assert.Equal(2, result.Options.ZeroPadNumberPacks);
        var mqtt = result.Options.Mqtt;
        Assert.True(mqtt.Enabled);
        Assert.Equal(new Uri("mqtt://localhost:1883"), mqtt.Url);
        Assert.Equal("", mqtt.Username);
        Assert.True(mqtt.Password.IsEmpty);
        Assert.False(mqtt.Discovery.Enabled);
        Assert.DoesNotContain(result.Notices, notice => notice.Contains("mqtt_", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Environment_and_flags_apply_to_a_migrated_Python_config()
    {
        var environment = new Dictionary<string, string> { ["BMSPACE_BATTERIES__0__ADDRESS"] = "2", ["BMSPACE_SCAN_INTERVAL"] = "1s" };

        var result = await ConfigLoader.LoadAsync(_fixture.Sources("python-addon.yaml", environment) with { Connect = "serial:///dev/ttyUSB3" }, CancellationToken.None);

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        var battery = Assert.Single(result.Options.Batteries);
        Assert.Equal(2, battery.Address);
        Assert.Equal(new SerialConnectionSpec("/dev/ttyUSB3"), battery.Connection);
        Assert.Equal(TimeSpan.FromSeconds(1), result.Options.ScanInterval);
    }

    [Fact]
    public async Task Secrets_are_read_from_files_relative_to_the_config_file()
    {
        _fixture.WriteFile("influx-token", "tok-from-file-123\n");
        _fixture.WriteFile("influx-password", "pw from file\r\n");
        _fixture.WriteFile("config.yaml", "influxdb:\n  enabled: true\n  org: home\n  token_file: influx-token\n  password_file: " + Path.Combine(_fixture.WorkingDirectory, "influx-password") + "\n");

        var result = await _fixture.LoadAsync();

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        Assert.Equal("tok-from-file-123", result.Options.InfluxDb.Token.Value);
        Assert.Equal("pw from file", result.Options.InfluxDb.Password.Value);
        Assert.Equal(Path.Combine(_fixture.WorkingDirectory, "influx-token"), result.Options.InfluxDb.TokenFile);
    }

    [Fact]
    public async Task An_unreadable_secret_file_is_an_error_naming_the_key()
    {
        _fixture.WriteFile("config.yaml", "influxdb:\n  token_file: missing-token\n");

        var result = await _fixture.LoadAsync();

        Assert.False(result.IsValid);
        string error = Assert.Single(result.Errors);
        Assert.StartsWith("influxdb.token_file: cannot read '" + Path.Combine(_fixture.WorkingDirectory, "missing-token") + "'", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_shipped_config_is_valid_and_holds_the_defaults()
    {
        string shipped = Path.Combine(ConfigFixture.RepositoryRoot(), "config.yaml");

        var result = await ConfigLoader.LoadAsync(_fixture.Sources() with { ConfigPath = shipped }, CancellationToken.None);

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        Assert.Empty(result.Notices);
        Assert.Equal(ConfigDescriber.Describe(new BmsPaceOptions()), ConfigDescriber.Describe(result.Options));
        var battery = Assert.Single(result.Options.Batteries);
        Assert.Equal("main", battery.Name);
        Assert.Equal(new SerialConnectionSpec("/dev/ttyUSB0"), battery.Connection);
        Assert.Equal("0.0.0.0:9863", result.Options.Prometheus.Listen);
        Assert.True(result.Options.Prometheus.Enabled);
        Assert.False(result.Options.InfluxDb.Enabled);
        Assert.True(result.Options.Console.Enabled);
    }

    [Fact]
    public async Task The_shipped_config_documents_every_key()
    {
        string text = await File.ReadAllTextAsync(Path.Combine(ConfigFixture.RepositoryRoot(), "config.yaml"));

        var keys = ConfigKeys.Root.KeyNames.Concat(ConfigKeys.Battery.KeyNames).Concat(ConfigKeys.Prometheus.KeyNames)
            .Concat(ConfigKeys.InfluxDb.KeyNames).Concat(ConfigKeys.Console.KeyNames).Concat(ConfigKeys.Mqtt.KeyNames)
            .Concat(ConfigKeys.MqttDiscovery.KeyNames).Distinct();
        foreach (string key in keys)
        {
            Assert.Contains(key + ":", text, StringComparison.Ordinal);
        }
    }
}
