using System.Globalization;
using System.Text.Json;
using BmsPace.Configuration;
using BmsPace.Protocol.Readings;
using BmsPace.Resilience;
using BmsPace.Outputs.Influx;
using Microsoft.Extensions.Logging;
using Prometheus;
using BmsPace.Protocol.Dialects.Pace;

namespace BmsPace.Tests.Influx;

/// <summary>The writer against a real InfluxDB 1.6 started by the test: what is published is what /query gives back.</summary>
public class InfluxSinkServerTests
{
    private const string Database = "bms";

    /// <summary>Fast retries so recovery tests finish in seconds; the backoff shape itself is the default's.</summary>
    private static readonly BackoffPolicy QuickRetry = new(TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(400));

    private static InfluxDbOptions V1(InfluxDbServer server, bool gzip = true) => new()
    {
        Enabled = true,
        Url = server.Url,
        Api = InfluxApi.V1,
        Database = Database,
        Precision = "ms",
        Gzip = gzip,
        FlushInterval = TimeSpan.FromMilliseconds(100),
        Timeout = TimeSpan.FromSeconds(5),
    };

    private static InfluxSink Sink(InfluxDbOptions options, CollectorRegistry registry, CapturingLogger<InfluxSink> logger, LabelFormatter? labels = null) =>
        new(options, TimeSpan.FromSeconds(5), labels ?? new LabelFormatter(0, 0), registry, logger, QuickRetry);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task PublishedSnapshots_ReadBackFieldByField(bool gzip)
    {
        await using var server = await InfluxDbServer.StartAsync();
        await server.CreateDatabaseAsync(Database);
        var registry = Metrics.NewCustomRegistry();
        var logger = new CapturingLogger<InfluxSink>();
        await using var sink = Sink(V1(server, gzip), registry, logger, new LabelFormatter(2, 2));
        var snapshots = Enumerable.Range(0, 3).Select(cycle => TestSnapshots.Cycle("garage", cycle)).ToArray();

        foreach (var snapshot in snapshots)
        {
            await sink.PublishAsync(snapshot, CancellationToken.None);
        }

        Assert.True(await sink.FlushAsync(CancellationToken.None), logger.AllText);

        int expectedPoints = 3 * 2 * TestSnapshots.PointsPerPack();
        Assert.Equal(expectedPoints, await MetricReader.ValueAsync(registry, "pace_bms_influxdb_points_written_total"));
        Assert.Equal(0, await MetricReader.ValueAsync(registry, "pace_bms_influxdb_buffer_points"));

        var packRows = await server.SelectAsync("SELECT * FROM pace_bms_pack", Database);
        Assert.Equal(6, packRows.Count);
        foreach (var snapshot in snapshots)
        {
            foreach (var pack in snapshot.Packs)
            {
                var analog = pack.Analog!;
                var row = Row(packRows, snapshot.Timestamp, ("pack", $"0{pack.Pack}"));
                Assert.Equal("garage", row["battery"].GetString());
                Assert.Equal(analog.VoltageVolts, row["voltage_volts"].GetDouble());
                Assert.Equal(analog.CurrentAmperes, row["current_amperes"].GetDouble());
                Assert.Equal(analog.PowerWatts, row["power_watts"].GetDouble());
                Assert.Equal(analog.StateOfChargeRatio, row["soc_ratio"].GetDouble());
                Assert.Equal(analog.StateOfHealthRatio, row["soh_ratio"].GetDouble());
                Assert.Equal(analog.RemainingAmpHours, row["remaining_amp_hours"].GetDouble());
                Assert.Equal(analog.FullAmpHours, row["full_amp_hours"].GetDouble());
                Assert.Equal(analog.DesignAmpHours, row["design_amp_hours"].GetDouble());
                Assert.Equal(analog.CycleCount, row["cycle_count"].GetInt64());
                Assert.Equal(analog.CellMinVolts, row["cell_min_volts"].GetDouble());
                Assert.Equal(analog.CellMaxVolts, row["cell_max_volts"].GetDouble());
                Assert.Equal(analog.CellDeltaVolts, row["cell_delta_volts"].GetDouble());
                Assert.Equal(pack.ChargedWattHours, row["charged_watt_hours"].GetDouble());
                Assert.Equal(pack.DischargedWattHours, row["discharged_watt_hours"].GetDouble());
                Assert.Equal(snapshot.PacksReported, row["packs_reported"].GetInt64());
                Assert.Equal(snapshot.PacksDecoded, row["packs_decoded"].GetInt64());
                Assert.Equal(pack.Identity.SoftwareVersion, row["software_version"].GetString());
                Assert.Equal(pack.Identity.BmsSerial, row["serial_number"].GetString());
                Assert.Equal(pack.Identity.PackSerial, row["pack_serial_number"].GetString());
                Assert.Equal(snapshot.ProtocolVersion, row["protocol_version"].GetString());
            }
        }

        var cellRows = await server.SelectAsync("SELECT * FROM pace_bms_cell", Database);
        Assert.Equal(3 * 2 * 16, cellRows.Count);
        foreach (var snapshot in snapshots)
        {
            foreach (var pack in snapshot.Packs)
            {
                for (int cell = 1; cell <= 16; cell++)
                {
                    var row = Row(cellRows, snapshot.Timestamp, ("pack", $"0{pack.Pack}"), ("cell", cell.ToString("00", CultureInfo.InvariantCulture)));
                    Assert.Equal(pack.Analog!.CellVoltagesVolts[cell - 1], row["voltage_volts"].GetDouble());
                    Assert.Equal(pack.Alarm!.IsCellBalancing(cell), row["balancing"].GetBoolean());
                    byte code = pack.Alarm.CellWarnings[cell - 1];
                    Assert.Equal((code == 0x01, code == 0x02, code is 0xF0 or (>= 0x80 and <= 0xEF)), (row["warning_low"].GetBoolean(), row["warning_high"].GetBoolean(), row["warning_other"].GetBoolean()));
                }
            }
        }

        var temperatureRows = await server.SelectAsync("SELECT * FROM pace_bms_temperature", Database);
        Assert.Equal(3 * 2 * 6, temperatureRows.Count);
        foreach (var snapshot in snapshots)
        {
            foreach (var pack in snapshot.Packs)
            {
                for (int sensor = 1; sensor <= 6; sensor++)
                {
                    var row = Row(temperatureRows, snapshot.Timestamp, ("pack", $"0{pack.Pack}"), ("sensor", sensor.ToString(CultureInfo.InvariantCulture)));
                    Assert.Equal(pack.Analog!.TemperaturesCelsius[sensor - 1], row["celsius"].GetDouble());
                    // PACE's six sensors: cells on 1-4, MOSFET on 5, environment on 6.
                    Assert.Equal(sensor <= 4 ? "cell" : sensor == 5 ? "mosfet" : "environment", row["role"].GetString());
                    byte code = pack.Alarm!.TemperatureWarnings[sensor - 1];
                    Assert.Equal((code == 0x01, code == 0x02, false), (row["warning_low"].GetBoolean(), row["warning_high"].GetBoolean(), row["warning_other"].GetBoolean()));
                }
            }
        }

        var flagRows = await server.SelectAsync("SELECT * FROM pace_bms_flags", Database);
        Assert.Equal(6, flagRows.Count);
        foreach (var snapshot in snapshots)
        {
            foreach (var pack in snapshot.Packs)
            {
                var row = Row(flagRows, snapshot.Timestamp, ("pack", $"0{pack.Pack}"));
                foreach (var flag in PaceFlagTable.All)
                {
                    Assert.Equal(pack.Alarm!.IsSet(flag), row[SnapshotPoints.FlagFieldName(flag)].GetBoolean());
                }

                Assert.Equal(pack.Alarm!.ControlState, row["control_state"].GetInt64());
            }
        }
    }

