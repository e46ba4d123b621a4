using System.Globalization;
using System.Text;
using BmsPace.Protocol.Framing;
using BmsPace.Protocol.Simulation;

namespace BmsPace.Protocol.Dialects;

/// <summary>
/// What every simulated pack of the ASCII family does the same way: it reads the request envelope, answers only its own
/// VER and CID1, answers a damaged request of its own dialect with the RTN the PACE documents give (02 CHKSUM, 03
/// LCHKSUM or length), ignores anything else, and wraps the INFO its dialect writes in a response frame.
/// </summary>
internal abstract class AsciiReplyEncoder(byte cid1) : IReplyEncoder
{
    /// <summary>RTN 04, CID2 invalid: the pack does not know the command.</summary>
    protected static AsciiAnswer Unknown { get; } = new(ReturnCodes.CommandUnknown, []);

    public virtual string? RefuseShape(int packs, int cells, int temperatures) => null;

    public byte[]? Answer(ReadOnlySpan<byte> request, ISimulatedBattery battery)
    {
        ArgumentNullException.ThrowIfNull(battery);
        string text = Encoding.Latin1.GetString(request);
        RequestFrame parsed;
        try
        {
            parsed = FrameDecoder.ParseRequest(text);
        }
        catch (PaceProtocolException ex)
        {
            // A damaged request in our own dialect gets the RTN the PACE documents give for it; bytes that are not a
            // frame at all, or a frame for another dialect, get nothing (a real BMS ignores them).
            byte? returnCode = ex.Error switch
            {
                FrameError.Checksum => 0x02,
                FrameError.LengthChecksum or FrameError.Length => 0x03,
                _ => null,
            };
            return returnCode is { } rtn && ReadHeader(text) is { } header && header.Version == battery.Version && header.Cid1 == cid1
                ? Encode(battery, header.Address, new AsciiAnswer(rtn, []))
                : null;
        }

        if (parsed.Cid1 != cid1)
        {
            return null;
        }

        if (parsed.Version != battery.Version)
        {
            return ReplyToOtherVersion(parsed.Address, battery) is { } refusal ? Encode(battery, parsed.Address, refusal) : null;
        }

        return Reply(parsed.Address, parsed.Cid2, parsed.Info.AsSpan(), battery) is { } answer ? Encode(battery, parsed.Address, answer) : null;
    }

    /// <summary>The answer to a request of this dialect's CID1 in another VER: null (silence) unless the dialect's packs say RTN 01.</summary>
    protected virtual AsciiAnswer? ReplyToOtherVersion(byte address, ISimulatedBattery battery) => null;

    /// <summary>The answer to a valid request of this dialect: an RTN and INFO, or null for silence (no such pack).</summary>
    protected abstract AsciiAnswer? Reply(byte address, byte cid2, ReadOnlySpan<byte> info, ISimulatedBattery battery);

    private byte[] Encode(ISimulatedBattery battery, byte address, AsciiAnswer answer) =>
        Encoding.ASCII.GetBytes(FrameEncoder.EncodeResponse(battery.Version, address, cid1, answer.ReturnCode, answer.Info));

    /// <summary>VER, ADR and CID1 of a request whose envelope is damaged but whose header characters are hex.</summary>
    private static (byte Version, byte Address, byte Cid1)? ReadHeader(string request)
    {
        if (request.Length < 7 || request[0] != FrameEncoder.StartOfFrame
            || !byte.TryParse(request.AsSpan(1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out byte version)
            || !byte.TryParse(request.AsSpan(3, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out byte address)
            || !byte.TryParse(request.AsSpan(5, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out byte cid1))
        {
            return null;
        }

        return (version, address, cid1);
    }
}

/// <summary>An answer of the ASCII family before it is framed: the RTN and the INFO bytes.</summary>
internal sealed record AsciiAnswer(byte ReturnCode, byte[] Info);
