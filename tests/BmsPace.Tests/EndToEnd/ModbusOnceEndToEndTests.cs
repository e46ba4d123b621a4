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
    /// <summary>Family, packs, over a pty, and whether unit 1 is an EG4 bank master (its 3 x 280 Ah bank wraps at 655.36 Ah).</summary>
    public static TheoryData<string, int, bool, bool> Families => new()
    {
        { "eg4-ll", 3, false, false },
        { "pace-modbus", 2, false, false },
        { "seplos-v3", 1, false, false },
        { "eg4-ll", 2, true, false },
        { "seplos-v3", 1, true, false },
        { "eg4-ll", 3, false, true },
    };

    [Theory]
    [MemberData(nameof(Families))]
    public async Task Once_json_reads_every_pack_of_a_modbus_family_and_the_bank_masters_stack_as_the_simulator_model_holds_them(string family, int packs, bool pty, bool bankMaster)
    {
        Assert.True(BmsDialects.TryFind(family, out var dialect));
        var options = new SimulatedBmsOptions
        {
            Dialect = dialect, Packs = packs, Cells = 16, Seed = 5, TimeScale = 0,
            Bus = bankMaster ? SimulatedBus.BankMaster : SimulatedBus.Master, DesignAmpHours = bankMaster ? 280 : 100,
        };
        Assert.Empty(options.Validate());
        var model = new BatteryModel(options).Sample();
        var bms = new SimulatedBms(options);
        string link = Path.Combine(Path.GetTempPath(), $"bmspace-modbus-{Guid.NewGuid():N}");
        await using var tcp = pty ? null : SimulatorTcpServer.Start(bms, new IPEndPoint(IPAddress.Loopback, 0));
        await using var serial = pty ? PseudoTerminalServer.Start(bms, link) : null;
        var addresses = ((ModbusDialect)dialect).SimulatedSlaves(packs, bankMaster);
        var packAddresses = bankMaster ? addresses.Skip(1).ToList() : [.. addresses];
        string connection = pty ? $"serial://{link}?baud={(family == "seplos-v3" ? 19200 : 9600)}" : $"tcp://127.0.0.1:{tcp!.EndPoint.Port}";
        string config = Path.Combine(Path.GetTempPath(), $"bmspace-modbus-{Guid.NewGuid():N}.yaml");
        // One case lets auto find the family (after the ASCII dialects stayed silent); the others name it (a bank
        // master's summary is no pack, so auto does not take it for one).
        string protocol = family == "eg4-ll" && !pty && !bankMaster ? "auto" : family;
        // The bank master's bus is found from address 1 up (packs: all), the master first.
        string packList = addresses.Count == 1 || bankMaster ? "all" : $"[{string.Join(", ", addresses)}]";
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
            Assert.Equal(packs, battery.GetProperty("packs_reported").GetInt32());
            for (int i = 0; i < packs; i++)
            {
                AssertPack(family, model[i], options, printed[i], Math.Max(1, (int)packAddresses[i]));
            }

            AssertStack(ModbusExpected.Stack(family, model, bankMaster), battery.GetProperty("stack"));
        }
        finally
        {
            File.Delete(config);
        }
    }

    /// <summary>Every stack figure the master sends equals the bank's; a battery without a master has <c>"stack": null</c>.</summary>
    internal static void AssertStack(Dictionary<string, double?>? expected, JsonElement stack)
    {
        if (expected is null)
        {
            Assert.Equal(JsonValueKind.Null, stack.ValueKind);
            return;
        }

        Assert.Equal(JsonValueKind.Object, stack.ValueKind);
        foreach (var (key, value) in expected)
        {
            Assert.True(stack.TryGetProperty(key, out var printed), $"the stack has no {key}");
            if (value is { } number)
            {
                Assert.True(printed.ValueKind == JsonValueKind.Number && ModbusExpected.Same(number, printed.GetDouble()), $"stack {key}: printed {printed}, the master sent {number}");
            }
            else
            {
                Assert.Equal(JsonValueKind.Null, printed.ValueKind);
            }
        }
    }

    private static void AssertPack(string family, PackSample model, SimulatedBmsOptions options, JsonElement pack, int number)
    {
        double Number(string key) => pack.GetProperty(key).GetDouble();
        double[] Numbers(string key) => [.. pack.GetProperty(key).EnumerateArray().Select(e => e.ValueKind == JsonValueKind.Null ? double.NaN : e.GetDouble())];

        Assert.Equal(number, pack.GetProperty("pack").GetInt32());
        Assert.Equal(ModbusExpected.Cells(model), Numbers("cell_voltages_volts"));
        foreach (var (key, value) in ModbusExpected.Pack(family, model))
        {
            Assert.True(value is { } expected ? ModbusExpected.Same(expected, Number(key)) : pack.GetProperty(key).ValueKind == JsonValueKind.Null, $"pack {number} {key}: printed {pack.GetProperty(key)}, the simulator sent {value}");
        }

        var (celsius, tolerance) = ModbusExpected.Temperatures(family, model);
        var temps = Numbers("temperatures_celsius");
        Assert.Equal(celsius.Length, temps.Length);
        for (int i = 0; i < celsius.Length; i++)
        {
            Assert.True(double.IsNaN(celsius[i]) ? double.IsNaN(temps[i]) : Math.Abs(celsius[i] - temps[i]) <= tolerance, $"sensor {i + 1}: {temps[i]} for {celsius[i]}");
        }

        Assert.Equal(model.BalancingCells.ToArray(), pack.GetProperty("balancing_cells").EnumerateArray().Select(e => e.GetInt32()).ToArray());
        var status = pack.GetProperty("flags").GetProperty("status").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Equal(model.Discharging, status.Contains("discharging"));
        Assert.Equal(model.Charging, status.Contains("charging"));
        switch (family)
        {
            case "eg4-ll":
                Assert.Equal("Z02T04", pack.GetProperty("software_version").GetString());
                Assert.Equal(options.SerialsOf(model.Number).BmsSerial, pack.GetProperty("bms_serial").GetString());
                break;
            case "seplos-v3":
                Assert.Equal(options.SerialsOf(model.Number).BmsSerial, pack.GetProperty("bms_serial").GetString());
                Assert.Equal(options.SerialsOf(model.Number).PackSerial, pack.GetProperty("pack_serial").GetString());
                break;
            default:
                Assert.Equal(options.SoftwareVersion, pack.GetProperty("software_version").GetString());
                Assert.Equal(options.SerialsOf(model.Number).PackSerial, pack.GetProperty("pack_serial").GetString());
                break;
        }
    }
}
