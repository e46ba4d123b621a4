namespace BmsPace.Protocol.Framing;

/// <summary>
/// Why a request produced no usable answer. The order of the members is the order in which the checks run
/// (METRICS.md "Failure reasons"): the first that applies names the failure.
/// </summary>
public enum FrameError
{
    Timeout,
    Io,
    Echo,
    Truncated,
    Hex,
    LengthChecksum,
    Length,
    Checksum,
    Version,
    Cid1,
    WrongAddress,
    Rtn,
    Decode,
}

public static class FrameErrorNames
{
    /// <summary>The <c>reason</c> label value of METRICS.md for an error.</summary>
    public static string ToReason(this FrameError error) => error switch
    {
        FrameError.Timeout => "timeout",
        FrameError.Io => "io",
        FrameError.Echo => "echo",
        FrameError.Truncated => "truncated",
        FrameError.Hex => "hex",
        FrameError.LengthChecksum => "length_checksum",
        FrameError.Length => "length",
        FrameError.Checksum => "checksum",
        FrameError.Version => "version",
        FrameError.Cid1 => "cid1",
        FrameError.WrongAddress => "wrong_address",
        FrameError.Rtn => "rtn",
        FrameError.Decode => "decode",
        _ => throw new ArgumentOutOfRangeException(nameof(error), error, "unknown frame error"),
    };

    public static IReadOnlyList<FrameError> All { get; } = Enum.GetValues<FrameError>();
}
