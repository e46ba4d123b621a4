namespace BmsPace.Protocol.Dialects.Seplos;

/// <summary>Seplos V2.0 (VER 0x20, CID1 0x46; PROTOCOL.md 13.2).</summary>
internal sealed partial class SeplosDialect() : Family20Dialect(
    (CommandKind.ManufacturerInfo, 0x51), (CommandKind.Analog, 0x42), (CommandKind.Alarm, 0x44))
{
    public override string Name => "seplos";

    public override string Manufacturer => "Seplos";

    public override IReplyEncoder Replies { get; } = new SeplosReplies();

    public override string SoldAs => "Seplos V2.0";

    public override byte Cid1 => 0x46;

    /// <summary>0x42/0x44 carry the pack group (00...; FF only on RS232, Seplos V2.0 4.1.1).</summary>
    protected override byte[] RequestInfo(CommandKind kind, byte address, byte packByte) =>
        kind is CommandKind.Analog or CommandKind.Alarm ? [packByte] : [];
}
