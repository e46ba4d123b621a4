namespace BmsPace.Protocol.Dialects.Pace;

/// <summary>PACE "paceic" 0x25 (PROTOCOL.md sections 8-12): the layouts of <see cref="PaceDecoders"/>.</summary>
internal sealed class PaceDialect : DialectBase
{
    /// <summary>The <c>protocol</c> name, which <see cref="PaceDecoders"/> puts on its readings.</summary>
    internal const string DialectName = "pace";

    public override string Name => DialectName;

    public override string Manufacturer => "PACE";

    public override string SoldAs => "PACE P16S boards and their rebrands";

    public override IReplyEncoder Replies { get; } = new PaceReplies();

    public override byte DefaultVersion => 0x25;

    public override PackAddressing Addressing => PackAddressing.MasterAnswersForTheStack;

    public override byte Cid1 => RequestBuilder.LithiumIronCid1;

    public override int TemperatureOffsetDeciKelvin => 2730;

    public override FrozenSet<byte> ReadOnlyCid2s => ReadOnlyCommandSet.PaceReads;

    public override ImmutableArray<CommandKind> Commands { get; } =
    [
        CommandKind.SoftwareVersion, CommandKind.SerialNumber, CommandKind.PackCount, CommandKind.Analog, CommandKind.Alarm,
        CommandKind.Capacity, CommandKind.DateTime,
    ];

    public override ImmutableArray<CommandKind> IdentityCommands { get; } = [CommandKind.SoftwareVersion, CommandKind.SerialNumber];

    public override ImmutableArray<FlagDefinition> Flags => PaceFlagTable.All;

    public override TemperatureRole RoleOfSensor(int index, int count) => TemperatureRoles.Of(index, count);

    /// <summary>The master answers for every pack of its stack (COMMAND FF, PROTOCOL.md 12).</summary>
    public override byte PackByteAt(byte address) => RequestBuilder.AllPacks;

    public override byte? Cid2Of(CommandKind kind) => Commands.Contains(kind) ? kind.ToCid2() : null;

    protected override byte[] RequestInfo(CommandKind kind, byte address, byte packByte) =>
        kind.CarriesPackByte() ? [packByte] : [];

    internal override AnalogReading DecodeAnalogLayout(ResponseFrame frame, byte packByte, DecoderOptions options) =>
        PaceDecoders.DecodeAnalog(frame.Info.AsSpan(), packByte, options);

    internal override AlarmReading DecodeAlarmLayout(ResponseFrame frame, byte packByte, DecoderOptions options) =>
        PaceDecoders.DecodeAlarm(frame.Info.AsSpan(), packByte, options);

    internal override IdentityReading DecodeIdentity(CommandKind kind, ResponseFrame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        switch (kind)
        {
            case CommandKind.SoftwareVersion:
                return new IdentityReading { SoftwareVersion = PaceDecoders.DecodeSoftwareVersion(frame.Info.AsSpan()) };
            case CommandKind.SerialNumber:
                var serials = PaceDecoders.DecodeSerialNumbers(frame.Info.AsSpan());
                return new IdentityReading { BmsSerial = serials.BmsSerial, PackSerial = serials.PackSerial };
            default:
                throw NotOurs(kind);
        }
    }

    internal override int? DecodePackCount(ResponseFrame frame) => PaceDecoders.DecodePackCount(frame.Info.AsSpan());

    internal override CapacityReading DecodeCapacity(ResponseFrame frame) => PaceDecoders.DecodeCapacity(frame.Info.AsSpan());

    internal override DateTime DecodeDateTime(ResponseFrame frame) => PaceDecoders.DecodeDateTime(frame.Info.AsSpan());
}
