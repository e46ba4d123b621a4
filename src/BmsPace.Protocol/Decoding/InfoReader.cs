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
