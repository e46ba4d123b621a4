using System.Net;
using System.Text.Json;
using BmsPace.Commands;
using BmsPace.Protocol.Dialects;
using BmsPace.Protocol.Modbus;
using BmsPace.Protocol.Simulation;
using BmsPace.Simulator;

namespace BmsPace.Tests.EndToEnd;

/// <summary>
/// <c>bmspace once --json</c> through its real entry point against the simulator speaking each Modbus RTU family, on a
/// real TCP socket and a real pty. The simulated battery is held still (time scale 0), so every value printed is
/// compared with the model the simulator encoded, field by field, at the family's resolution.
/// </summary>
public sealed class ModbusOnceEndToEndTests
{
    public static TheoryData<string, int, bool> Families => new()
    {
        { "eg4-ll", 3, false },
        { "pace-modbus", 2, false },
        { "seplos-v3", 1, false },
        { "eg4-ll", 2, true },
        { "seplos-v3", 1, true },
    };

    [Theory]
    [MemberData(nameof(Families))]
    public async Task Once_json_reads_every_pack_of_a_modbus_family_as_the_simulator_model_holds_it(string family, int packs, bool pty)
    {
        Assert.True(BmsDialects.TryFind(family, out var dialect));
        var options = new SimulatedBmsOptions { Dialect = dialect, Packs = packs, Cells = 16, Seed = 5, TimeScale = 0 };
        var model = new BatteryModel(options).Sample();
        var bms = new SimulatedBms(options);
        string link = Path.Combine(Path.GetTempPath(), $"bmspace-modbus-{Guid.NewGuid():N}");
        await using var tcp = pty ? null : SimulatorTcpServer.Start(bms, new IPEndPoint(IPAddress.Loopback, 0));
        await using var serial = pty ? PseudoTerminalServer.Start(bms, link) : null;
        var addresses = ((ModbusDialect)dialect).SimulatedSlaves(packs, bankMaster: false);
        string connection = pty ? $"serial://{link}?baud={(family == "seplos-v3" ? 19200 : 9600)}" : $"tcp://127.0.0.1:{tcp!.EndPoint.Port}";
        string config = Path.Combine(Path.GetTempPath(), $"bmspace-modbus-{Guid.NewGuid():N}.yaml");
        // One case lets auto find the family (after the ASCII dialects stayed silent); the others name it.
        string protocol = family == "eg4-ll" && !pty ? "auto" : family;
        string packList = addresses.Count == 1 ? "all" : $"[{string.Join(", ", addresses)}]";
        await File.WriteAllTextAsync(config, $"""
            batteries:
              - name: rack
                connection: {connection}
                protocol: {protocol}
                address: {addresses[0]}
                packs: {packList}
            """);
        try
        {
            using var output = new StringWriter();
            using var error = new StringWriter();
            int exit = await BmsPaceCli.InvokeAsync(["once", "--json", "--config", config], output, error);
            Assert.True(exit == 0, $"{output} {error}");
            using var json = JsonDocument.Parse(output.ToString());
            var battery = Assert.Single(json.RootElement.GetProperty("batteries").EnumerateArray());
            Assert.Equal(family, battery.GetProperty("protocol").GetString());
            Assert.True(battery.GetProperty("ok").GetBoolean());
            var printed = battery.GetProperty("packs").EnumerateArray().ToList();
            Assert.Equal(packs, printed.Count);
            for (int i = 0; i < packs; i++)
            {
                AssertPack(family, model[i], options, printed[i], Math.Max(1, (int)addresses[i]));
            }
        }
        finally
        {
            File.Delete(config);
        }
    }

