namespace BmsPace.Protocol.Decoding;

/// <summary>Big-endian reads from INFO that never run past its end: a short INFO is a decode error, not an IndexOutOfRange.</summary>
internal ref struct InfoReader
{
    private readonly ReadOnlySpan<byte> _info;

    public InfoReader(ReadOnlySpan<byte> info, int position = 0)
    {
        _info = info;
        Position = position;
    }

    public int Position { get; private set; }

    public readonly int Remaining => _info.Length - Position;

    public byte U8(string field)
    {
        Require(1, field);
        return _info[Position++];
    }

    public ushort U16(string field)
    {
        Require(2, field);
        ushort value = (ushort)((_info[Position] << 8) | _info[Position + 1]);
        Position += 2;
        return value;
    }

    public short S16(string field) => unchecked((short)U16(field));

    public uint U32(string field)
    {
        Require(4, field);
        uint value = ((uint)_info[Position] << 24) | ((uint)_info[Position + 1] << 16) | ((uint)_info[Position + 2] << 8) | _info[Position + 3];
        Position += 4;
        return value;
    }

    public ReadOnlySpan<byte> Bytes(int count, string field)
    {
        Require(count, field);
        var bytes = _info.Slice(Position, count);
        Position += count;
        return bytes;
    }

    /// <summary>
    /// The BMS clock after its year, which each dialect sends in its own width: month, day, hour, minute, second (no
    /// zone), refused unless it is a date and time with a year from 2000 to <paramref name="latestYear"/>.
    /// </summary>
    public DateTime DateTimeAfterYear(int year, int latestYear = 9999)
    {
        int month = U8("month");
        int day = U8("day");
        int hour = U8("hour");
        int minute = U8("minute");
        int second = U8("second");
        if (year < 2000 || year > latestYear || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
        {
            throw new PaceProtocolException(
                FrameError.Decode,
                string.Create(CultureInfo.InvariantCulture, $"{year:D4}-{month:D2}-{day:D2} {hour:D2}:{minute:D2}:{second:D2} is not a date and time"));
        }

        return new DateTime(year, month, day, hour, minute, second, DateTimeKind.Unspecified);
    }

    private readonly void Require(int count, string field)
    {
        if (count < 0 || count > Remaining)
        {
            throw new PaceProtocolException(
                FrameError.Decode,
                string.Create(CultureInfo.InvariantCulture, $"INFO ends before {field} (needs {count} bytes at byte {Position}, {Math.Max(Remaining, 0)} left)"));
        }
    }
}
