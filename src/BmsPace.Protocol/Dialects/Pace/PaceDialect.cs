namespace BmsPace.Protocol.Dialects.Pace;

/// <summary>PACE "paceic" 0x25 (PROTOCOL.md sections 8-12): the layouts of <see cref="PaceDecoders"/>.</summary>
internal sealed class PaceDialect : DialectBase, IBmsDialect
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

    /// <summary>PACE 0x25 reads: telemetry, identity, capacity, clock, and the configuration reads of section 12.7.</summary>
    public override FrozenSet<byte> ReadOnlyCid2s { get; } = new byte[]
    {
        0x42, 0x44, 0x90, 0xA6, 0xB1, 0xC1, 0xC2,
        0xA0, 0xA1, 0xAF, 0xB6, 0xD1, 0xD3, 0xD5, 0xD7, 0xD9, 0xDB, 0xDD, 0xDF, 0xE1, 0xE3, 0xE5, 0xE7, 0xEB, 0xED,
    }.ToFrozenSet();

    public override ImmutableArray<CommandKind> Commands { get; } =
    [
        CommandKind.SoftwareVersion, CommandKind.SerialNumber, CommandKind.PackCount, CommandKind.Analog, CommandKind.Alarm,
        CommandKind.Capacity, CommandKind.DateTime,
    ];

    public override ImmutableArray<CommandKind> IdentityCommands { get; } = [CommandKind.SoftwareVersion, CommandKind.SerialNumber];

    public override ImmutableArray<FlagDefinition> Flags => PaceFlagTable.All;

    /// <summary>The twelve bytes in two lines, by the short names of PROTOCOL.md 11.2.</summary>
    public IEnumerable<string> DescribeStatus(AlarmPack pack)
    {
        ArgumentNullException.ThrowIfNull(pack);
        return
        [
            string.Create(CultureInfo.InvariantCulture, $"charge current {pack.ChargeCurrentWarning:X2}, pack voltage {pack.PackVoltageWarning:X2}, discharge current {pack.DischargeCurrentWarning:X2}"),
            string.Create(CultureInfo.InvariantCulture, $"protect {pack.ProtectState1:X2} {pack.ProtectState2:X2}, instruction {pack.InstructionState:X2}, control {pack.ControlState:X2}, fault {pack.FaultState:X2}, balance {pack.BalanceState1:X2} {pack.BalanceState2:X2}, warn {pack.WarnState1:X2} {pack.WarnState2:X2}"),
        ];
    }

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
