using BmsPace.Protocol.Framing;

namespace BmsPace.Protocol.Modbus;

/// <summary>What <see cref="ModbusFraming.CutReply"/> found at the front of a buffer.</summary>
/// <param name="Skip">Bytes before the frame that belong to no frame (line noise); drop them.</param>
/// <param name="Length">Length of the frame after <see cref="Skip"/>, or 0 when more bytes are needed.</param>
public readonly record struct ModbusCut(int Skip, int Length)
{
    public bool Complete => Length > 0;
}

/// <summary>
/// Modbus RTU framing (MODBUS.md section 0). RTU has no start or end marker, so a frame is cut by what the request
/// tells: the reply to a read starts with the slave and function asked, then the byte count, data and CRC; an
/// exception reply is slave, function | 0x80, code and CRC. A converter echo of the request is cut as its 8 bytes,
/// so the caller can recognise and discard it.
/// </summary>
public static class ModbusFraming
{
    /// <summary>Slave, function, code, CRC.</summary>
    public const int ExceptionLength = 5;

    /// <summary>Slave, function, byte count with no data, CRC: no reply is shorter than this or an exception.</summary>
    private const int HeaderAndCrc = 5;

    /// <summary>
    /// Cuts the reply to <paramref name="request"/> from the front of <paramref name="buffer"/>: noise before a
    /// plausible header is skipped; a header whose frame is complete but fails its CRC is still cut when it names the
    /// slave asked (so the failure is reported as <c>checksum</c>, not as a timeout).
    /// </summary>
    public static ModbusCut CutReply(ReadOnlySpan<byte> buffer, ModbusRead request)
    {
        ArgumentNullException.ThrowIfNull(request);
        Span<byte> requestBytes = stackalloc byte[ModbusRead.FrameLength];
        request.ToBytes().CopyTo(requestBytes);
        byte function = (byte)request.Function;
        for (int start = 0; start < buffer.Length; start++)
        {
            var rest = buffer[start..];
            if (rest.Length >= ModbusRead.FrameLength && rest[..ModbusRead.FrameLength].SequenceEqual(requestBytes))
            {
                return new ModbusCut(start, ModbusRead.FrameLength);
            }

            int length = CandidateLength(rest, function);
            if (length < 0)
            {
                continue;
            }

            bool prefixOfEcho = requestBytes.StartsWith(rest[..Math.Min(rest.Length, ModbusRead.FrameLength)]);
            if (length == 0 || rest.Length < length)
            {
                // Could still become the reply (or the echo): wait for more.
                return new ModbusCut(start, 0);
            }

            if (ModbusCrc.Holds(rest[..length]))
            {
                return new ModbusCut(start, length);
            }

            if (prefixOfEcho)
            {
                return new ModbusCut(start, 0);
            }

            if (rest[0] == request.Slave)
            {
                return new ModbusCut(start, length);
            }
        }

        return new ModbusCut(buffer.Length, 0);
    }

    /// <summary>0 when the length is not known yet, -1 when no reply to <paramref name="function"/> starts here.</summary>
    private static int CandidateLength(ReadOnlySpan<byte> rest, byte function)
    {
        if (rest.Length < 2)
        {
            return 0;
        }

        if (rest[1] == (function | 0x80))
        {
            return ExceptionLength;
        }

        if (rest[1] != function)
        {
            return -1;
        }

        return rest.Length < 3 ? 0 : HeaderAndCrc + rest[2];
    }

    /// <summary>
    /// Cuts a request from the front of <paramref name="buffer"/> (the simulator's side of the line): reads and
    /// single writes are 8 bytes, multiple writes (0x0F, 0x10) carry a byte count. A candidate whose CRC fails is
    /// skipped a byte at a time, as a slave resynchronises on a noisy bus.
    /// </summary>
    public static ModbusCut CutRequest(ReadOnlySpan<byte> buffer)
    {
        for (int start = 0; start < buffer.Length; start++)
        {
            var rest = buffer[start..];
            if (rest.Length < 2)
            {
                return new ModbusCut(start, 0);
            }

            int length = rest[1] switch
            {
                >= 0x01 and <= 0x06 => ModbusRead.FrameLength,
                0x0F or 0x10 => rest.Length < 7 ? 0 : 9 + rest[6],
                _ => -1,
            };
            if (length < 0)
            {
                continue;
            }

            if (length == 0 || rest.Length < length)
            {
                return new ModbusCut(start, 0);
            }

            if (ModbusCrc.Holds(rest[..length]))
            {
                return new ModbusCut(start, length);
            }
        }

        return new ModbusCut(buffer.Length, 0);
    }