    private static void AssertPack(string family, PackSample model, SimulatedBmsOptions options, JsonElement pack, int number)
    {
        double Number(string key) => pack.GetProperty(key).GetDouble();
        double[] Numbers(string key) => [.. pack.GetProperty(key).EnumerateArray().Select(e => e.ValueKind == JsonValueKind.Null ? double.NaN : e.GetDouble())];
        static double Round(double value, int decimals) => Math.Round(value, decimals, MidpointRounding.AwayFromZero);

        Assert.Equal(number, pack.GetProperty("pack").GetInt32());
        Assert.Equal(model.CellVoltagesVolts.Select(v => Round(v, 3)).ToArray(), Numbers("cell_voltages_volts"));
        Assert.Equal(Round(model.CellVoltagesVolts.Sum(v => Round(v * 1000, 0)) / 10, 0) / 100, Number("voltage_volts"), 6);
        Assert.Equal(Round(model.CurrentAmperes, 2), Number("current_amperes"), 6);
        Assert.Equal(model.CycleCount, pack.GetProperty("cycle_count").GetInt32());
        Assert.Equal(model.BalancingCells.ToArray(), pack.GetProperty("balancing_cells").EnumerateArray().Select(e => e.GetInt32()).ToArray());
        var status = pack.GetProperty("flags").GetProperty("status").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Equal(model.Discharging, status.Contains("discharging"));
        Assert.Equal(model.Charging, status.Contains("charging"));
        var t = model.TemperaturesCelsius;
        switch (family)
        {
            case "eg4-ll":
                Assert.Equal(Round(model.RemainingAmpHours, 0), Number("remaining_amp_hours"));
                Assert.Equal(Math.Round(model.FullAmpHours * 3_600_000) / 3_600_000, Number("full_amp_hours"), 6);
                Assert.Equal(Round(model.DesignAmpHours, 1), Number("design_amp_hours"), 6);
                Assert.Equal([Round(t[0], 0), Round(t[1], 0), Round(t[2], 0), Round(t[3], 0), double.NaN, double.NaN, Round(t[4], 0)], Numbers("temperatures_celsius"));
                Assert.Equal(Round(model.StateOfCharge * 100, 0) / 100, Number("state_of_charge_ratio"), 6);
                Assert.Equal("Z02T04", pack.GetProperty("software_version").GetString());
                Assert.Equal(options.SerialsOf(model.Number).BmsSerial, pack.GetProperty("bms_serial").GetString());
                break;
            case "seplos-v3":
                Assert.Equal(Round(model.RemainingAmpHours, 2), Number("remaining_amp_hours"), 6);
                Assert.Equal(Round(model.FullAmpHours, 2), Number("full_amp_hours"), 6);
                Assert.Equal(JsonValueKind.Null, pack.GetProperty("design_amp_hours").ValueKind);
                var temps = Numbers("temperatures_celsius");
                double[] expected = [.. new[] { t[0], t[1], t[2], t[3], double.NaN, double.NaN, double.NaN, double.NaN, t[5], t[4] }.Select(c => Round(c, 1))];
                Assert.Equal(expected.Length, temps.Length);
                for (int i = 0; i < expected.Length; i++)
                {
                    Assert.True(double.IsNaN(expected[i]) ? double.IsNaN(temps[i]) : Math.Abs(expected[i] - temps[i]) <= 0.0501, $"sensor {i + 1}: {temps[i]} for {expected[i]}");
                }

                Assert.Equal(Round(model.StateOfCharge * 1000, 0) / 1000, Number("state_of_charge_ratio"), 6);
                Assert.Equal(options.SerialsOf(model.Number).BmsSerial, pack.GetProperty("bms_serial").GetString());
                Assert.Equal(options.SerialsOf(model.Number).PackSerial, pack.GetProperty("pack_serial").GetString());
                break;
            default:
                Assert.Equal(Round(model.RemainingAmpHours, 2), Number("remaining_amp_hours"), 6);
                Assert.Equal(Round(model.FullAmpHours, 2), Number("full_amp_hours"), 6);
                Assert.Equal(Round(model.DesignAmpHours, 2), Number("design_amp_hours"), 6);
                Assert.Equal(t.Select(c => Round(c, 1)).ToArray(), Numbers("temperatures_celsius"));
                Assert.Equal(Round(model.StateOfCharge * 100, 0) / 100, Number("state_of_charge_ratio"), 6);
                Assert.Equal(options.SoftwareVersion, pack.GetProperty("software_version").GetString());
                Assert.Equal(options.SerialsOf(model.Number).PackSerial, pack.GetProperty("pack_serial").GetString());
                break;
        }
    }
}
