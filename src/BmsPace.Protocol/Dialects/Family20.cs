namespace BmsPace.Protocol.Dialects;

/// <summary>What EG4, Seplos and Pylontech share (PROTOCOL.md 12.6 and 13): VER 0x20, offset 2731, the identity reads.</summary>
/// <param name="reads">The reads the dialect answers, in the order a poller asks them, each with its CID2.</param>
internal abstract partial class Family20Dialect(params (CommandKind Kind, byte Cid2)[] reads) : DialectBase
{
    /// <summary>A read that no command kind names yet but that is safe (0x47 system parameters).</summary>
    private const byte SystemParameters = 0x47;

    private readonly FrozenDictionary<CommandKind, byte> _cid2s = reads.ToFrozenDictionary(r => r.Kind, r => r.Cid2);

    public override byte DefaultVersion => 0x20;

    /// <summary>One pack per answer, each at its own ADR (PROTOCOL.md 13.4).</summary>
    public override PackAddressing Addressing => PackAddressing.EachPackAtItsAddress;

    public override int TemperatureOffsetDeciKelvin => 2731;

    public override FrozenSet<byte> ReadOnlyCid2s { get; } = [.. reads.Select(r => r.Cid2), SystemParameters];

    public override ImmutableArray<CommandKind> Commands { get; } = [.. reads.Select(r => r.Kind)];

    /// <summary>The family's identity reads (0x4F, 0x51, 0x93) among the dialect's reads, in the same order.</summary>
    public override ImmutableArray<CommandKind> IdentityCommands { get; } =
        [.. reads.Select(r => r.Kind).Where(kind => kind is CommandKind.ProtocolVersion or CommandKind.ManufacturerInfo or CommandKind.ModuleSerial)];

    /// <summary>With six sensors (EG4, Seplos): cells on 1-4, then environment, then MOSFET (the opposite of PACE's order).</summary>
    public override TemperatureRole RoleOfSensor(int index, int count) => count != 6 ? TemperatureRole.Unknown : index switch
    {
        < 4 => TemperatureRole.Cell,
        4 => TemperatureRole.Environment,
        _ => TemperatureRole.Mosfet,
    };

    public override byte? Cid2Of(CommandKind kind) => _cid2s.TryGetValue(kind, out byte cid2) ? cid2 : null;

    internal override IdentityReading DecodeIdentity(CommandKind kind, ResponseFrame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        if (!IdentityCommands.Contains(kind))
        {
            throw NotOurs(kind);
        }

        return kind switch
        {
            CommandKind.ManufacturerInfo => DecodeManufacturerInfo(frame.Info.AsSpan()),
            CommandKind.ProtocolVersion => new IdentityReading
            {
                ProtocolVersion = string.Create(CultureInfo.InvariantCulture, $"{frame.Version >> 4}.{frame.Version & 0xF}"),
            },
            CommandKind.ModuleSerial => DecodeModuleSerial(frame.Info.AsSpan()),
            _ => throw NotOurs(kind),
        };
    }

    /// <summary>0x51 in the Pylon/Seplos layout: device name (10), software version (major, minor), manufacturer (20).</summary>
    protected virtual IdentityReading DecodeManufacturerInfo(ReadOnlySpan<byte> info)
    {
        if (info.Length != 32)
        {
            throw DecodeError($"a {Name} 0x51 answer has 32 INFO bytes (name 10, version 2, manufacturer 20), this one {info.Length}");
        }

        return new IdentityReading
        {
            DeviceName = InfoFields.Text(info[..10]),
            SoftwareVersion = string.Create(CultureInfo.InvariantCulture, $"{info[10]}.{info[11]}"),
            Manufacturer = InfoFields.Text(info[12..]),
        };
    }

    /// <summary>0x93 (Pylontech): the command echo, then 16 ASCII characters.</summary>
    private static IdentityReading DecodeModuleSerial(ReadOnlySpan<byte> info)
    {
        if (info.Length != 17)
        {
            throw DecodeError($"a 0x93 answer has 17 INFO bytes (command echo and 16 characters), this one {info.Length}");
        }

        return new IdentityReading { BmsSerial = InfoFields.Text(info[1..]) };
    }

    protected static double? Ratio(double numerator, double denominator) => Resolution.Ratio(numerator, denominator);
}

internal static class LayoutAttempts
{
    /// <summary>The first attempt whose layout fits; when none does, the first attempt's reason.</summary>
    public static T FirstFitting<T>(this IEnumerable<Func<T>> attempts)
    {
        PaceProtocolException? first = null;
        foreach (var attempt in attempts)
        {
            try
            {
                return attempt();
            }
            catch (PaceProtocolException failure) when (failure.Error == FrameError.Decode)
            {
                first ??= failure;
            }
        }

        throw first ?? new PaceProtocolException(FrameError.Decode, "no layout was tried");
    }
}
