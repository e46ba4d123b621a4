using BmsPace.Protocol.Commands;
using BmsPace.Protocol.Decoding;
using BmsPace.Protocol.Dialects;
using BmsPace.Protocol.Framing;

namespace BmsPace.Probe;

/// <summary>The two questions <c>probe</c> asks a dialect through its seam: the read-only analog request and one identity read.</summary>
internal static class ProbeQuestions
{
    /// <summary>
    /// The analog request at <paramref name="address"/>, asking whatever answers there (<see cref="IBmsDialect.PackByteAt"/>:
    /// a master for its whole stack where the dialect lets it, else the pack at that address).
    /// </summary>
    public static byte[] AnalogRequest(IBmsDialect dialect, byte address) =>
        dialect.BuildRequests(CommandKind.Analog, address, dialect.PackByteAt(address))[0];

    /// <summary>The analog request at <paramref name="address"/> as an attempt line shows it.</summary>
    public static string AnalogRequestText(IBmsDialect dialect, byte address) => dialect.Wire.Describe(AnalogRequest(dialect, address));

    /// <summary>The identity read of <see cref="IdentityKind"/> at <paramref name="address"/>.</summary>
    public static byte[] IdentityRequest(IBmsDialect dialect, byte address) => dialect.BuildRequests(IdentityKind(dialect), address)[0];

    /// <summary>
    /// The analog request to the pack at <paramref name="address"/> for itself (COMMAND = the address): how a pack on an
    /// RS485 bus without a master must be asked where the dialect's usual question goes to a master (PACE's COMMAND FF).
    /// </summary>
    public static byte[] OwnAddressRequest(IBmsDialect dialect, byte address) =>
        dialect.BuildRequests(CommandKind.Analog, address, address)[0];

    /// <summary>Whether the dialect's usual question asks a master for every pack, so a pack that answers only for itself needs <see cref="OwnAddressRequest"/>.</summary>
    public static bool AsksTheMaster(IBmsDialect dialect) => dialect.Addressing.MasterAnswersForEveryPack;

    /// <summary>The pack count when the dialect's own layout explains <paramref name="frame"/> as the answer to <see cref="AnalogRequest"/> (or to <see cref="OwnAddressRequest"/>); else null.</summary>
    public static int? ExplainAnalog(IBmsDialect dialect, DialectReply frame, byte address, bool ownAddress = false)
    {
        byte packByte = ownAddress ? address : dialect.PackByteAt(address);
        if (!dialect.Explains([frame], CommandKind.Analog, packByte))
        {
            return null;
        }

        var options = DecoderOptions.Default with { TemperatureOffsetDeciKelvin = dialect.TemperatureOffsetDeciKelvin };
        return dialect.DecodeAnalog([frame], packByte, options).PackCount;
    }

    /// <summary>The read that names the firmware: PACE 0xC1, else the 0x20 family's 0x51, else the dialect's first identity read.</summary>
    public static CommandKind IdentityKind(IBmsDialect dialect) =>
        dialect.IdentityCommands.Contains(CommandKind.SoftwareVersion) ? CommandKind.SoftwareVersion
        : dialect.IdentityCommands.Contains(CommandKind.ManufacturerInfo) ? CommandKind.ManufacturerInfo
        : dialect.IdentityCommands[0];

    /// <summary>The firmware named by an identity answer (device name and version where the dialect sends both), or null.</summary>
    public static string? SoftwareVersion(IBmsDialect dialect, DialectReply frame)
    {
        try
        {
            var identity = dialect.DecodeIdentity(IdentityKind(dialect), [frame]);
            return identity switch
            {
                { DeviceName: { Length: > 0 } name, SoftwareVersion: { } version } => $"{name} {version}",
                { SoftwareVersion: { Length: > 0 } version } => version,
                _ => null,
            };
        }
        catch (PaceProtocolException)
        {
            return null;
        }
    }
}
