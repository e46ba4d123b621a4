using BmsPace.Protocol.Commands;
using BmsPace.Protocol.Framing;
using BmsPace.Protocol.Modbus;

namespace BmsPace.Protocol.Tests.Modbus;

/// <summary>Only functions 0x01, 0x03 and 0x04 can ever be built, for every family (MODBUS.md section 0).</summary>
public sealed class ReadOnlyRequestTests
{
    public static TheoryData<string> Families => new() { "eg4_ll", "seplos_v3", "pace_modbus" };

    public static TheoryData<string> WriteExamples => ModbusVectors.Ids(v => v.IsWriteExample()).AsTheoryData();

    private static ModbusDialect DialectOf(string family) =>
        ModbusVectors.All.First(v => v.Text("family") == family).Dialect();

    [Fact]
    public void Every_write_example_of_the_vectors_is_refused_by_the_one_constructor_of_a_request()
    {
        var writes = ModbusVectors.All.Where(v => v.IsWriteExample()).ToArray();
        Assert.NotEmpty(writes);
        foreach (var write in writes)
        {
            var failure = Assert.Throws<ArgumentException>(() => new ModbusRead(
                (byte)write.Int("slave"), (byte)write.Int("function"), write.Int("start_register"), write.Int("count")));
            Assert.Contains("is not a read", failure.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void Every_request_a_family_makes_is_a_read_for_every_slave_and_never_a_write_example(string family)
    {
        var dialect = DialectOf(family);
        var writeFrames = ModbusVectors.All.Where(v => v.IsWriteExample()).Select(v => Convert.ToHexString(v.Bytes("request_hex")!)).ToHashSet();
        int built = 0;
        for (int slave = 0; slave <= 255; slave++)
        {
            foreach (var kind in Enum.GetValues<CommandKind>())
            {
                foreach (var request in dialect.RequestsFor(kind, (byte)slave).Concat(dialect.Blocks.Where(b => b.Stack && b.Kind == kind).Select(b => b.ToRequest((byte)slave))))
                {
                    byte[] bytes = request.ToBytes();
                    Assert.Contains(bytes[1], new byte[] { 0x01, 0x03, 0x04 });
                    Assert.Equal(ModbusRead.FrameLength, bytes.Length);
                    Assert.DoesNotContain(Convert.ToHexString(bytes), writeFrames);
                    Assert.Equal(request, ModbusRead.Parse(bytes));
                    built++;
                }
            }
        }

        Assert.True(built >= 256 * 2);
    }

    [Theory]
    [MemberData(nameof(WriteExamples))]
    public void A_write_example_is_no_request_at_all_not_even_when_captured(string id)
    {
        var write = ModbusVectors.ById(id);
        var failure = Assert.Throws<PaceProtocolException>(() => ModbusRead.Parse(write.Bytes("request_hex")!));
        Assert.Equal(FrameError.Decode, failure.Error);
        Assert.Contains("is not a read request", failure.Detail, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new ModbusRead((byte)write.Int("slave"), (byte)write.Int("function"), write.Int("start_register"), write.Int("count")));
    }

    [Theory]
    [InlineData(0x05)]
    [InlineData(0x06)]
    [InlineData(0x0F)]
    [InlineData(0x10)]
    [InlineData(0x02)]
    [InlineData(0x17)]
    [InlineData(0x2B)]
    public void No_function_but_the_three_reads_can_be_built(byte function)
    {
        Assert.Throws<ArgumentException>(() => new ModbusRead(1, function, 0, 1));
    }

    [Fact]
    public void The_request_bytes_are_the_vendor_tool_captures_byte_for_byte()
    {
        // Requests captured from the EG4 PC tool and the ESPHome PACE component (modbus-vectors.json).
        foreach (var vector in ModbusVectors.All.Where(v => v.Text("response_hex") is null && !v.IsWriteExample()))
        {
            var request = new ModbusRead((byte)vector.Int("slave"), (byte)vector.Int("function"), vector.Int("start_register"), vector.Int("count"));
            Assert.Equal(vector.Text("request_hex"), Convert.ToHexString(request.ToBytes()));
        }
    }

    [Fact]
    public void A_family_reads_nothing_outside_its_own_blocks()
    {
        var eg4 = DialectOf("eg4_ll");
        Assert.False(eg4.Reads(new ModbusRead(1, 0x04, 0, 39)));
        Assert.False(eg4.Reads(new ModbusRead(1, 0x03, 45, 60)));
        Assert.True(eg4.Reads(new ModbusRead(1, 0x03, 0, 39)));
        var seplos = DialectOf("seplos_v3");
        Assert.False(seplos.Reads(new ModbusRead(0, 0x04, 0x1300, 0x68)));
        Assert.False(seplos.Reads(new ModbusRead(0, 0x01, 0x1400, 0x500)));
    }
}
