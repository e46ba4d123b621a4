using System.Buffers;
using BmsPace.Protocol.Framing;
using BmsPace.Protocol.Modbus;

namespace BmsPace.Protocol.Wire;

/// <summary>
/// The Modbus RTU wire format (MODBUS.md section 0): binary frames with a CRC-16 and no start or end marker, so a
/// reply is cut by what its request tells (slave, function, byte count; or the 5-byte exception reply), and a request
/// by its function (<see cref="ModbusFraming"/>).
/// </summary>
public sealed class ModbusRtuWire : IWireFormat
{
    private ModbusRtuWire()
    {
    }

    public static ModbusRtuWire Instance { get; } = new();

    public string Name => "modbus-rtu";

    /// <summary>Slave, function, byte count, 255 data bytes, CRC.</summary>
    public int MaxFrameLength => 5 + 255;

    public bool TryCutReply(ref ReadOnlySequence<byte> buffer, ReadOnlySpan<byte> request, out ReadOnlySequence<byte> frame)
    {
        frame = default;
        ModbusRead read;
        try
        {
            read = ModbusRead.Parse(request);
        }
        catch (PaceProtocolException)
        {
            // Without a read request there is no telling where a reply ends (probe's listening): keep the bytes.
            return false;
        }

        return Cut(ref buffer, ModbusFraming.CutReply(buffer.IsSingleSegment ? buffer.FirstSpan : buffer.ToArray(), read), out frame);
    }

    public bool TryCutRequest(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> frame) =>
        Cut(ref buffer, ModbusFraming.CutRequest(buffer.IsSingleSegment ? buffer.FirstSpan : buffer.ToArray()), out frame);

    public bool IsEchoOf(ReadOnlySpan<byte> frame, ReadOnlySpan<byte> request) => frame.SequenceEqual(request);

    public string Describe(ReadOnlySpan<byte> bytes) => Convert.ToHexString(bytes);

    private static bool Cut(ref ReadOnlySequence<byte> buffer, ModbusCut cut, out ReadOnlySequence<byte> frame)
    {
        buffer = buffer.Slice(cut.Skip);
        if (!cut.Complete)
        {
            frame = default;
            return false;
        }

        frame = buffer.Slice(0, cut.Length);
        buffer = buffer.Slice(cut.Length);
        return true;
    }
}
