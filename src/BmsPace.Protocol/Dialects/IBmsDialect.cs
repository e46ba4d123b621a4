namespace BmsPace.Protocol.Dialects;

/// <summary>
/// One dialect of a battery protocol family (PROTOCOL.md sections 1 and 13): everything that differs between PACE,
/// EG4, Seplos and Pylontech (and between wire formats) lives behind this interface, so the poller, <c>decode</c>,
/// <c>probe</c> and the simulator never call one family's decoder directly. Get instances from <see cref="BmsDialects"/>.
/// </summary>
/// <remarks>
/// <para>How to use it:</para>
/// <list type="bullet">
/// <item><b>Build the requests</b>: <c>dialect.BuildRequests(CommandKind.Analog, address, packByte)</c> gives the bytes
/// to send, one exchange each, framed by <see cref="Wire"/> (an ASCII dialect always needs one; a register map may need
/// several). Only the dialect's read-only set can be built; anything else is an <see cref="ArgumentException"/>.</item>
/// <item><b>Validate each reply</b>: <c>dialect.Validate(replyBytes, requestBytes)</c> runs the envelope checks and the
/// dialect's header checks and returns a <see cref="DialectReply"/> that only this dialect decodes. Then
/// <see cref="DecodeAnalog"/>, <see cref="DecodeAlarm"/> or <see cref="DecodeIdentity"/> take the validated replies of
/// one command, in request order. Every failure is a <see cref="PaceProtocolException"/> with its METRICS.md reason; a
/// layout the dialect does not explain is <see cref="FrameError.Decode"/>, and when another dialect explains the frame
/// the detail names it ("looks like seplos").</item>
/// <item><b>Detection</b>: <see cref="Explains"/> says whether this dialect's layout accounts for valid replies;
/// <see cref="BmsDialects.Detect"/> asks every dialect in order (PACE first).</item>
/// </list>
/// <para>A new dialect is one folder with a class implementing this interface and one line in
/// <see cref="BmsDialects.All"/>.</para>
/// </remarks>
public interface IBmsDialect
{
    /// <summary>The <c>protocol</c> name of CLI.md and the config: <c>pace</c>, <c>eg4</c>, <c>seplos</c>, <c>pylontech</c>.</summary>
    string Name { get; }

    /// <summary>Who makes the BMS boards that speak this dialect, as short as a brand (MQTT discovery's device <c>manufacturer</c>).</summary>
    string Manufacturer { get; }

    /// <summary>How the packs of a battery are reached, and so what the configuration's <c>address</c> and <c>packs</c> mean.</summary>
    PackAddressing Addressing { get; }
    /// <summary>The batteries sold with this dialect's boards, for <c>--help</c> and the config reference (<c>Seplos V2.0</c>).</summary>
    string SoldAs { get; }

    /// <summary>How this dialect's frames are cut from the line, for the transport, the simulator and <c>probe</c>.</summary>
    IWireFormat Wire { get; }

    /// <summary>How a simulated pack of this dialect answers (<c>simulate</c>, <c>simulator?protocol=</c>).</summary>
    IReplyEncoder Replies { get; }

    /// <summary>The VER the dialect's documents use (0x25 for PACE, 0x20 for the others).</summary>
    byte DefaultVersion { get; }

    /// <summary>The device type (CID1) of requests and replies.</summary>
    byte Cid1 { get; }

    /// <summary>0.1 K offset of the dialect's temperatures (2730 PACE, 2731 the 0x20 family; PROTOCOL.md 10.3).</summary>
    int TemperatureOffsetDeciKelvin { get; }

    /// <summary>
    /// The 0.1 K offset to decode with when the configuration says <paramref name="configuredDeciKelvin"/>: a value
    /// changed from the configuration's default (PACE's 2730) is the user's and wins; the default itself stands for
    /// "what the battery's documents say", which is <see cref="TemperatureOffsetDeciKelvin"/>.
    /// </summary>
    int TemperatureOffsetFor(int configuredDeciKelvin);

    /// <summary>Every CID2 this dialect may send; nothing else can be built (PROTOCOL.md section 9).</summary>
    FrozenSet<byte> ReadOnlyCid2s { get; }

    /// <summary>The command kinds this dialect answers, in the order a poller would ask them.</summary>
    ImmutableArray<CommandKind> Commands { get; }

    /// <summary>The identity reads (PACE 0xC1/0xC2; 0x51, 0x4F, 0x93 for the 0x20 family where answered).</summary>
    ImmutableArray<CommandKind> IdentityCommands { get; }

    /// <summary>The named bits of the dialect's status bytes: the flag table of its alarm answers.</summary>
    ImmutableArray<FlagDefinition> Flags { get; }

