using BmsPace.Protocol.Commands;
using BmsPace.Protocol.Decoding;
using BmsPace.Protocol.Framing;

namespace BmsPace.Probe;

/// <summary>
/// What <c>probe</c> needs from a dialect: its read-only analog request for an address, whether a valid reply frame is
/// one of its analog answers (and how many packs it reports), and an identity read.
/// </summary>
/// <remarks>
/// A stand-in until the dialect seam of BmsPace.Protocol lands; only the PACE answer is decoded in full. The 0x20
/// dialects are told apart by header (VER, CID1) and the position of the user-defined count P, which nkinnan uses to
/// guess the variant (PROTOCOL.md section 1).
/// </remarks>
internal interface IProbeDialect
{
    /// <summary>The <c>protocol</c> configuration value (CLI.md): pace, eg4, seplos, pylontech.</summary>
    string Name { get; }

    /// <summary>VER this dialect sends and expects by default.</summary>
    byte Version { get; }

    string AnalogRequest(byte address);

    /// <summary>The pack count when <paramref name="frame"/> (valid envelope, RTN 00) is this dialect's analog answer; null when it is not.</summary>
    ProbeAnswer? Explain(ResponseFrame frame);

    /// <summary>The read-only request that names the firmware (PACE 0xC1; 0x20 family 0x51).</summary>
    string IdentityRequest(byte address);

    /// <summary>The firmware text of an identity answer, or null when it carries none.</summary>
    string? SoftwareVersion(ResponseFrame frame);
}

/// <summary>An analog answer a dialect explained.</summary>
internal sealed record ProbeAnswer(int PackCount);

internal static class ProbeDialects
{
    /// <summary>Every dialect, PACE first (the commonest; it also decides the first request a pack sees).</summary>
    public static IReadOnlyList<IProbeDialect> All { get; } =
    [
        new PaceProbeDialect(),
        new Family20ProbeDialect("eg4", 0x4A, packByteIsAddress: false, userDefinedP: null),
        new Family20ProbeDialect("seplos", 0x46, packByteIsAddress: true, userDefinedP: [10]),
        new Family20ProbeDialect("pylontech", 0x46, packByteIsAddress: true, userDefinedP: [2, 4]),
    ];

    public static IProbeDialect ByName(string name) => All.First(d => d.Name == name);
}

internal sealed class PaceProbeDialect : IProbeDialect
{
    public string Name => "pace";

    public byte Version => 0x25;

    public string AnalogRequest(byte address) => RequestBuilder.Build(CommandKind.Analog, Version, address, RequestBuilder.AllPacks);

    public ProbeAnswer? Explain(ResponseFrame frame)
    {
        if (frame.Version != Version || frame.Cid1 != RequestBuilder.LithiumIronCid1)
        {
            return null;
        }

        try
        {
            var reading = PaceDecoders.DecodeAnalog(frame.Info.AsSpan(), RequestBuilder.AllPacks, DecoderOptions.Pace25);
            return new ProbeAnswer(reading.PackCount);
        }
        catch (PaceProtocolException)
        {
            return null;
        }
    }

    public string IdentityRequest(byte address) => RequestBuilder.Build(CommandKind.SoftwareVersion, Version, address);

    public string? SoftwareVersion(ResponseFrame frame)
    {
        try
        {
            return PaceDecoders.DecodeSoftwareVersion(frame.Info.AsSpan());
        }
        catch (PaceProtocolException)
        {
            return null;
        }
    }
}

/// <summary>EG4, Seplos and Pylontech (VER 0x20, PROTOCOL.md section 13).</summary>
/// <param name="userDefinedP">The P values that tell this dialect from another with the same header; null when the header (EG4's CID1 4A) says enough.</param>
internal sealed class Family20ProbeDialect(string name, byte cid1, bool packByteIsAddress, byte[]? userDefinedP) : IProbeDialect
{
    private const byte ManufacturerInfo = 0x51;

    public string Name => name;

    public byte Version => 0x20;

    public string AnalogRequest(byte address)
    {
        // EG4 selects the pack by ADR alone; Seplos and Pylontech repeat the address as COMMAND.
        ReadOnlySpan<byte> info = packByteIsAddress ? [address] : [];
        return RequestBuilder.Build(Version, address, cid1, CommandKind.Analog.ToCid2(), info);
    }

    public ProbeAnswer? Explain(ResponseFrame frame)
    {
        // Pylontech firmware is reported with VER 21 as well.
        bool versionFits = frame.Version == Version || (name == "pylontech" && frame.Version == 0x21);
        if (!versionFits || frame.Cid1 != cid1)
        {
            return null;
        }

        var info = frame.Info.AsSpan();

        // INFOFLAG, pack/group, M cells, M x 2, N temperatures, N x 2, current, voltage, remaining, P.
        if (info.Length < 3)
        {
            return null;
        }

        int cells = info[2];
        int temperaturesAt = 3 + (2 * cells);
        if (cells is < 1 or > 32 || info.Length <= temperaturesAt)
        {
            return null;
        }

        if (userDefinedP is not null)
        {
            int temperatures = info[temperaturesAt];
            int pAt = temperaturesAt + 1 + (2 * temperatures) + 6;
            if (temperatures > 16 || info.Length <= pAt || !userDefinedP.Contains(info[pAt]))
            {
                return null;
            }
        }

        return new ProbeAnswer(1);
    }

    public string IdentityRequest(byte address) => RequestBuilder.Build(Version, address, cid1, ManufacturerInfo, []);

    public string? SoftwareVersion(ResponseFrame frame)
    {
        // Seplos/Pylontech: device name (10 characters) then version major.minor; EG4 sends a blob of its own.
        var info = frame.Info.AsSpan();
        if (name == "eg4" || info.Length < 12)
        {
            return null;
        }

        string device = System.Text.Encoding.ASCII.GetString(info[..10]).TrimEnd(' ', '\0');
        return $"{device} {info[10]}.{info[11]}";
    }
}
