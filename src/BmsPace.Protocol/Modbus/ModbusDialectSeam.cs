using BmsPace.Protocol.Dialects;

namespace BmsPace.Protocol.Modbus;

/// <summary>
/// A Modbus RTU family behind the dialect seam (<see cref="IBmsDialect"/>): the poller, <c>probe</c>, <c>decode</c> and
/// the simulator reach it like an ASCII dialect. The ASCII header members (VER, CID1, CID2) have no Modbus meaning and
/// are empty; the address is the slave address of one pack, whatever the pack byte.
/// </summary>
public abstract partial class ModbusDialect : IBmsDialect
{
    private ModbusReplies? _replies;

    public IWireFormat Wire => ModbusRtuWire.Instance;

    /// <summary>The simulated bus of this family (MODBUS.md's tables, not our decoder).</summary>
    public IReplyEncoder Replies => _replies ??= new ModbusReplies(this);

    /// <summary>Whether the family's bus can have a bank master answering the bank's summary at its own address (EG4 LL v2's unit 1).</summary>
    public virtual bool HasBankMaster => false;

    /// <summary>The slave addresses a simulated bus of <paramref name="packs"/> packs answers at (MODBUS.md: from 1 unless the family says otherwise).</summary>
    /// <param name="bankMaster">A bank whose unit 1 is a master answering the bank summary (EG4 LL v2).</param>
    public virtual IReadOnlyList<byte> SimulatedSlaves(int packs, bool bankMaster) => [.. Enumerable.Range(1, packs).Select(a => (byte)a)];

    /// <summary>
    /// The registers the simulated slave at <paramref name="slave"/> holds, written from the family's document;
    /// <paramref name="position"/> is its place among the bus's slaves (<see cref="SimulatedSlaves"/>, or the addresses
    /// the simulator was told to place the packs at), so the pack it answers for is <c>stack[position]</c> unless a bank
    /// master comes first.
    /// </summary>
    public abstract RegisterImage SimulatedImage(byte slave, int position, IReadOnlyList<PackSample> stack, ISimulatedBattery options, bool bankMaster);

    /// <summary>One slave address per pack (the DIP range 0-15); each answers for itself.</summary>
    public virtual PackAddressing Addressing => PackAddressing.EachPackAtItsAddress;

    /// <summary>A Modbus request names its pack by slave address alone.</summary>
    public byte PackByteAt(byte address) => address;

    /// <summary>The register maps convert their own temperature units; the configured offset applies to the ASCII family only.</summary>
    public int TemperatureOffsetFor(int configuredDeciKelvin) => TemperatureOffsetDeciKelvin;

    /// <summary>Modbus frames carry no VER: 0.</summary>
    public byte DefaultVersion => 0;

    /// <summary>Modbus frames carry no CID1: 0.</summary>
    public byte Cid1 => 0;

    /// <summary>The document's offset (2731) for the decoder options the poller passes; the maps convert their own units.</summary>
    public int TemperatureOffsetDeciKelvin => 2731;

    /// <summary>No CID2 can be built: the read set is <see cref="Blocks"/>, functions 0x01, 0x03 and 0x04 only.</summary>
    public FrozenSet<byte> ReadOnlyCid2s => FrozenSet<byte>.Empty;

    public ImmutableArray<CommandKind> IdentityCommands => [CommandKind.SoftwareVersion];

    ImmutableArray<CommandKind> IBmsDialect.Commands => [.. Commands.Where(k => k is CommandKind.Analog or CommandKind.Alarm)];

    /// <summary>The roles come with each pack (<see cref="AnalogPack.TemperatureRoles"/>).</summary>
    public TemperatureRole RoleOfSensor(int index, int count) => TemperatureRole.Unknown;

    public byte? Cid2Of(CommandKind kind) => null;

    /// <summary>The reads of <paramref name="kind"/> for the pack at slave <paramref name="address"/>; the pack byte and VER do not apply.</summary>
    /// <exception cref="ArgumentException">The family has no read for <paramref name="kind"/>.</exception>
    public IReadOnlyList<byte[]> BuildRequests(CommandKind kind, byte address, byte packByte = RequestBuilder.AllPacks, byte? versionOverride = null)
    {
        var requests = kind != CommandKind.Stack ? RequestsFor(kind, address) : ReadsStackAt(address) ? StackRequests(address) : [];
        return requests.IsEmpty
            ? throw new ArgumentException($"the {Name} family has no {kind.ToLabel()} read", nameof(kind))
            : [.. requests.Select(r => r.ToBytes())];
    }