    /// <summary>
    /// The status bytes of one alarm pack as readable lines (<c>decode</c>'s text): by default one line with every byte
    /// of <see cref="AlarmPack.Status"/> by its name; a dialect may group its bytes its own way.
    /// </summary>
    IEnumerable<string> DescribeStatus(AlarmPack pack) =>
        [string.Create(CultureInfo.InvariantCulture, $"status: {string.Join(", ", pack.Status.Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Name} {s.Value:X2}")))}")];

    /// <summary>What temperature sensor <paramref name="index"/> (0-based) of <paramref name="count"/> measures.</summary>
    TemperatureRole RoleOfSensor(int index, int count);

    /// <summary>
    /// The COMMAND/group byte of a 0x42/0x44 that asks whatever answers at <paramref name="address"/> (what <c>probe</c>
    /// sends): the whole stack where the dialect lets a master answer for it (COMMAND FF), else that address's own pack.
    /// </summary>
    byte PackByteAt(byte address);

    /// <summary>The CID2 of <paramref name="kind"/> in this dialect, or null when the dialect has no such command.</summary>
    byte? Cid2Of(CommandKind kind);

    /// <summary>Builds the requests for <paramref name="kind"/>, in the order they are sent; each is one exchange.</summary>
    /// <param name="address">ADR of the request.</param>
    /// <param name="packByte">The COMMAND/group byte of 0x42/0x44 where the dialect sends one (FF = all packs).</param>
    /// <param name="versionOverride">VER to send instead of <see cref="DefaultVersion"/> (config <c>protocol_version</c>).</param>
    /// <exception cref="ArgumentException">The dialect has no such read-only command.</exception>
    IReadOnlyList<byte[]> BuildRequests(CommandKind kind, byte address, byte packByte = RequestBuilder.AllPacks, byte? versionOverride = null);

    /// <summary>
    /// The envelope checks of the dialect's wire format (for ASCII, the ladder of PROTOCOL.md section 6) plus this
    /// dialect's header (VER, or <paramref name="versionOverride"/>, and CID1), then the return code. A frame of another
    /// dialect fails with <see cref="FrameError.Version"/> or <see cref="FrameError.Cid1"/> and a detail naming the
    /// dialect it looks like. <paramref name="request"/>, when not empty, is the request the reply answers (its echo is
    /// refused).
    /// </summary>
    /// <exception cref="PaceProtocolException">The first check that fails.</exception>
    DialectReply Validate(ReadOnlySpan<byte> reply, ReadOnlySpan<byte> request = default, byte? versionOverride = null);

    /// <summary>Decodes the 0x42 answers. <paramref name="packByte"/> is what the request carried (for EG4, the address).</summary>
    /// <exception cref="PaceProtocolException"><see cref="FrameError.Decode"/> when the layout does not fit.</exception>
    AnalogReading DecodeAnalog(IReadOnlyList<DialectReply> replies, byte packByte, DecoderOptions options);

    /// <summary>Decodes the 0x44 answers into the shared alarm reading with the dialect's status bytes and flags.</summary>
    /// <exception cref="PaceProtocolException"><see cref="FrameError.Decode"/> when the layout does not fit.</exception>
    AlarmReading DecodeAlarm(IReadOnlyList<DialectReply> replies, byte packByte, DecoderOptions options);

    /// <summary>Decodes the answers of one of <see cref="IdentityCommands"/>.</summary>
    /// <exception cref="PaceProtocolException"><see cref="FrameError.Decode"/> when INFO does not fit.</exception>
    IdentityReading DecodeIdentity(CommandKind kind, IReadOnlyList<DialectReply> replies);

    /// <summary>0x90 (PACE): the pack count; null when the answer carries no INFO.</summary>
    /// <exception cref="PaceProtocolException"><see cref="FrameError.Decode"/>, also when the dialect has no such command.</exception>
    int? DecodePackCount(IReadOnlyList<DialectReply> replies);

    /// <summary>0xA6 (PACE): remaining, full and design capacity.</summary>
    /// <exception cref="PaceProtocolException"><see cref="FrameError.Decode"/>, also when the dialect has no such command.</exception>
    CapacityReading DecodeCapacity(IReadOnlyList<DialectReply> replies);

    /// <summary>The BMS clock (PACE 0xB1, EG4 0x4D), no zone.</summary>
    /// <exception cref="PaceProtocolException"><see cref="FrameError.Decode"/>, also when the dialect has no such command.</exception>
    DateTime DecodeDateTime(IReadOnlyList<DialectReply> replies);

    /// <summary>
    /// Whether the battery at <paramref name="address"/> answers bank blocks for the whole stack, read once a cycle with
    /// <see cref="CommandKind.Stack"/> (Seplos V3's EIA and EIC at address 0). A master that answers its summary to the
    /// packs' own read (EG4 LL v2) needs none: its <see cref="AnalogReading.Stack"/> carries it.
    /// </summary>
    bool ReadsStackAt(byte address) => false;

    /// <summary>Decodes the answers of <see cref="CommandKind.Stack"/> into the stack's values.</summary>
    /// <exception cref="PaceProtocolException"><see cref="FrameError.Decode"/> when they hold no stack values.</exception>
    StackReading DecodeStack(IReadOnlyList<DialectReply> replies) =>
        throw new PaceProtocolException(FrameError.Decode, $"the {Name} dialect has no stack read");

    /// <summary>
    /// The stack's summary completed with what the packs of the same cycle said (an EG4 master's bank capacities wrap
    /// at 655.36 Ah and are unwrapped with the packs' own full capacities); unchanged where the family needs nothing.
    /// </summary>
    StackReading CompleteStack(StackReading stack, IReadOnlyList<AnalogPack> packs) => stack;

    /// <summary>
    /// Whether this dialect's layout explains replies that passed the envelope checks, for detection: VER (or
    /// <paramref name="versionOverride"/>), CID1, RTN 00 and, for 0x42/0x44, a layout that fits INFO exactly.
    /// Never throws for bad input.
    /// </summary>
    bool Explains(IReadOnlyList<DialectReply> replies, CommandKind kind, byte packByte, byte? versionOverride = null);
}
