using System.Collections.Frozen;
using System.Globalization;
using BmsPace.Protocol.Commands;
using BmsPace.Protocol.Decoding;
using BmsPace.Protocol.Framing;
using BmsPace.Protocol.Readings;

namespace BmsPace.Protocol.Dialects;

/// <summary>What EG4, Seplos and Pylontech share (PROTOCOL.md 12.6 and 13): VER 0x20, offset 2731, the identity reads.</summary>
internal abstract class Family20Dialect : DialectBase
{
    public override byte DefaultVersion => 0x20;

    public override int TemperatureOffsetDeciKelvin => 2731;

    /// <summary>The CID2 of each kind this dialect has.</summary>
    protected abstract IReadOnlyDictionary<CommandKind, byte> Cid2s { get; }

    public override FrozenSet<byte> ReadOnlyCid2s => Cid2s.Values.Concat(ConfigurationReads).ToFrozenSet();

    /// <summary>Reads that no command kind names yet but that are safe (0x47 system parameters).</summary>
    protected virtual IEnumerable<byte> ConfigurationReads => [0x47];

    public override byte? Cid2Of(CommandKind kind) => Cid2s.TryGetValue(kind, out byte cid2) ? cid2 : null;

    public override IdentityReading DecodeIdentity(CommandKind kind, ResponseFrame frame)
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
            DeviceName = PaceDecoders.Text(info[..10]),
            SoftwareVersion = string.Create(CultureInfo.InvariantCulture, $"{info[10]}.{info[11]}"),
            Manufacturer = PaceDecoders.Text(info[12..]),
        };
    }

    /// <summary>0x93 (Pylontech): the command echo, then 16 ASCII characters.</summary>
    private static IdentityReading DecodeModuleSerial(ReadOnlySpan<byte> info)
    {
        if (info.Length != 17)
        {
            throw DecodeError($"a 0x93 answer has 17 INFO bytes (command echo and 16 characters), this one {info.Length}");
        }

        return new IdentityReading { BmsSerial = PaceDecoders.Text(info[1..]) };
    }

    /// <summary>Sensor temperature in C from 0.1 K; PACE V3.1's absent-sensor marker is honoured here too.</summary>
    protected static double Celsius(int deciKelvin, DecoderOptions options) =>
        deciKelvin == PaceDecoders.AbsentSensor ? double.NaN : (deciKelvin - options.TemperatureOffsetDeciKelvin) / 10.0;
}
