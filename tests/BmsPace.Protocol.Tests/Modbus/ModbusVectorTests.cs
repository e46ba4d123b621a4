using System.Collections.Immutable;
using System.Text.Json;
using BmsPace.Protocol.Framing;
using BmsPace.Protocol.Modbus;
using BmsPace.Protocol.Readings;

namespace BmsPace.Protocol.Tests.Modbus;

/// <summary>Every real reply of modbus-vectors.json decoded by its family and compared, stated value by stated value.</summary>
public sealed class ModbusVectorTests
{
    public static TheoryData<string> Replies => ModbusVectors.Ids(v =>
        v.Text("response_hex") is not null && !v.IsDamaged()).AsTheoryData();

    [Theory]
    [MemberData(nameof(Replies))]
    public void A_real_reply_decodes_to_every_value_its_source_states(string id)
    {
        var vector = ModbusVectors.ById(id);
        var dialect = vector.Dialect();
        var request = ModbusRead.Parse(vector.Bytes("request_hex")!);
        Assert.Equal(
            (vector.Int("slave"), vector.Int("function"), vector.Int("start_register"), vector.Int("count")),
            (request.Slave, (int)request.Function, request.Start, request.Count));
        byte[] response = vector.Bytes("response_hex")!;
        Assert.Equal(new ModbusCut(0, response.Length), ModbusFraming.CutReply(response, request));

        var expected = vector.GetProperty("expected");
        if (expected.TryGetProperty("exception_code", out var code))
        {
            var failure = Assert.Throws<PaceProtocolException>(() => dialect.Validate(response, request));
            Assert.Equal(FrameError.Rtn, failure.Error);
            Assert.Equal((byte)code.GetInt32(), failure.ReturnCode);
            Assert.Equal(expected.GetProperty("exception_function").GetString(), ModbusVectors.Hex(response[1]));
            if (expected.Text("meaning") is { } meaning)
            {
                Assert.StartsWith(ModbusFraming.ExceptionMeaning(failure.ReturnCode!.Value), meaning, StringComparison.Ordinal);
            }

            return;
        }

        var reading = dialect.Read([dialect.Validate(response, request)]);
        int compared = 0;
        foreach (var stated in expected.EnumerateObject())
        {
            StatedValues.AssertMatches(id, stated.Name, stated.Value, reading, response);
            compared++;
        }

        Assert.True(compared > 0);
    }

