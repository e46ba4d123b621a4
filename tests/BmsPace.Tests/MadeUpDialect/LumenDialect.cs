using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Text;
using BmsPace.Protocol.Commands;
using BmsPace.Protocol.Decoding;
using BmsPace.Protocol.Dialects;
using BmsPace.Protocol.Framing;
using BmsPace.Protocol.Readings;
using BmsPace.Protocol.Simulation;
using BmsPace.Protocol.Wire;

namespace BmsPace.Tests.MadeUpDialect;

/// <summary>
/// A dialect no battery speaks, defined here and not in src: VER 0x22, CID1 0x4C, the ASCII wire; analog = one pack
/// (cell count, cells in mV, temperature count, 0.1 K with offset 2731, current 10 mA, voltage 10 mV, remaining and
/// full 10 mAh, cycles); alarm = cell and sensor warning codes, then one status byte of its own flags. It proves a dialect needs no edit in src.
/// </summary>
internal sealed class LumenDialect : IBmsDialect
{
    public const byte Version = 0x22;

    public const byte DeviceType = 0x4C;

    public const string StatusByte = "lumen_status";

    public string Name => "lumen";

    public string Manufacturer => "Lumen Works";

    public string SoldAs => "Lumen test lanterns";

    public IWireFormat Wire => AsciiWire.Instance;

    public byte DefaultVersion => Version;

    public byte Cid1 => DeviceType;

    public int TemperatureOffsetDeciKelvin => 2731;

    public int TemperatureOffsetFor(int configuredDeciKelvin) =>
        configuredDeciKelvin == DecoderOptions.DefaultTemperatureOffsetDeciKelvin ? TemperatureOffsetDeciKelvin : configuredDeciKelvin;

    public IReplyEncoder Replies { get; } = new LumenReplies();

    public FrozenSet<byte> ReadOnlyCid2s { get; } = new byte[] { 0x42, 0x44, 0x51 }.ToFrozenSet();

    public ImmutableArray<CommandKind> Commands { get; } = [CommandKind.ManufacturerInfo, CommandKind.Analog, CommandKind.Alarm];

    public ImmutableArray<CommandKind> IdentityCommands { get; } = [CommandKind.ManufacturerInfo];

    public ImmutableArray<FlagDefinition> Flags { get; } =
    [
        new(FlagFamily.Protection, "lamp_overheat", StatusByte, 0),
        new(FlagFamily.Warning, "dim_light", StatusByte, 1),
        new(FlagFamily.Fault, "lamp_broken", StatusByte, 2),
        new(FlagFamily.Status, "charge_fet", StatusByte, 3),
        new(FlagFamily.Status, "discharge_fet", StatusByte, 4),
        new(FlagFamily.Status, "charging", StatusByte, 5),
    ];

    public TemperatureRole RoleOfSensor(int index, int count) => TemperatureRole.Cell;

    public byte PackByteAt(byte address) => address;

    /// <summary>A lantern is one pack: one request answers for it.</summary>
    public PackAddressing Addressing => PackAddressing.MasterAnswersForTheStack;

    public byte? Cid2Of(CommandKind kind) => kind switch
    {
        CommandKind.Analog => 0x42,
        CommandKind.Alarm => 0x44,
        CommandKind.ManufacturerInfo => 0x51,
        _ => null,
    };

    public IReadOnlyList<byte[]> BuildRequests(CommandKind kind, byte address, byte packByte = RequestBuilder.AllPacks, byte? versionOverride = null) =>
        Cid2Of(kind) is { } cid2
            ? [Encoding.ASCII.GetBytes(RequestBuilder.Build(versionOverride ?? Version, address, DeviceType, cid2, []))]
            : throw new ArgumentException($"lumen has no {kind.ToLabel()} read", nameof(kind));

    public DialectReply Validate(ReadOnlySpan<byte> reply, ReadOnlySpan<byte> request = default, byte? versionOverride = null) =>
        FrameDecoder.Parse(Encoding.Latin1.GetString(reply), versionOverride ?? Version, DeviceType, request.IsEmpty ? null : Encoding.Latin1.GetString(request));

    public AnalogReading DecodeAnalog(IReadOnlyList<DialectReply> replies, byte packByte, DecoderOptions options)
    {
        var info = Info(replies);
        int at = 0;
        int cellCount = U8(info, ref at);
        var cells = Enumerable.Range(0, cellCount).Select(_ => U16(info, ref at) / 1000.0).ToImmutableArray();
        int temperatureCount = U8(info, ref at);
        var temperatures = Enumerable.Range(0, temperatureCount).Select(_ => (U16(info, ref at) - options.TemperatureOffsetDeciKelvin) / 10.0).ToImmutableArray();
        double current = (short)U16(info, ref at) / 100.0;
        double voltage = U16(info, ref at) / 100.0;
        double remaining = U16(info, ref at) / 100.0;
        double full = U16(info, ref at) / 100.0;
        int cycles = U16(info, ref at);
        if (at != info.Length)
        {
            throw new PaceProtocolException(FrameError.Decode, $"lumen analog INFO has {info.Length} bytes, the layout {at}");
        }

        var pack = new AnalogPack
        {
            Pack = 1,
            Offline = false,
            CellVoltagesVolts = cells,
            TemperaturesCelsius = temperatures,
            CurrentAmperes = current,
            VoltageVolts = voltage,
            RemainingAmpHours = remaining,
            FullAmpHours = full,
            DesignAmpHours = null,
            CycleCount = cycles,
            UserDefinedP = 0,
            TailHex = "",
            Tail = null,
            StateOfChargeRatio = null,
            StateOfHealthRatio = null,
            StateOfChargeCalculatedRatio = full > 0 ? remaining / full : null,
            StateOfHealthCalculatedRatio = null,
            TemperatureRoles = [.. Enumerable.Range(0, temperatureCount).Select(i => RoleOfSensor(i, temperatureCount))],
        };
        return new AnalogReading(1, [pack]) { Protocol = Name };
    }

