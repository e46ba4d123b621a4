namespace BmsPace.Protocol.Commands;

/// <summary>
/// Builds request frames (PROTOCOL.md sections 3-5). It is the only way this code base produces a request, and it
/// can only produce the read-only codes of <see cref="ReadOnlyCommandSet"/>.
/// </summary>
public static class RequestBuilder
{
    /// <summary>Device type of PACE and Seplos/Pylon lithium-iron packs.</summary>
    public const byte LithiumIronCid1 = 0x46;

    /// <summary>The COMMAND byte that asks the master for every pack.</summary>
    public const byte AllPacks = 0xFF;

    /// <summary>Builds <c>~VER ADR CID1 CID2 LENGTH INFO CHKSUM\r</c>.</summary>
    /// <exception cref="ArgumentException">The CID2 is not a read-only command.</exception>
    public static string Build(byte version, byte address, byte cid1, byte cid2, ReadOnlySpan<byte> info)
    {
        if (!ReadOnlyCommandSet.IsReadOnly(cid2))
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"CID2 0x{cid2:X2} is not a read-only command; BmsPace never sends it"),
                nameof(cid2));
        }

        return FrameEncoder.Encode(version, address, cid1, cid2, info);
    }
}