    [Fact]
    public async Task EscapedNamesAndEveryFieldType_SurviveTheRealParser()
    {
        await using var server = await InfluxDbServer.StartAsync();
        await server.CreateDatabaseAsync(Database);
        var writer = new LineProtocolWriter(InfluxPrecision.Nanoseconds);
        var at = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_123).AddTicks(4_567);
        var point = new InfluxPoint("my meas,ure=x",
            [new("tag key,=", "v a,l=ue"), new("site", "north\nshed")],
            [
                new("f k=,", InfluxFieldValue.Float(53)), new("text", InfluxFieldValue.String("say \"hi\" \\ a,b=c d")),
                new("count", InfluxFieldValue.Integer(-7)), new("on", InfluxFieldValue.Boolean(true)),
                new("big", InfluxFieldValue.Float(1e20)), new("small", InfluxFieldValue.Float(1.5e-7)),
                new("nan", InfluxFieldValue.Float(double.NaN)),
            ],
            at);
        using var http = new InfluxHttpWriter(V1(server) with { Precision = "ns" }, InfluxPrecision.Nanoseconds);

        var result = await http.WriteAsync([writer.Format(point)!], CancellationToken.None);

        Assert.Equal(WriteStatus.Written, result.Status);
        var rows = await server.SelectAsync("SELECT * FROM \"my meas,ure=x\"", Database);
        var row = Assert.Single(rows);
        Assert.Equal(1_700_000_000_123, row["time"].GetInt64());
        Assert.Equal("v a,l=ue", row["tag key,="].GetString());
        Assert.Equal("north shed", row["site"].GetString());
        Assert.Equal(53.0, row["f k=,"].GetDouble());
        Assert.Equal("say \"hi\" \\ a,b=c d", row["text"].GetString());
        Assert.Equal(-7, row["count"].GetInt64());
        Assert.True(row["on"].GetBoolean());
        Assert.Equal(1e20, row["big"].GetDouble());
        Assert.Equal(1.5e-7, row["small"].GetDouble());
        Assert.False(row.ContainsKey("nan"));

