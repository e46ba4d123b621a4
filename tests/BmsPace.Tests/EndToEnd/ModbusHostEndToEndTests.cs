using System.Globalization;
using System.Net;
using System.Text.Json;
using BmsPace.Configuration;
using BmsPace.Protocol.Dialects;
using BmsPace.Protocol.Modbus;
using BmsPace.Protocol.Simulation;
using BmsPace.Simulator;
using BmsPace.Tests.Influx;
using BmsPace.Tests.Prometheus;

namespace BmsPace.Tests.EndToEnd;

/// <summary>
/// The real host (<c>BmsPaceHost.Build</c>) reading the simulator speaking each Modbus RTU family over TCP, read back
/// through a real Prometheus, a real InfluxDB 1.6 and <c>/api/v1/status</c>, as <see cref="HostEndToEndTests"/> does for
/// the ASCII dialects. The simulated battery is held still (time scale 0), so every value is compared with the model
/// at the family's register units (<see cref="ModbusExpected"/>), the packs' and the bank master's stack alike.
/// </summary>
public sealed class ModbusHostEndToEndTests
{
    private const string Battery = "rack";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    /// <summary>Family, packs, and whether unit 1 is an EG4 bank master; a single Seplos V3 pack at 0 answers the bank blocks too.</summary>
    public static TheoryData<string, int, bool> Families => new()
    {
        { "eg4-ll", 3, true },
        { "pace-modbus", 2, false },
        { "seplos-v3", 1, false },
    };