    public AlarmReading DecodeAlarm(IReadOnlyList<DialectReply> replies, byte packByte, DecoderOptions options)
    {
        var info = Info(replies);
        int at = 0;
        var cellWarnings = Enumerable.Range(0, U8(info, ref at)).Select(_ => (byte)U8(info, ref at)).ToImmutableArray();
        var temperatureWarnings = Enumerable.Range(0, U8(info, ref at)).Select(_ => (byte)U8(info, ref at)).ToImmutableArray();
        int status = U8(info, ref at);
        if (at != info.Length)
        {
            throw new PaceProtocolException(FrameError.Decode, $"lumen alarm INFO has {info.Length} bytes, the layout {at}");
        }

        var pack = new AlarmPack
        {
            Pack = 1,
            CellWarnings = cellWarnings,
            TemperatureWarnings = temperatureWarnings,
            TailHex = "",
            Status = [new StatusField(StatusByte, status)],
            FlagDefinitions = Flags,
            BalancingCells = [],
        };
        return new AlarmReading(1, [pack]) { Protocol = Name };
    }

    public IdentityReading DecodeIdentity(CommandKind kind, IReadOnlyList<DialectReply> replies) =>
        kind == CommandKind.ManufacturerInfo
            ? new IdentityReading { DeviceName = Encoding.ASCII.GetString(Info(replies).AsSpan()).TrimEnd(), SoftwareVersion = "1.0" }
            : throw NotOurs(kind);

    public int? DecodePackCount(IReadOnlyList<DialectReply> replies) => throw NotOurs(CommandKind.PackCount);

    public CapacityReading DecodeCapacity(IReadOnlyList<DialectReply> replies) => throw NotOurs(CommandKind.Capacity);

    public DateTime DecodeDateTime(IReadOnlyList<DialectReply> replies) => throw NotOurs(CommandKind.DateTime);

    public bool Explains(IReadOnlyList<DialectReply> replies, CommandKind kind, byte packByte, byte? versionOverride = null)
    {
        if (replies.Count != 1 || replies[0] is not ResponseFrame { ReturnCode: 0 } frame || frame.Version != (versionOverride ?? Version) || frame.Cid1 != DeviceType)
        {
            return false;
        }

        try
        {
            _ = kind switch
            {
                CommandKind.Analog => (object)DecodeAnalog(replies, packByte, new DecoderOptions { TemperatureOffsetDeciKelvin = TemperatureOffsetDeciKelvin }),
                CommandKind.Alarm => DecodeAlarm(replies, packByte, new DecoderOptions()),
                _ => DecodeIdentity(kind, replies),
            };
            return true;
        }
        catch (PaceProtocolException)
        {
            return false;
        }
    }

    /// <summary>The INFO of an analog answer in this layout, for the scripted battery that speaks it.</summary>
    public static string AnalogReply(byte address, IReadOnlyList<int> cellsMillivolts, IReadOnlyList<int> deciKelvin, int centiAmperes, int centiVolts, int remaining, int full, int cycles)
    {
        var info = new List<byte> { (byte)cellsMillivolts.Count };
        foreach (int mv in cellsMillivolts)
        {
            info.AddRange([(byte)(mv >> 8), (byte)mv]);
        }

        info.Add((byte)deciKelvin.Count);
        foreach (int k in deciKelvin)
        {
            info.AddRange([(byte)(k >> 8), (byte)k]);
        }

        foreach (int word in new[] { (ushort)(short)centiAmperes, centiVolts, remaining, full, cycles })
        {
            info.AddRange([(byte)(word >> 8), (byte)word]);
        }

        return FrameEncoder.EncodeResponse(Version, address, DeviceType, 0, [.. info]);
    }

    private static ImmutableArray<byte> Info(IReadOnlyList<DialectReply> replies) =>
        replies is [ResponseFrame { Version: Version, Cid1: DeviceType } frame] ? frame.Info : throw new PaceProtocolException(FrameError.Decode, "not one lumen frame");

    private static int U8(ImmutableArray<byte> info, ref int at) =>
        at < info.Length ? info[at++] : throw new PaceProtocolException(FrameError.Decode, "lumen INFO ends early");

    private static int U16(ImmutableArray<byte> info, ref int at) => (U8(info, ref at) << 8) | U8(info, ref at);

    private PaceProtocolException NotOurs(CommandKind kind) => new(FrameError.Decode, $"the {Name} dialect has no {kind.ToLabel()} command");
}
