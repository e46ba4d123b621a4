namespace BmsPace.Protocol.Modbus;

/// <summary>
/// What one simulated Modbus slave holds: blocks of registers (functions 0x03 / 0x04) and of coils (0x01), as a
/// family's document lays them out. It answers a read inside one block with the data, a read of a function it does
/// not serve with exception 01 and a read outside its blocks with exception 02, as the Seplos capture shows a real
/// board doing (modbus-vectors.json, EIB and SFA).
/// </summary>
public sealed class RegisterImage
{
    private readonly List<(ModbusFunction Function, int Start, ushort[] Words)> _registers = [];
    private readonly List<(int Start, bool[] Coils)> _coils = [];

    /// <summary>A block of registers read with <paramref name="function"/>, from <paramref name="start"/>.</summary>
    public RegisterImage Registers(ModbusFunction function, int start, ushort[] words)
    {
        _registers.Add((function, start, words));
        return this;
    }

    /// <summary>A block of coils from <paramref name="start"/>, given as bytes (coil start + 8k + i = bit i of byte k).</summary>
    public RegisterImage Coils(int start, byte[] bytes)
    {
        _coils.Add((start, [.. Enumerable.Range(0, 8 * bytes.Length).Select(i => ((bytes[i / 8] >> (i % 8)) & 1) != 0)]));
        return this;
    }

    public byte[] Answer(ModbusRead request)
    {
        ArgumentNullException.ThrowIfNull(request);
        byte function = (byte)request.Function;
        if (request.Function == ModbusFunction.ReadCoils)
        {
            if (_coils.Count == 0)
            {
                return ModbusFraming.Exception(request.Slave, function, 0x01);
            }

            foreach (var (start, coils) in _coils)
            {
                if (request.Start >= start && request.End <= start + coils.Length)
                {
                    var data = new byte[request.ReplyDataBytes];
                    for (int i = 0; i < request.Count; i++)
                    {
                        if (coils[request.Start - start + i])
                        {
                            data[i / 8] |= (byte)(1 << (i % 8));
                        }
                    }

                    return ModbusFraming.Reply(request.Slave, request.Function, data);
                }
            }

            return ModbusFraming.Exception(request.Slave, function, 0x02);
        }

        if (!_registers.Any(r => r.Function == request.Function))
        {
            return ModbusFraming.Exception(request.Slave, function, 0x01);
        }

        foreach (var (served, start, words) in _registers)
        {
            if (served == request.Function && request.Start >= start && request.End <= start + words.Length)
            {
                var data = new byte[request.ReplyDataBytes];
                for (int i = 0; i < request.Count; i++)
                {
                    ushort word = words[request.Start - start + i];
                    data[2 * i] = (byte)(word >> 8);
                    data[2 * i + 1] = (byte)word;
                }

                return ModbusFraming.Reply(request.Slave, request.Function, data);
            }
        }

        return ModbusFraming.Exception(request.Slave, function, 0x02);
    }

    /// <summary>Text in registers, two characters each, high byte first, NUL padded.</summary>
    public static void Text(ushort[] words, int offset, int count, string text)
    {
        ArgumentNullException.ThrowIfNull(words);
        ArgumentNullException.ThrowIfNull(text);
        for (int i = 0; i < count; i++)
        {
            int high = 2 * i < text.Length ? text[2 * i] : 0;
            int low = 2 * i + 1 < text.Length ? text[2 * i + 1] : 0;
            words[offset + i] = (ushort)((high << 8) | low);
        }
    }

    /// <summary>Up to <paramref name="count"/> of <paramref name="values"/>, one register each from <paramref name="offset"/>.</summary>
    public static void Words(ushort[] words, int offset, IReadOnlyList<int> values, int count)
    {
        ArgumentNullException.ThrowIfNull(words);
        ArgumentNullException.ThrowIfNull(values);
        for (int i = 0; i < Math.Min(count, values.Count); i++)
        {
            words[offset + i] = (ushort)values[i];
        }
    }

    public static ushort Signed(int value) => unchecked((ushort)(short)Math.Clamp(value, short.MinValue, short.MaxValue));

    public static int Round(double value) => (int)Math.Round(value, MidpointRounding.AwayFromZero);
}
