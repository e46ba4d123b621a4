using BmsPace.Protocol.Framing;
using BmsPace.Protocol.Modbus;

namespace BmsPace.Protocol.Tests.Modbus;

/// <summary>Cutting Modbus RTU frames by what the request tells, and the failure reasons of METRICS.md.</summary>
public sealed class ModbusFramingTests
{
    private static readonly ModbusRead Live = ModbusRead.Parse(Convert.FromHexString("02030000002705E3"));

    private static byte[] RealReply => ModbusVectors.ById("eg4ll-wombatt-test-basic-id2").Bytes("response_hex")!;

    [Fact]
    public void The_crc_of_the_published_requests_is_crc16_modbus_low_byte_first()
    {
        Assert.Equal(0xD005, ModbusCrc.Compute(Convert.FromHexString("010300000027")));
        Assert.True(ModbusCrc.Holds(Convert.FromHexString("01030000002705D0")));
        Assert.False(ModbusCrc.Holds(Convert.FromHexString("010300000027D005")));
    }

    [Fact]
    public void Line_noise_before_the_reply_is_skipped_and_a_reply_split_anywhere_waits_for_the_rest()
    {
        byte[] noisy = [0x00, 0xFF, 0x13, .. RealReply, 0x55];
        var cut = ModbusFraming.CutReply(noisy, Live);
        Assert.Equal(new ModbusCut(3, RealReply.Length), cut);
        for (int length = 1; length < RealReply.Length; length++)
        {
            Assert.False(ModbusFraming.CutReply(RealReply.AsSpan(0, length), Live).Complete, $"{length} bytes");
        }
    }

    [Fact]
    public void An_echo_of_the_request_is_cut_whole_so_it_can_be_discarded_and_the_reply_after_it_found()
    {
        byte[] request = Live.ToBytes();
        for (int length = 1; length < request.Length; length++)
        {
            Assert.False(ModbusFraming.CutReply(request.AsSpan(0, length), Live).Complete);
        }

        byte[] both = [.. request, .. RealReply];
        var echo = ModbusFraming.CutReply(both, Live);
        Assert.Equal(new ModbusCut(0, 8), echo);
        Assert.Equal(FrameError.Echo, Assert.Throws<PaceProtocolException>(() => ModbusFraming.Validate(both.AsSpan(0, 8), Live)).Error);
        Assert.Equal(new ModbusCut(0, RealReply.Length), ModbusFraming.CutReply(both.AsSpan(8), Live));
    }

    [Fact]
    public void A_crc_failure_is_checksum_and_is_cut_so_it_is_not_mistaken_for_silence()
    {
        byte[] damaged = RealReply;
        damaged[10] ^= 0x01;
        Assert.Equal(new ModbusCut(0, damaged.Length), ModbusFraming.CutReply(damaged, Live));
        Assert.Equal(FrameError.Checksum, Assert.Throws<PaceProtocolException>(() => ModbusFraming.Validate(damaged, Live)).Error);
    }

    [Fact]
    public void A_byte_count_the_request_does_not_explain_is_length()
    {
        // A valid frame carrying 38 registers for a request of 39.
        byte[] shorter = ModbusFraming.Reply(2, ModbusFunction.ReadHoldingRegisters, RealReply.AsSpan(3, 76));
        Assert.Equal(new ModbusCut(0, shorter.Length), ModbusFraming.CutReply(shorter, Live));
        var failure = Assert.Throws<PaceProtocolException>(() => ModbusFraming.Validate(shorter, Live));
        Assert.Equal(FrameError.Length, failure.Error);
        Assert.Contains("byte count 76", failure.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void An_exception_reply_is_rtn_with_its_code_and_meaning()
    {
        byte[] exception = ModbusFraming.Exception(2, 0x03, 0x02);
        Assert.Equal(new ModbusCut(0, 5), ModbusFraming.CutReply(exception, Live));
        var failure = Assert.Throws<PaceProtocolException>(() => ModbusFraming.Validate(exception, Live));
        Assert.Equal((FrameError.Rtn, (byte?)0x02), (failure.Error, failure.ReturnCode));
        Assert.Contains("illegal data address", failure.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Another_slave_answering_is_wrong_address_and_a_short_frame_is_truncated()
    {
        byte[] other = [0x03, .. RealReply[1..^2]];
        other = ModbusCrc.Append(other);
        Assert.Equal(FrameError.WrongAddress, Assert.Throws<PaceProtocolException>(() => ModbusFraming.Validate(other, Live)).Error);
        Assert.Equal(FrameError.Truncated, Assert.Throws<PaceProtocolException>(() => ModbusFraming.Validate(RealReply.AsSpan(0, 40), Live)).Error);
    }

    [Fact]
    public void A_request_stream_is_cut_into_requests_skipping_bytes_whose_crc_fails()
    {
        byte[] read = Live.ToBytes();
        byte[] write = ModbusVectors.ById("eg4ll-mbbush-write-multiple-NEVER-SEND").Bytes("request_hex")!;
        byte[] stream = [0x7E, 0x02, .. read, .. write];
        var first = ModbusFraming.CutRequest(stream);
        Assert.Equal(new ModbusCut(2, 8), first);
        var second = ModbusFraming.CutRequest(stream.AsSpan(10));
        Assert.Equal(new ModbusCut(0, write.Length), second);
        Assert.False(ModbusFraming.CutRequest(read.AsSpan(0, 7)).Complete);
    }
}