    /// <exception cref="PaceProtocolException">The first check of <see cref="ModbusFraming.Validate"/> that fails.</exception>
    public DialectReply Validate(ReadOnlySpan<byte> reply, ReadOnlySpan<byte> request = default, byte? versionOverride = null)
    {
        if (request.IsEmpty)
        {
            throw new PaceProtocolException(FrameError.Decode, "a Modbus reply says what it holds only with its request");
        }

        return ModbusFraming.Validate(reply, ModbusRead.Parse(request));
    }

    public AnalogReading DecodeAnalog(IReadOnlyList<DialectReply> replies, byte packByte, DecoderOptions options) => DecodeAnalog(Ours(replies));

    public AlarmReading DecodeAlarm(IReadOnlyList<DialectReply> replies, byte packByte, DecoderOptions options) => DecodeAlarm(Ours(replies));

    public IdentityReading DecodeIdentity(CommandKind kind, IReadOnlyList<DialectReply> replies) => DecodeIdentity(Ours(replies));

    public int? DecodePackCount(IReadOnlyList<DialectReply> replies) => throw NotOurs(CommandKind.PackCount);

    public CapacityReading DecodeCapacity(IReadOnlyList<DialectReply> replies) => throw NotOurs(CommandKind.Capacity);

    public DateTime DecodeDateTime(IReadOnlyList<DialectReply> replies) => throw NotOurs(CommandKind.DateTime);

    /// <summary>Whether the slave at <paramref name="address"/> answers the family's bank blocks (<see cref="ModbusBlock.Stack"/>).</summary>
    public bool ReadsStackAt(byte address) => !StackRequests(address).IsEmpty && AnswersStackAt(address);

    /// <summary>Where a family's bus master answers its bank blocks (Seplos V3: address 0 only); every slave by default.</summary>
    protected virtual bool AnswersStackAt(byte slave) => true;

    /// <exception cref="PaceProtocolException"><see cref="FrameError.Decode"/> when the replies hold none of the bank blocks.</exception>
    public StackReading DecodeStack(IReadOnlyList<DialectReply> replies) =>
        Read(Ours(replies)).Stack is { } stack
            ? ToStackReading(stack)
            : throw new PaceProtocolException(FrameError.Decode, $"the replies hold none of the {Name} bank blocks");

    /// <summary>The summary as read; a family whose master leaves something to the packs completes it.</summary>
    public virtual StackReading CompleteStack(StackReading stack, IReadOnlyList<AnalogPack> packs) => stack;

    /// <summary>Whether the replies are this family's and its map (with its sanity rule) reads a pack from them (a bank master's summary is no pack).</summary>
    public bool Explains(IReadOnlyList<DialectReply> replies, CommandKind kind, byte packByte, byte? versionOverride = null)
    {
        ArgumentNullException.ThrowIfNull(replies);
        if (replies.Count == 0 || !replies.All(r => r is ModbusReply reply && Reads(reply.Request)))
        {
            return false;
        }

        try
        {
            return kind switch
            {
                CommandKind.Analog => !DecodeAnalog(Ours(replies)).Packs.IsEmpty,
                CommandKind.Alarm => !DecodeAlarm(Ours(replies)).Packs.IsEmpty,
                _ => true,
            };
        }
        catch (PaceProtocolException)
        {
            return false;
        }
    }

    private PaceProtocolException NotOurs(CommandKind kind) => new(FrameError.Decode, $"the {Name} family has no {kind.ToLabel()} read");

    private List<ModbusReply> Ours(IReadOnlyList<DialectReply> replies)
    {
        ArgumentNullException.ThrowIfNull(replies);
        return [.. replies.Select(r => r as ModbusReply ?? throw new PaceProtocolException(FrameError.Decode, $"a {r.DescribeHeader()} reply is no {Name} reply"))];
    }
}