    /// <summary>
    /// Checks a cut reply against its request in METRICS.md's order and returns it with its data.
    /// </summary>
    /// <exception cref="PaceProtocolException">
    /// <see cref="FrameError.Echo"/> (the request itself), <see cref="FrameError.Truncated"/> (shorter than its
    /// header says), <see cref="FrameError.Checksum"/> (CRC), <see cref="FrameError.WrongAddress"/> (another slave),
    /// <see cref="FrameError.Rtn"/> (an exception reply; the code is the exception's),
    /// <see cref="FrameError.Decode"/> (another function), <see cref="FrameError.Length"/> (a byte count the request
    /// does not explain).
    /// </exception>
    public static ModbusReply Validate(ReadOnlySpan<byte> frame, ModbusRead request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (frame.SequenceEqual(request.ToBytes()))
        {
            throw new PaceProtocolException(FrameError.Echo, "the request itself came back");
        }

        if (frame.Length < ExceptionLength)
        {
            throw new PaceProtocolException(FrameError.Truncated, $"{frame.Length} bytes; no Modbus reply is shorter than {ExceptionLength}");
        }

        bool exception = (frame[1] & 0x80) != 0;
        int announced = exception ? ExceptionLength : HeaderAndCrc + frame[2];
        if (frame.Length < announced)
        {
            throw new PaceProtocolException(FrameError.Truncated, $"{frame.Length} bytes; the header announces {announced}");
        }

        if (frame.Length > announced)
        {
            throw new PaceProtocolException(FrameError.Length, $"{frame.Length} bytes; the header announces {announced}");
        }

        if (!ModbusCrc.Holds(frame))
        {
            ushort computed = ModbusCrc.Compute(frame[..^2]);
            throw new PaceProtocolException(FrameError.Checksum,
                $"CRC {frame[^2]:X2}{frame[^1]:X2} on the wire, {(byte)computed:X2}{(byte)(computed >> 8):X2} computed");
        }

        if (frame[0] != request.Slave)
        {
            throw new PaceProtocolException(FrameError.WrongAddress, $"slave {frame[0]} answered; {request.Slave} was asked");
        }

        if (exception && (frame[1] & 0x7F) == (byte)request.Function)
        {
            byte code = frame[2];
            throw new PaceProtocolException(FrameError.Rtn,
                $"exception {code:X2} to function 0x{frame[1] & 0x7F:X2}: {ExceptionMeaning(code)}", code);
        }

        if (frame[1] != (byte)request.Function)
        {
            throw new PaceProtocolException(FrameError.Decode, $"function 0x{frame[1]:X2} answered; 0x{(byte)request.Function:X2} was asked");
        }

        if (frame[2] != request.ReplyDataBytes)
        {
            throw new PaceProtocolException(FrameError.Length,
                $"byte count {frame[2]}; {request.Count} {(request.Function == ModbusFunction.ReadCoils ? "coils" : "registers")} need {request.ReplyDataBytes}");
        }

        return new ModbusReply(request, [.. frame[3..^2]]);
    }

    /// <summary>The Modbus application protocol's name for an exception code.</summary>
    public static string ExceptionMeaning(byte code) => code switch
    {
        0x01 => "illegal function",
        0x02 => "illegal data address",
        0x03 => "illegal data value",
        0x04 => "slave device failure",
        0x05 => "acknowledge",
        0x06 => "slave device busy",
        0x08 => "memory parity error",
        0x0A => "gateway path unavailable",
        0x0B => "gateway target device failed to respond",
        _ => "undocumented exception code",
    };

    /// <summary>The exception reply a slave sends for <paramref name="function"/> (for the simulator).</summary>
    public static byte[] Exception(byte slave, byte function, byte code) => ModbusCrc.Append([slave, (byte)(function | 0x80), code]);

    /// <summary>The normal reply carrying <paramref name="data"/> (for the simulator).</summary>
    public static byte[] Reply(byte slave, ModbusFunction function, ReadOnlySpan<byte> data)
    {
        var body = new byte[3 + data.Length];
        body[0] = slave;
        body[1] = (byte)function;
        body[2] = checked((byte)data.Length);
        data.CopyTo(body.AsSpan(3));
        return ModbusCrc.Append(body);
    }
}
