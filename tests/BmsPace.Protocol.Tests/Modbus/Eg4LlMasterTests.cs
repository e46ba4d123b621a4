using BmsPace.Protocol.Dialects.Eg4Ll;
using BmsPace.Protocol.Framing;
using BmsPace.Protocol.Modbus;
using BmsPace.Protocol.Readings;

namespace BmsPace.Protocol.Tests.Modbus;

/// <summary>
/// An EG4 LL v2 / WallMount bank master answers registers 0-18 with zeros and the bank summary in 19-38 (MODBUS.md
/// section 2, from pylxpweb's firmware study and the eg4_web_monitor#176 dump: SOC 59 % = 498 / 840 Ah).
/// </summary>
public sealed class Eg4LlMasterTests
{
    private static readonly Eg4LlDialect Dialect = new();

    /// <summary>Registers 0-38 of a master as the master map describes them.</summary>
    private static ModbusReply MasterReply(int soc, int remainingCentiAh, int fullCentiAh)
    {
        var registers = new int[39];
        registers[19] = 0b110_0000; // both FETs on
        registers[21] = soc;
        registers[22] = 5310;
        registers[23] = unchecked((ushort)-1234);
        registers[24] = 27;
        registers[26] = remainingCentiAh % 65536;
        registers[27] = fullCentiAh % 65536;
        registers[30] = 120;
        registers[37] = 3350;
        registers[38] = 3320;
        byte[] data = [.. registers.SelectMany(r => new[] { (byte)(r >> 8), (byte)r })];
        var request = Dialect.RequestsFor(Commands.CommandKind.Analog, 1).Single();
        return Dialect.Validate(ModbusFraming.Reply(1, ModbusFunction.ReadHoldingRegisters, data), request);
    }

    [Fact]
    public void A_master_is_read_as_the_stack_summary_and_never_as_a_pack_of_zero_volts()
    {
        var reply = MasterReply(59, 49800, 84000);
        var reading = Dialect.DecodeAnalog([reply]);
        Assert.Empty(reading.Packs);
        Assert.Empty(Dialect.DecodeAlarm([reply]).Packs);
        var stack = reading.Stack!;
        Assert.Equal(0.59, stack.StateOfChargeRatio);
        Assert.Equal(53.10, stack.VoltageVolts);
        Assert.Equal(-12.34, stack.CurrentAmperes);
        Assert.Equal(-655.254, stack.PowerWatts);
        Assert.Null(stack.RemainingAmpHours);
        Assert.Null(stack.FullAmpHours);
        Assert.Equal(
            [new DialectValue("max_temperature_celsius", 27), new("remaining_amp_hours_wrapped", 498), new("full_amp_hours_wrapped", 184.64),
             new("max_cycle_count", 120), new("max_cell_voltage_volts", 3.35), new("min_cell_voltage_volts", 3.32)],
            stack.DialectValues.ToArray());
        Assert.Equal(0b110_0000, stack.Status.Single(s => s.Name == "status").Value);
        // A master's summary is no pack: detection does not take it for one.
        Assert.False(Dialect.Explains([reply], Commands.CommandKind.Analog, 1));

        // Three 280 Ah packs read at their own addresses in the same cycle say how often the bank values wrapped.
        var vector = ModbusVectors.ById("eg4ll-wombatt-test-basic-id2");
        var packReply = Dialect.Validate(vector.Bytes("response_hex"), ModbusRead.Parse(vector.Bytes("request_hex")!));
        var pack = Assert.Single(Dialect.DecodeAnalog([packReply]).Packs) with { FullAmpHours = 280 };
        var completed = Dialect.CompleteStack(stack, [pack, pack with { Pack = 3 }, pack with { Pack = 4 }]);
        Assert.Equal((498.0, 840.0), (completed.RemainingAmpHours, completed.FullAmpHours));
        // Without the packs nothing tells the wrap count: no capacity rather than a wrong one.
        Assert.Same(stack, Dialect.CompleteStack(stack, []));
    }

    [Theory]
    [InlineData(498.0, 184.64, 0.59, 840.0, 498.0, 840.0)]
    [InlineData(498.0, 184.64, 0.59, 800.0, 498.0, 840.0)]
    [InlineData(50.0, 100.0, 0.50, 98.0, 50.0, 100.0)]
    [InlineData(646.64, 89.28, 0.93, 5 * 280.0, 1302.0, 1400.0)]
    [InlineData(498.0, 184.64, 0.80, 840.0, null, null)]
    [InlineData(498.0, 184.64, 0.59, 0.0, null, null)]
    public void The_bank_capacities_are_unwrapped_with_the_packs_full_capacity_and_checked_against_the_bank_soc(
        double remaining, double full, double soc, double estimate, double? expectedRemaining, double? expectedFull)
    {
        var unwrapped = Eg4LlDialect.UnwrapBank(remaining, full, soc, estimate);
        Assert.Equal(expectedRemaining, unwrapped?.Remaining);
        Assert.Equal(expectedFull, unwrapped?.Full);
    }

    [Fact]
    public void A_pack_reply_decodes_to_an_analog_pack_and_an_alarm_pack_with_the_eg4_flag_names()
    {
        var vector = ModbusVectors.ById("eg4ll-wombatt-test-basic-id2");
        var request = ModbusRead.Parse(vector.Bytes("request_hex")!);
        var reply = Dialect.Validate(vector.Bytes("response_hex"), request);
        var pack = Assert.Single(Dialect.DecodeAnalog([reply]).Packs);
        Assert.Equal((2, 16, 7), (pack.Pack, pack.CellCount, pack.TemperatureCount));
        Assert.Equal(0.97, pack.StateOfChargeRatio);
        Assert.Equal(0.97, pack.StateOfChargeCalculatedRatio);
        Assert.Equal(TemperatureRole.Mosfet, pack.RoleOfSensor(6));
        var alarm = Assert.Single(Dialect.DecodeAlarm([reply]).Packs);
        Assert.Equal(["charging"], alarm.ActiveFlags(FlagFamily.Status).ToArray());
        Assert.Empty(alarm.ActiveFlags(FlagFamily.Protection));
        Assert.Same(Dialect.Flags.Single(f => f.Name == "charging").Field, "status");
    }
}