        var types = await server.SelectAsync("SHOW FIELD KEYS FROM \"my meas,ure=x\"", Database);
        var typeOf = types.ToDictionary(r => r["fieldKey"].GetString()!, r => r["fieldType"].GetString());
        Assert.Equal("float", typeOf["f k=,"]);
        Assert.Equal("integer", typeOf["count"]);
        Assert.Equal("boolean", typeOf["on"]);
        Assert.Equal("string", typeOf["text"]);
    }

    [Fact]
    public async Task WrongPassword_GivesOneClearError_AndTheRightOneWrites()
    {
        await using var server = await InfluxDbServer.StartAsync(authEnabled: true);
        await server.CreateAdminAsync("admin", "right-pass-123");
        await server.CreateDatabaseAsync(Database);
        var snapshot = TestSnapshots.Cycle("garage", 0, packs: 1);

        var wrongRegistry = Metrics.NewCustomRegistry();
        var wrongLogger = new CapturingLogger<InfluxSink>();
        await using (var wrong = Sink(V1(server) with { Username = "admin", Password = new Secret("wrong-pass-456") }, wrongRegistry, wrongLogger))
        {
            await wrong.PublishAsync(snapshot, CancellationToken.None);
            Assert.False(await wrong.FlushAsync(CancellationToken.None));
            Assert.False(await wrong.FlushAsync(CancellationToken.None));

            Assert.Equal(1, wrongLogger.Count(LogLevel.Error, "fix influxdb.username and influxdb.password"));
            Assert.Contains("401", wrongLogger.AllText, StringComparison.Ordinal);
            Assert.Equal(2, await MetricReader.ValueAsync(wrongRegistry, "pace_bms_influxdb_batches_failed_total{reason=\"unauthorized\"}"));
            Assert.Equal(TestSnapshots.PointsPerPack(), await MetricReader.ValueAsync(wrongRegistry, "pace_bms_influxdb_buffer_points"));
        }

        Assert.DoesNotContain("wrong-pass-456", wrongLogger.AllText, StringComparison.Ordinal);
        Assert.Equal(0, await server.CountAsync("pace_bms_pack", Database, "voltage_volts"));

        var rightRegistry = Metrics.NewCustomRegistry();
        var rightLogger = new CapturingLogger<InfluxSink>();
        await using (var right = Sink(V1(server) with { Username = "admin", Password = new Secret("right-pass-123") }, rightRegistry, rightLogger))
        {
            await right.PublishAsync(snapshot, CancellationToken.None);
            Assert.True(await right.FlushAsync(CancellationToken.None), rightLogger.AllText);
        }

        Assert.Equal(1, await server.CountAsync("pace_bms_pack", Database, "voltage_volts"));
        Assert.Equal(16, await server.CountAsync("pace_bms_cell", Database, "voltage_volts"));
        Assert.DoesNotContain("right-pass-123", rightLogger.AllText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PasswordFromFile_IsUsedWhenTheSecretIsEmpty()
    {
        await using var server = await InfluxDbServer.StartAsync(authEnabled: true);
        await server.CreateAdminAsync("admin", "file-pass-789");
        await server.CreateDatabaseAsync(Database);
        string file = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, "file-pass-789\n");
            // password_file is read once, by the configuration loader; the writer only ever sees the secret.
            var loaded = await ConfigLoader.LoadAsync(
                new ConfigSources
                {
                    EnvironmentVariables = new Dictionary<string, string>
                    {
                        ["BMSPACE_INFLUXDB__API"] = "v1",
                        ["BMSPACE_INFLUXDB__USERNAME"] = "admin",
                        ["BMSPACE_INFLUXDB__PASSWORD_FILE"] = file,
                    },
                    WorkingDirectory = Directory.CreateTempSubdirectory("bmspace-secret-").FullName,
                },
                CancellationToken.None);
            Assert.True(loaded.IsValid, string.Join("; ", loaded.Errors));
            var logger = new CapturingLogger<InfluxSink>();
            await using var sink = Sink(V1(server) with { Username = "admin", Password = loaded.Options.InfluxDb.Password }, Metrics.NewCustomRegistry(), logger);

            await sink.PublishAsync(TestSnapshots.Cycle("garage", 0, packs: 1), CancellationToken.None);

            Assert.True(await sink.FlushAsync(CancellationToken.None), logger.AllText);
            Assert.Equal(1, await server.CountAsync("pace_bms_pack", Database, "voltage_volts"));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task MissingDatabase_NamesTheSetting_AndKeepsThePointsUntilItExists()
    {
        await using var server = await InfluxDbServer.StartAsync();
        var registry = Metrics.NewCustomRegistry();
        var logger = new CapturingLogger<InfluxSink>();
        await using var sink = Sink(V1(server), registry, logger);
        await sink.PublishAsync(TestSnapshots.Cycle("garage", 0, packs: 1), CancellationToken.None);

        Assert.False(await sink.FlushAsync(CancellationToken.None));

        Assert.Equal(1, logger.Count(LogLevel.Error, "database \"bms\" does not exist: create it or fix influxdb.database"));
        Assert.Equal(1, await MetricReader.ValueAsync(registry, "pace_bms_influxdb_batches_failed_total{reason=\"not_found\"}"));
        Assert.Equal(TestSnapshots.PointsPerPack(), await MetricReader.ValueAsync(registry, "pace_bms_influxdb_buffer_points"));

        await server.CreateDatabaseAsync(Database);
        Assert.True(await sink.FlushAsync(CancellationToken.None), logger.AllText);

        Assert.Equal(TestSnapshots.PointsPerPack(), await MetricReader.ValueAsync(registry, "pace_bms_influxdb_points_written_total"));
        Assert.Equal(1, await server.CountAsync("pace_bms_flags", Database, "status_charge_fet"));
        Assert.Equal(1, logger.Count(LogLevel.Information, "takes points again"));
    }

    [Fact]
    public async Task V2Api_AgainstInfluxDb16_PointsAtTheApiSetting()
    {
        await using var server = await InfluxDbServer.StartAsync();
        var logger = new CapturingLogger<InfluxSink>();
        var options = V1(server) with { Api = InfluxApi.V2, Bucket = Database, Org = "home", Token = new Secret("tok-secret-1") };
        await using var sink = Sink(options, Metrics.NewCustomRegistry(), logger);
        await sink.PublishAsync(TestSnapshots.Cycle("garage", 0, packs: 1), CancellationToken.None);

        Assert.False(await sink.FlushAsync(CancellationToken.None));

        Assert.Equal(1, logger.Count(LogLevel.Error, "set influxdb.api to v1"));
        Assert.DoesNotContain("tok-secret-1", logger.AllText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARejectedLine_IsLoggedAndDropped_AndLaterPointsStillArrive()
    {
        await using var server = await InfluxDbServer.StartAsync();
        await server.CreateDatabaseAsync(Database);
        // The temperature field already exists as a string in this shard: every celsius float conflicts (400 partial write).
        await server.WriteRawAsync(Database, $"pace_bms_temperature,battery=old,pack=1,sensor=1 celsius=\"hot\" {TestSnapshots.Start.ToUnixTimeMilliseconds()}\n");
        var registry = Metrics.NewCustomRegistry();
        var logger = new CapturingLogger<InfluxSink>();
        await using var sink = Sink(V1(server), registry, logger);

        await sink.PublishAsync(TestSnapshots.Cycle("garage", 0, packs: 1), CancellationToken.None);
        Assert.True(await sink.FlushAsync(CancellationToken.None));
        await sink.PublishAsync(TestSnapshots.Cycle("garage", 1, packs: 1), CancellationToken.None);
        Assert.True(await sink.FlushAsync(CancellationToken.None));

        Assert.True(2 == logger.Count(LogLevel.Error, "field type conflict"), logger.AllText);
        Assert.Equal(2, await MetricReader.ValueAsync(registry, "pace_bms_influxdb_batches_failed_total{reason=\"bad_request\"}"));
        Assert.Equal(2 * 6, await MetricReader.ValueAsync(registry, "pace_bms_influxdb_points_dropped_total"));
        Assert.Equal(2 * (TestSnapshots.PointsPerPack() - 6), await MetricReader.ValueAsync(registry, "pace_bms_influxdb_points_written_total"));
        Assert.Equal(0, await MetricReader.ValueAsync(registry, "pace_bms_influxdb_buffer_points"));
        Assert.Equal(2 * 16, await server.CountAsync("pace_bms_cell", Database, "voltage_volts"));
        Assert.Equal(2, await server.CountAsync("pace_bms_pack", Database, "voltage_volts"));
    }

    [Fact]
    public async Task AnOutage_LosesNoPoint()
    {
        await using var server = await InfluxDbServer.StartAsync();
        await server.CreateDatabaseAsync(Database);
        var registry = Metrics.NewCustomRegistry();
        var logger = new CapturingLogger<InfluxSink>();
        await using var sink = Sink(V1(server), registry, logger);
        await sink.StartAsync(CancellationToken.None);
        int perCycle = 2 * TestSnapshots.PointsPerPack();

        for (int cycle = 0; cycle < 5; cycle++)
        {
            await sink.PublishAsync(TestSnapshots.Cycle("garage", cycle), CancellationToken.None);
        }

        await Eventually.TrueAsync(async () => await MetricReader.ValueAsync(registry, "pace_bms_influxdb_points_written_total") == 5 * perCycle, "the first points");
        await server.StopAsync();

        for (int cycle = 5; cycle < 20; cycle++)
        {
            await sink.PublishAsync(TestSnapshots.Cycle("garage", cycle), CancellationToken.None);
            if (cycle == 5)
            {
                await Eventually.TrueAsync(async () => await MetricReader.ValueAsync(registry, "pace_bms_influxdb_batches_failed_total{reason=\"io\"}") >= 2, "failed writes during the outage");
            }
        }

        Assert.Equal(15 * perCycle, await MetricReader.ValueAsync(registry, "pace_bms_influxdb_buffer_points"));
        await server.StartAgainAsync();
        await Eventually.TrueAsync(async () => await MetricReader.ValueAsync(registry, "pace_bms_influxdb_points_written_total") == 20 * perCycle, "the buffered points");
        await sink.StopAsync(CancellationToken.None);

        Assert.Equal(0, await MetricReader.ValueAsync(registry, "pace_bms_influxdb_points_dropped_total"));
        Assert.Equal(20 * 2, await server.CountAsync("pace_bms_pack", Database, "voltage_volts"));
        Assert.Equal(20 * 2 * 16, await server.CountAsync("pace_bms_cell", Database, "voltage_volts"));
        Assert.Equal(20 * 2 * 6, await server.CountAsync("pace_bms_temperature", Database, "celsius"));
        Assert.Equal(20 * 2, await server.CountAsync("pace_bms_flags", Database, "status_charge_fet"));
        Assert.Equal(1, logger.Count(LogLevel.Warning, "cannot take points now (io"));
    }

    [Fact]
    public async Task BufferOverflow_DropsTheOldest_AndCountsThem()
    {
        await using var server = InfluxDbServer.CreateStopped();
        var registry = Metrics.NewCustomRegistry();
        var logger = new CapturingLogger<InfluxSink>();
        await using var sink = Sink(V1(server) with { BufferPoints = 100, BatchSize = 10 }, registry, logger);
        int perCycle = TestSnapshots.PointsPerPack(cells: 4, temperatures: 2);

        for (int cycle = 0; cycle < 20; cycle++)
        {
            await sink.PublishAsync(TestSnapshots.Cycle("garage", cycle, packs: 1, cells: 4, temperatures: 2), CancellationToken.None);
        }

        Assert.Equal(20 * perCycle - 100, await MetricReader.ValueAsync(registry, "pace_bms_influxdb_points_dropped_total"));
        Assert.Equal(100, await MetricReader.ValueAsync(registry, "pace_bms_influxdb_buffer_points"));
        Assert.Equal(1, logger.Count(LogLevel.Warning, "buffer full (100 points)"));

        await server.StartAgainAsync();
        await server.CreateDatabaseAsync(Database);
        Assert.True(await sink.FlushAsync(CancellationToken.None), logger.AllText);

        // 60 dropped of 8 a cycle: cycles 0-6 entirely, and cycle 7's pack point and first three cells.
        var packRows = await server.SelectAsync("SELECT voltage_volts FROM pace_bms_pack", Database);
        Assert.Equal(12, packRows.Count);
        Assert.Equal(TestSnapshots.Start.AddSeconds(8).ToUnixTimeMilliseconds(), packRows.Min(r => r["time"].GetInt64()));
        Assert.Equal(13, await server.CountAsync("pace_bms_flags", Database, "status_charge_fet"));
        Assert.Equal(100, await MetricReader.ValueAsync(registry, "pace_bms_influxdb_points_written_total"));
    }

    [Fact]
    public async Task ARequestTooLarge_HalvesTheBatch_AndDeliversEverything()
    {
        // The body limit fits each half of one pack's 24 lines but not all of them.
        var snapshot = TestSnapshots.Cycle("garage", 0, packs: 1);
        var writer = new LineProtocolWriter(InfluxPrecision.Milliseconds);
        var lines = SnapshotPoints.From(snapshot, new LabelFormatter(0, 0)).Select(p => writer.Format(p)! + "\n").ToArray();
        int Bytes(IEnumerable<string> part) => part.Sum(l => System.Text.Encoding.UTF8.GetByteCount(l));
        int limit = Math.Max(Bytes(lines.Take(12)), Bytes(lines.Skip(12)));
        Assert.True(Bytes(lines) > limit);
        await using var server = await InfluxDbServer.StartAsync(settings: new Dictionary<string, string>
        {
            ["INFLUXDB_HTTP_MAX_BODY_SIZE"] = limit.ToString(CultureInfo.InvariantCulture),
        });
        await server.CreateDatabaseAsync(Database);
        var registry = Metrics.NewCustomRegistry();
        var logger = new CapturingLogger<InfluxSink>();
        await using var sink = Sink(V1(server, gzip: false) with { BatchSize = 100 }, registry, logger);

        await sink.PublishAsync(snapshot, CancellationToken.None);

        Assert.True(await sink.FlushAsync(CancellationToken.None), logger.AllText);
        Assert.Equal(1, await MetricReader.ValueAsync(registry, "pace_bms_influxdb_batches_failed_total{reason=\"too_large\"}"));
        Assert.Equal(0, await MetricReader.ValueAsync(registry, "pace_bms_influxdb_points_dropped_total"));
        Assert.Equal(1, logger.Count(LogLevel.Warning, "lower influxdb.batch_size"));
        Assert.Equal(16, await server.CountAsync("pace_bms_cell", Database, "voltage_volts"));
        Assert.Equal(1, await server.CountAsync("pace_bms_flags", Database, "status_charge_fet"));
    }

    [Fact]
    public async Task Shutdown_FlushesPendingPoints()
    {
        await using var server = await InfluxDbServer.StartAsync();
        await server.CreateDatabaseAsync(Database);
        var logger = new CapturingLogger<InfluxSink>();
        var sink = Sink(V1(server) with { FlushInterval = TimeSpan.FromHours(1) }, Metrics.NewCustomRegistry(), logger);
        await sink.StartAsync(CancellationToken.None);

        await sink.PublishAsync(TestSnapshots.Cycle("garage", 0), CancellationToken.None);
        await sink.PublishAsync(TestSnapshots.Cycle("garage", 1), CancellationToken.None);
        Assert.Equal(0, await server.CountAsync("pace_bms_pack", Database, "voltage_volts"));
        await sink.StopAsync(CancellationToken.None);
        await sink.DisposeAsync();

        Assert.Equal(4, await server.CountAsync("pace_bms_pack", Database, "voltage_volts"));
        Assert.Equal(2 * 2 * 16, await server.CountAsync("pace_bms_cell", Database, "voltage_volts"));
    }

    [Fact]
    public async Task DisposingAnUnstartedSink_FlushesToo()
    {
        await using var server = await InfluxDbServer.StartAsync();
        await server.CreateDatabaseAsync(Database);
        var sink = Sink(V1(server), Metrics.NewCustomRegistry(), new CapturingLogger<InfluxSink>());

        await sink.PublishAsync(TestSnapshots.Cycle("garage", 0, packs: 1), CancellationToken.None);
        await sink.DisposeAsync();

        Assert.Equal(1, await server.CountAsync("pace_bms_pack", Database, "voltage_volts"));
    }

    [Fact]
    public async Task SelfMetrics_AreExposedUnderTheirNames()
    {
        await using var server = await InfluxDbServer.StartAsync();
        await server.CreateDatabaseAsync(Database);
        var registry = Metrics.NewCustomRegistry();
        await using var sink = Sink(V1(server), registry, new CapturingLogger<InfluxSink>());
        await sink.PublishAsync(TestSnapshots.Cycle("garage", 0, packs: 1), CancellationToken.None);
        await sink.FlushAsync(CancellationToken.None);

        string text = await MetricReader.ExpositionAsync(registry);

        Assert.Contains("# TYPE pace_bms_influxdb_points_written_total counter", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE pace_bms_influxdb_batches_failed_total counter", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE pace_bms_influxdb_points_dropped_total counter", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE pace_bms_influxdb_buffer_points gauge", text, StringComparison.Ordinal);
        Assert.Contains($"pace_bms_influxdb_points_written_total {TestSnapshots.PointsPerPack()}", text, StringComparison.Ordinal);
    }

    private static Dictionary<string, JsonElement> Row(List<Dictionary<string, JsonElement>> rows, DateTimeOffset at, params (string Tag, string Value)[] tags) =>
        Assert.Single(rows, r => r["time"].GetInt64() == at.ToUnixTimeMilliseconds() && tags.All(t => r[t.Tag].GetString() == t.Value));
}
