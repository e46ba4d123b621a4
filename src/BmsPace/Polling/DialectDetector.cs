using System.Text;
using BmsPace.Protocol.Commands;
using BmsPace.Protocol.Dialects;
using BmsPace.Protocol.Framing;

namespace BmsPace.Polling;

/// <summary>
/// Finds the dialect a battery speaks when it is configured as <c>protocol: auto</c>: at connect time it asks for the
/// analog values in each dialect, in <see cref="BmsDialects.All"/> order (PACE first), and keeps the first whose answer is
/// a valid frame that dialect's layout explains. The deciding frame is handed back so the cycle uses it as its analog
/// answer: a PACE battery pays no extra request for detection.
/// </summary>
internal static class DialectDetector
{
    /// <param name="askAnalog">Sends one dialect's analog request and returns the validated frame, or null and why (already counted).</param>
    /// <param name="packByte">The COMMAND byte the analog request carries.</param>
    /// <param name="versionOverride">The configured VER override, if any.</param>
    public static async Task<(IBmsDialect Dialect, IReadOnlyList<DialectReply> Analog)?> DetectAsync(
        Func<IBmsDialect, Task<(IReadOnlyList<DialectReply>? Frame, FrameError? Failure)>> askAnalog, byte packByte, byte? versionOverride)
    {
        foreach (var dialect in BmsDialects.All)
        {
            var (frame, failure) = await askAnalog(dialect);
            if (frame is not null && dialect.Explains(frame, CommandKind.Analog, packByte, versionOverride))
            {
                return (dialect, frame);
            }

            if (failure is { } reason && IsDamage(reason))
            {
                // Frames in this dialect's header arrive, only damaged: the line is noisy, not another dialect's.
                // Asking in the others would add requests and prove nothing; detection runs again next cycle.
                return null;
            }
        }

        return null;
    }

    /// <summary>Failures that show a frame arrived in the asked dialect's envelope but damaged on the way.</summary>
    private static bool IsDamage(FrameError reason) =>
        reason is FrameError.Truncated or FrameError.Hex or FrameError.LengthChecksum or FrameError.Length or FrameError.Checksum or FrameError.WrongAddress;

    /// <summary>
    /// The dialect whose VER and CID1 a reply carries when it is not <paramref name="configured"/>: such a frame is refused
    /// with the <c>decode</c> reason, naming the look-alike, and never decoded with the configured layout.
    /// </summary>
    public static IBmsDialect? LookAlike(byte[] response, IBmsDialect configured)
    {
        try
        {
            var envelope = FrameDecoder.ParseRequest(Encoding.Latin1.GetString(response));
            return BmsDialects.All.FirstOrDefault(d => d != configured && d.DefaultVersion == envelope.Version && d.Cid1 == envelope.Cid1);
        }
        catch (PaceProtocolException)
        {
            return null;
        }
    }
}