    [Theory]
    [MemberData(nameof(Families))]
    public async Task Prometheus_InfluxDB_and_the_status_json_hold_exactly_the_packs_and_the_stack_a_modbus_family_sent(string family, int packs, bool bankMaster)
    {
        Assert.True(BmsDialects.TryFind(family, out var dialect));
        var simulated = new SimulatedBmsOptions
        {
            Dialect = dialect, Packs = packs, Cells = 16, Seed = 7, TimeScale = 0,
            Bus = bankMaster ? SimulatedBus.BankMaster : SimulatedBus.Master, DesignAmpHours = bankMaster ? 280 : 100,
        };
        var model = new BatteryModel(simulated).Sample();
        var addresses = ((ModbusDialect)dialect).SimulatedSlaves(packs, bankMaster);
        var packNumbers = (bankMaster ? addresses.Skip(1) : addresses).Select(a => Math.Max(1, (int)a)).ToList();
        var expectedStack = ModbusExpected.Stack(family, model, bankMaster);

        await using var server = SimulatorTcpServer.Start(new SimulatedBms(simulated), new IPEndPoint(IPAddress.Loopback, 0));
        await using var influx = await InfluxDbServer.StartAsync();
        await influx.CreateDatabaseAsync("bms");
        await using var host = await RunningHost.StartAsync(new BmsPaceOptions
        {
            ScanInterval = TimeSpan.FromMilliseconds(500),
            RequestTimeout = TimeSpan.FromMilliseconds(500),
            RequestGap = TimeSpan.Zero,
            Batteries =
            [
                new BatteryOptions
                {
                    Name = Battery, Connection = new TcpConnectionSpec("127.0.0.1", server.EndPoint.Port), Protocol = family,
                    Address = addresses[0], Packs = [.. addresses.Select(a => (int)a)],
                },
            ],
            InfluxDb = new InfluxDbOptions
            {
                Enabled = true, Url = influx.Url, Api = InfluxApi.V1, Database = "bms",
                FlushInterval = TimeSpan.FromMilliseconds(200), Timeout = TimeSpan.FromSeconds(5),
            },
        });
        await using var prometheus = await PrometheusServer.StartAsync(host.Address, []);

        // Prometheus: every pack figure and every stack figure, as scraped.
        await prometheus.QueryUntilAsync($"pace_bms_up{{battery=\"{Battery}\"}} == 1", r => r.Count == 1, Deadline);
        var scraped = (await prometheus.QueryUntilAsync(
                $"{{__name__=~\"pace_bms_.+\",battery=\"{Battery}\"}}",
                r => r.Count(s => s.Labels["__name__"] == "pace_bms_pack_voltage_volts") == packs && (expectedStack is null || r.Any(s => s.Labels["__name__"] == "pace_bms_stack_voltage_volts")),
                Deadline))
            .ToDictionary(SeriesKey.FromPrometheus, s => s.Number, StringComparer.Ordinal);
        Assert.Equal(packs, scraped.Value("pace_bms_packs_reported", ("battery", Battery)));
        for (int i = 0; i < packs; i++)
        {
            string pack = packNumbers[i].ToString(CultureInfo.InvariantCulture);
            foreach (var (key, value) in ModbusExpected.Pack(family, model[i]))
            {
                string series = ExpectedSeries.Key(ModbusExpected.PackMetric(key), ("battery", Battery), ("pack", pack));
                Assert.True(value is { } number ? scraped.TryGetValue(series, out double actual) && ModbusExpected.Same(number, actual) : !scraped.ContainsKey(series),
                    $"{series}: Prometheus has {scraped.GetValueOrDefault(series, double.NaN)}, the simulator sent {value}");
            }

            var cells = ModbusExpected.Cells(model[i]);
            for (int cell = 1; cell <= cells.Length; cell++)
            {
                Assert.Equal(cells[cell - 1], scraped.Value("pace_bms_cell_voltage_volts", ("battery", Battery), ("cell", cell.ToString(CultureInfo.InvariantCulture)), ("pack", pack)));
            }
        }

        // Only the packs: a bank master is never a pack of 0 V.
        Assert.Equal(packNumbers.Order(), scraped.Keys.Where(k => ExpectedSeries.NameOf(k) == "pace_bms_pack_voltage_volts")
            .Select(k => int.Parse(k.Split("pack=\"")[1].Split('"')[0], CultureInfo.InvariantCulture)).Order());
        var stackSeries = scraped.Where(s => ExpectedSeries.NameOf(s.Key).StartsWith("pace_bms_stack_", StringComparison.Ordinal)).ToDictionary(s => ExpectedSeries.NameOf(s.Key), s => s.Value);
        var expectedSeries = (expectedStack ?? []).Where(e => e.Value is not null && ModbusExpected.StackMetric(e.Key) is not null)
            .ToDictionary(e => ModbusExpected.StackMetric(e.Key)!, e => e.Value!.Value);
        Assert.Equal(expectedSeries.Keys.Order(), stackSeries.Keys.Order());
        foreach (var (name, value) in expectedSeries)
        {
            Assert.True(ModbusExpected.Same(value, stackSeries[name]), $"{name}: Prometheus has {stackSeries[name]}, the master sent {value}");
        }

        // InfluxDB: the latest point of every pack and of the stack.
        for (int i = 0; i < packs; i++)
        {
            var row = await LatestAsync(influx, "pace_bms_pack", $"\"pack\"='{packNumbers[i]}'");
            foreach (var (key, value) in ModbusExpected.Pack(family, model[i]))
            {
                AssertField(value, row, ModbusExpected.InfluxField(key));
            }
        }

        if (expectedStack is null)
        {
            Assert.Empty(await influx.SelectAsync("SELECT * FROM \"pace_bms_stack\"", "bms"));
        }
        else
        {
            var stackRow = await LatestAsync(influx, "pace_bms_stack", $"\"battery\"='{Battery}'");
            Assert.Equal(family, stackRow["protocol"].GetString());
            foreach (var (key, value) in expectedStack.Where(e => ModbusExpected.StackMetric(e.Key) is not null))
            {
                AssertField(value, stackRow, ModbusExpected.InfluxField(key));
            }
        }

        // /api/v1/status: the same packs and the same stack as once --json.
        using var http = new HttpClient { BaseAddress = host.Address };
        using var status = JsonDocument.Parse(await http.GetStringAsync("api/v1/status"));
        var battery = status.RootElement.GetProperty("batteries").EnumerateArray().Single();
        var statusPacks = battery.GetProperty("packs").EnumerateArray().ToList();
        Assert.Equal(packNumbers, statusPacks.Select(p => p.GetProperty("pack").GetInt32()));
        for (int i = 0; i < packs; i++)
        {
            Assert.Equal(ModbusExpected.Cells(model[i]), statusPacks[i].GetProperty("cell_voltages_volts").EnumerateArray().Select(e => e.GetDouble()));
            Assert.Equal(model[i].BalancingCells.ToArray(), statusPacks[i].GetProperty("balancing_cells").EnumerateArray().Select(e => e.GetInt32()).ToArray());
        }

        ModbusOnceEndToEndTests.AssertStack(expectedStack, battery.GetProperty("stack"));
    }

    private static async Task<Dictionary<string, JsonElement>> LatestAsync(InfluxDbServer influx, string measurement, string where)
    {
        List<Dictionary<string, JsonElement>> rows = [];
        await Eventually.TrueAsync(
            async () => (rows = await influx.SelectAsync($"SELECT * FROM \"{measurement}\" WHERE {where} ORDER BY time DESC LIMIT 1", "bms")).Count == 1,
            $"a {measurement} point where {where}",
            Deadline);
        return rows[0];
    }

    private static void AssertField(double? expected, Dictionary<string, JsonElement> row, string field)
    {
        if (expected is not { } number)
        {
            Assert.True(!row.TryGetValue(field, out var absent) || absent.ValueKind == JsonValueKind.Null, $"{field} is stored, the family does not send it");
            return;
        }

        Assert.True(row.TryGetValue(field, out var value) && value.ValueKind == JsonValueKind.Number, $"no numeric field {field}");
        Assert.True(ModbusExpected.Same(number, value.GetDouble()), $"{field}: InfluxDB has {value.GetDouble()}, the simulator sent {number}");
    }
}
