namespace BmsPace.Protocol.Dialects.Eg4;

/// <summary>EG4 LifePower4 / LL, Qualtech BMS (VER 0x20, CID1 0x4A; PROTOCOL.md 13.1).</summary>
internal sealed partial class Eg4Dialect() : Family20Dialect(
    (CommandKind.ManufacturerInfo, 0x51), (CommandKind.Analog, 0x42), (CommandKind.Alarm, 0x44), (CommandKind.DateTime, 0x4D))
{
    public override string Name => "eg4";

    public override string Manufacturer => "EG4";

    public override string SoldAs => "EG4 LifePower4";

    public override IReplyEncoder Replies { get; } = new Eg4Replies();

    public override byte Cid1 => 0x4A;

    /// <summary>0x42/0x44 carry no INFO: the address selects the pack.</summary>
    protected override byte[] RequestInfo(CommandKind kind, byte address, byte packByte) => [];

    /// <summary>EG4's 0x51 answer is a 46-byte blob that does not follow the Pylon layout: kept as text.</summary>
    protected override IdentityReading DecodeManufacturerInfo(ReadOnlySpan<byte> info)
    {
        if (info.IsEmpty)
        {
            throw DecodeError($"the eg4 0x51 answer carries no INFO");
        }

        return new IdentityReading { Text = string.Join(' ', InfoFields.Text(ReplaceNuls(info)).Split(' ', StringSplitOptions.RemoveEmptyEntries)) };
    }

    /// <summary>0x4D: year (u16), month, day, hour, minute, second.</summary>
    internal override DateTime DecodeDateTime(ResponseFrame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var reader = new InfoReader(frame.Info.AsSpan());
        int year = reader.U16("year");
        return reader.DateTimeAfterYear(year, latestYear: 2099);
    }

    private static byte[] ReplaceNuls(ReadOnlySpan<byte> info)
    {
        var copy = info.ToArray();
        for (int i = 0; i < copy.Length; i++)
        {
            if (copy[i] == 0)
            {
                copy[i] = (byte)' ';
            }
        }

        return copy;
    }
}
