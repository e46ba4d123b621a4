using System.Globalization;
using BmsPace.Protocol.Framing;

namespace BmsPace.Protocol.Modbus;

/// <summary>The only Modbus functions BmsPace can build: reads (MODBUS.md section 0, read-only rule).</summary>
public enum ModbusFunction : byte
{
    ReadCoils = 0x01,
    ReadHoldingRegisters = 0x03,
    ReadInputRegisters = 0x04,
}

/// <summary>
/// One Modbus RTU read request: slave, read function, start (0-based wire address) and count (registers, or coils for
/// function 0x01). The constructor is the one door to the wire: a function that is not a read, or a count the
/// protocol does not allow, cannot become a request, so no write can ever be sent.
/// </summary>
public sealed record ModbusRead
{
    /// <summary>The most registers one read may ask for (Modbus application protocol; the PACE document says so too).</summary>
    public const int MaxRegisters = 125;

    /// <summary>The most coils one read may ask for.</summary>
    public const int MaxCoils = 2000;

    /// <summary>Length of every read request on the wire: slave, function, start, count, CRC.</summary>
    public const int FrameLength = 8;

    /// <exception cref="ArgumentException">The function is not a read, or the count is out of range.</exception>
    public ModbusRead(byte slave, byte function, int start, int count)
    {
        if (!IsRead(function))
        {
            throw new ArgumentException(
                $"function 0x{function:X2} is not a read: only 0x01, 0x03 and 0x04 are ever built", nameof(function));
        }

        int max = function == (byte)ModbusFunction.ReadCoils ? MaxCoils : MaxRegisters;
        if (count < 1 || count > max)
        {
            throw new ArgumentException($"count {count} is outside 1..{max} for function 0x{function:X2}", nameof(count));
        }

        if (start < 0 || start + count > 0x10000)
        {
            throw new ArgumentException($"registers {start}..{start + count - 1} are outside 0..65535", nameof(start));
        }

        Slave = slave;
        Function = (ModbusFunction)function;
        Start = start;
        Count = count;
    }

    public byte Slave { get; }

    public ModbusFunction Function { get; }

    public int Start { get; }

    public int Count { get; }

    /// <summary>One past the last register (or coil) read.</summary>
    public int End => Start + Count;

    /// <summary>The data bytes a normal reply carries: two per register, one per eight coils.</summary>
    public int ReplyDataBytes => Function == ModbusFunction.ReadCoils ? (Count + 7) / 8 : 2 * Count;

    /// <summary>The length of a normal reply on the wire: slave, function, byte count, data, CRC.</summary>
    public int ReplyLength => 3 + ReplyDataBytes + 2;

    public static bool IsRead(byte function) => function is 0x01 or 0x03 or 0x04;

    public byte[] ToBytes() => ModbusCrc.Append(
        [Slave, (byte)Function, (byte)(Start >> 8), (byte)Start, (byte)(Count >> 8), (byte)Count]);

    /// <summary>A captured request (for <c>decode --request</c> and the simulator), refused unless it is a read.</summary>
    /// <exception cref="PaceProtocolException">
    /// <see cref="FrameError.Length"/> when it is not 8 bytes, <see cref="FrameError.Checksum"/> on a CRC failure,
    /// <see cref="FrameError.Decode"/> when the function is not a read or the count is out of range.
    /// </exception>
    public static ModbusRead Parse(ReadOnlySpan<byte> frame)
    {
        if (frame.Length >= 2 && !IsRead(frame[1]))
        {
            throw new PaceProtocolException(FrameError.Decode,
                $"function 0x{frame[1]:X2} is not a read request (only 0x01, 0x03 and 0x04 are read)");
        }

        if (frame.Length != FrameLength)
        {
            throw new PaceProtocolException(FrameError.Length, $"a read request is {FrameLength} bytes, {frame.Length} given");
        }

        if (!ModbusCrc.Holds(frame))
        {
            throw new PaceProtocolException(FrameError.Checksum,
                $"request CRC {frame[^2]:X2}{frame[^1]:X2} does not match the bytes before it");
        }

        try
        {
            return new ModbusRead(frame[0], frame[1], (frame[2] << 8) | frame[3], (frame[4] << 8) | frame[5]);
        }
        catch (ArgumentException ex)
        {
            throw new PaceProtocolException(FrameError.Decode, ex.Message);
        }
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"slave {Slave} function 0x{(byte)Function:X2} start {Start} (0x{Start:X4}) count {Count}");
}
