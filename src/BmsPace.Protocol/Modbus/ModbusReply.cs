using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using BmsPace.Protocol.Dialects;

namespace BmsPace.Protocol.Modbus;

/// <summary>
/// A reply that passed <see cref="ModbusFraming.Validate"/>, with its request: the data addressed by register (or
/// coil) number, so a register map reads the same whichever block the reply came in.
/// </summary>
public sealed record ModbusReply : DialectReply
{
    public ModbusReply(ModbusRead request, ImmutableArray<byte> data)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (data.Length != request.ReplyDataBytes)
        {
            throw new ArgumentException($"{data.Length} data bytes for a request that needs {request.ReplyDataBytes}", nameof(data));
        }

        Request = request;
        Data = data;
    }

    public ModbusRead Request { get; }

    public ImmutableArray<byte> Data { get; }

    public byte Slave => Request.Slave;

    public override byte Address => Slave;

    public override ImmutableArray<byte> Payload => Data;

    public override string DescribeHeader() => string.Create(CultureInfo.InvariantCulture, $"Modbus RTU, slave {Slave}, function 0x{(byte)Function:X2}");

    public ModbusFunction Function => Request.Function;

    /// <summary>Whether this reply holds <paramref name="count"/> registers (or coils) from <paramref name="start"/> read with <paramref name="function"/>.</summary>
    public bool Holds(ModbusFunction function, int start, int count) =>
        function == Function && start >= Request.Start && start + count <= Request.End;

    public ushort Word(int register)
    {
        int offset = RegisterOffset(register, 1);
        return (ushort)((Data[offset] << 8) | Data[offset + 1]);
    }

    public short SignedWord(int register) => unchecked((short)Word(register));

    /// <summary>Two registers, the first one the high word (EG4's cycles and full capacity).</summary>
    public uint HighWordFirst(int register) => ((uint)Word(register) << 16) | Word(register + 1);

    /// <summary>Two registers, the first one the low word (Seplos V3's bank values, MODBUS.md section 3).</summary>
    public uint LowWordFirst(int register) => Word(register) | ((uint)Word(register + 1) << 16);

    /// <summary>Whether every register of the range reads 0.</summary>
    public bool AllZero(int register, int count)
    {
        for (int r = register; r < register + count; r++)
        {
            if (Word(r) != 0)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The byte of coils <paramref name="coil"/> .. +7 (coil <paramref name="coil"/> in bit 0).</summary>
    public byte CoilByte(int coil)
    {
        if (Function != ModbusFunction.ReadCoils || coil < Request.Start || coil + 8 > Request.Start + 8 * Data.Length || (coil - Request.Start) % 8 != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(coil), coil, $"not a coil byte of {Request}");
        }

        return Data[(coil - Request.Start) / 8];
    }

    /// <summary>
    /// Registers as text, two characters each, high byte first; the text ends at the first NUL or 0xFF (MODBUS.md
    /// PACE quirk b: strings are padded with either) and keeps printable ASCII only.
    /// </summary>
    public string Ascii(int register, int count)
    {
        int offset = RegisterOffset(register, count);
        var text = new StringBuilder(2 * count);
        foreach (byte b in Data.AsSpan(offset, 2 * count))
        {
            if (b is 0x00 or 0xFF)
            {
                break;
            }

            text.Append(b is >= 0x20 and < 0x7F ? (char)b : '?');
        }

        return text.ToString().Trim();
    }

    private int RegisterOffset(int register, int count)
    {
        if (Function == ModbusFunction.ReadCoils || register < Request.Start || register + count > Request.End)
        {
            throw new ArgumentOutOfRangeException(nameof(register), register, $"not in the registers of {Request}");
        }

        return 2 * (register - Request.Start);
    }
}
