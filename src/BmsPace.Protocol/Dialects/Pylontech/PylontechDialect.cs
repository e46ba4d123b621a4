namespace BmsPace.Protocol.Dialects.Pylontech;

/// <summary>Pylontech and Pylontech-compatible packs (VER 0x20, CID1 0x46; PROTOCOL.md 13.3).</summary>
internal sealed partial class PylontechDialect() : Family20Dialect(
    (CommandKind.ProtocolVersion, 0x4F), (CommandKind.ManufacturerInfo, 0x51), (CommandKind.ModuleSerial, 0x93),
    (CommandKind.Analog, 0x42), (CommandKind.Alarm, 0x44))
{
    public override string Name => "pylontech";

    public override string Manufacturer => "Pylontech";

    public override string SoldAs => "Pylontech and compatible packs";

    public override IReplyEncoder Replies { get; } = new PylontechReplies();

    public override byte Cid1 => 0x46;

    /// <summary>0x42/0x44 (and 0x93) carry COMMAND = the address being asked (Pylon RS485 V3.3).</summary>
    protected override byte[] RequestInfo(CommandKind kind, byte address, byte packByte) =>
        kind is CommandKind.Analog or CommandKind.Alarm or CommandKind.ModuleSerial ? [address] : [];
}