    [Fact]
    public void The_damaged_gobel_dump_is_refused_as_truncated_and_its_map_would_fail_the_pace_sanity_rule()
    {
        var vector = ModbusVectors.ById("pace-gobel-modbusc1636-dump-damaged");
        var request = ModbusRead.Parse(vector.Bytes("request_hex")!);
        byte[] response = vector.Bytes("response_hex")!;
        Assert.False(ModbusFraming.CutReply(response, request).Complete);
        Assert.Equal(FrameError.Truncated, Assert.Throws<PaceProtocolException>(() => vector.Dialect().Validate(response, request)).Error);

        // The registers that did arrive, made into a whole reply with a valid CRC, are still no PACE_MODBUS pack:
        // register 1 is no pack voltage and registers 15-30 are no ~3.3 V cells (the vector's point).
        var shortened = new ModbusRead(1, 3, 0, 37);
        byte[] frame = ModbusFraming.Reply(1, ModbusFunction.ReadHoldingRegisters, response.AsSpan(3, 74));
        var reply = vector.Dialect().Validate(frame, shortened);
        var failure = Assert.Throws<PaceProtocolException>(() => vector.Dialect().DecodeAnalog([reply]));
        Assert.Equal(FrameError.Decode, failure.Error);
        Assert.Contains("not the pace-modbus register map", failure.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void The_seplos_pack_blocks_together_make_one_analog_pack_with_unused_sensor_slots_absent()
    {
        var pia = ModbusVectors.ById("seplosv3-sg16-pia-pack1");
        var pib = ModbusVectors.ById("seplosv3-sg16-pib-pack1");
        var dialect = pia.Dialect();
        var replies = new[] { pia, pib }.Select(v => dialect.Validate(v.Bytes("response_hex"), ModbusRead.Parse(v.Bytes("request_hex")!))).ToArray();
        var pack = Assert.Single(dialect.DecodeAnalog(replies).Packs);
        Assert.Equal(1, pack.Pack);
        Assert.Equal(16, pack.CellCount);
        Assert.Equal(53.25, pack.VoltageVolts);
        Assert.Equal(0.832, pack.StateOfChargeRatio);
        Assert.Equal(0.999, pack.StateOfHealthRatio);
        Assert.Null(pack.DesignAmpHours);
        Assert.Equal(10, pack.TemperatureCount);
        Assert.All(pack.TemperaturesCelsius.Skip(4).Take(4), t => Assert.True(double.IsNaN(t)));
        Assert.Equal([TemperatureRole.Environment, TemperatureRole.Mosfet], [pack.RoleOfSensor(8), pack.RoleOfSensor(9)]);
        Assert.Empty(pack.Implausible);
    }
}

/// <summary>How each key of a vector's "expected" object is read from our decoding.</summary>
internal static class StatedValues
{
    public static void AssertMatches(string id, string key, JsonElement stated, ModbusReading reading, byte[] response)
    {
        var pack = reading.Pack;
        var stack = reading.Stack;
        bool isStack = id == "seplosv3-sg16-eia";
        var values = isStack ? stack! : pack;
        string because = $"{id}: {key}";
        switch (key)
        {
            case "pack_voltage_V": Equal(stated, values.VoltageVolts, because); break;
            case "current_A": Equal(stated, values.CurrentAmperes, because); break;
            case "remaining_Ah": Equal(stated, values.RemainingAmpHours, because); break;
            case "total_capacity_Ah" or "full_capacity_Ah": Equal(stated, values.FullAmpHours, because); break;
            case "full_capacity_raw_mAs": Equal(stated, values.FullAmpHours * 3_600_000, because); break;
            case "rated_capacity_Ah" or "design_capacity_Ah": Equal(stated, values.DesignAmpHours, because); break;
            case "cycles": Equal(stated, values.CycleCount, because); break;
            case "soc_pct": Equal(stated, values.StateOfChargeRatio * 100, because); break;
            case "soh_pct": Equal(stated, values.StateOfHealthRatio * 100, because); break;
            case "pack_count": Equal(stated, values.PackCount, because); break;
            case "total_discharge_Ah": Equal(stated, Named(values, "total_discharged_amp_hours"), because); break;
            case "max_discharge_A": Equal(stated, Named(values, "max_discharge_current_amperes"), because); break;
            case "max_charge_A": Equal(stated, Named(values, "max_charge_current_amperes"), because); break;
            case "max_charge_current_A": Equal(stated, Named(values, "max_charge_current_amperes"), because); break;
            case "suggest_ov_V": Equal(stated, Named(values, "suggested_max_voltage_volts"), because); break;
            case "suggest_uv_V": Equal(stated, Named(values, "suggested_min_voltage_volts"), because); break;
            case "online_pack_bits": Equal(stated, Status(values, "online_packs"), because); break;
            case "protected_pack_bits": Equal(stated, Status(values, "protected_packs"), because); break;
            case "avg_cell_mV": Equal(stated, Named(values, "average_cell_voltage_volts") * 1000, because); break;
            case "max_cell_mV": Equal(stated, Named(values, "max_cell_voltage_volts") * 1000, because); break;
            case "min_cell_mV": Equal(stated, Named(values, "min_cell_voltage_volts") * 1000, because); break;
            case "avg_cell_temp_C": Equal(stated, Named(values, "average_cell_temperature_celsius"), because); break;
            case "max_cell_temp_C": Equal(stated, Named(values, "max_cell_temperature_celsius"), because); break;
            case "min_cell_temp_C": Equal(stated, Named(values, "min_cell_temperature_celsius"), because); break;
            case "cell_mV": Sequence(stated, values.CellVoltagesVolts!.Value.Select(v => v * 1000), because); break;
            case "cell_count": Equal(stated, values.CellVoltagesVolts!.Value.Length, because); Equal(stated, Named(values, "declared_cell_count"), because); break;

            // EG4: sensors 1-6 of registers 33-35 come first, the PCB sensor (register 18) last; sensors 5 and 6
            // read 0 where none is fitted, which is no reading (MODBUS.md section 2).
            case "sensor_temps_C":
            {
                var temps = values.TemperaturesCelsius!.Value;
                var statedTemps = stated.EnumerateArray().Select(e => e.GetDouble()).ToArray();
                Assert.Equal(6, statedTemps.Length);
                Assert.Equal(statedTemps[..4], temps[..4]);
                Assert.Equal([0, 0], statedTemps[4..]);
                Assert.True(double.IsNaN(temps[4]) && double.IsNaN(temps[5]), because);
                break;
            }

            case "pcb_temp_C": Equal(stated, values.TemperaturesCelsius!.Value[6], because); break;
            case "reg19_temp_C": Equal(stated, Named(values, "register_19_temperature_celsius"), because); break;
            case "reg20_temp_C": Equal(stated, Named(values, "register_20_temperature_celsius"), because); break;
            case "status_raw": Equal(stated, Status(values, "status"), because); break;
            case "status_text":
                // "charging (bit15 clear)"
                Assert.Equal(1, Status(values, "status") & 0x8001);
                break;
            case "warning_raw": Equal(stated, Status(values, "warning"), because); break;
            case "protection_raw": Equal(stated, Status(values, "protection"), because); break;
            case "error_raw": Equal(stated, Status(values, "error"), because); break;
            case "balance_bits": Equal(stated, Status(values, "balance"), because); Assert.Empty(values.BalancingCells!); break;

            // Seplos PIB: cell sensors 1-4, four unused slots (2731 = 0 C) that are no reading, ambient, power.
            case "cell_temps_C": Sequence(stated, values.TemperaturesCelsius!.Value.Take(4), because); break;
            case "unused_temp_slots_raw":
                Assert.All(stated.EnumerateArray(), e => Assert.Equal(2731, e.GetInt32()));
                Assert.All(values.TemperaturesCelsius!.Value.Skip(4).Take(4), t => Assert.True(double.IsNaN(t), because));
                break;
            case "ambient_C": Equal(stated, values.TemperaturesCelsius!.Value[8], because); break;
            case "power_C": Equal(stated, values.TemperaturesCelsius!.Value[9], because); break;

            case "model": Assert.Equal(stated.GetString(), values.DeviceName); break;
            case "firmware": Assert.Equal(stated.GetString(), values.SoftwareVersion); break;
            case "serial": Assert.Equal(stated.GetString(), values.BmsSerial); break;

            // Seplos EIC: the bank's copy of PIC bytes 8-17.
            case "byte_count": Equal(stated, response[2], because); Assert.Equal(10, stack!.Status.Count); break;
            case "system_state_byte": Assert.StartsWith(ModbusVectors.Hex((byte)Status(stack!, "system_state")), stated.GetString(), StringComparison.Ordinal); break;
            case "fet_byte": Assert.StartsWith(ModbusVectors.Hex((byte)Status(stack!, "fet_state")), stated.GetString(), StringComparison.Ordinal); break;
            case "other_bytes_zero":
                Assert.True(stated.GetBoolean());
                Assert.All(stack!.Status.Where(s => s.Name is not ("system_state" or "fet_state")), s => Assert.Equal(0, s.Value));
                break;
            default:
                Assert.Fail($"{because}: no rule compares this stated value");
                break;
        }
    }

    private static double Named(ModbusValues values, string name) => values.DialectValues.Single(v => v.Name == name).Value;

    private static long Status(ModbusValues values, string name) => values.Status.Single(s => s.Name == name).Value;

    private static void Equal(JsonElement stated, double? actual, string because)
    {
        Assert.True(actual is not null, $"{because}: not decoded");
        double expected = stated.GetDouble();
        Assert.True(Math.Abs(expected - actual!.Value) < 1e-6, $"{because}: stated {expected}, decoded {actual}");
    }

    private static void Sequence(JsonElement stated, IEnumerable<double> actual, string because)
    {
        var expected = stated.EnumerateArray().Select(e => e.GetDouble()).ToArray();
        var decoded = actual.ToArray();
        Assert.Equal(expected.Length, decoded.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - decoded[i]) < 1e-6, $"{because}[{i}]: stated {expected[i]}, decoded {decoded[i]}");
        }
    }
}
