namespace BmsPace.Protocol.Framing;

/// <summary>
/// The one exception type the protocol library throws for bad input. <see cref="Error"/> names the failure
/// (a METRICS.md reason); <see cref="Detail"/> says what was expected and what arrived.
/// </summary>
public sealed class PaceProtocolException : Exception
{
    public PaceProtocolException(FrameError error, string detail, byte? returnCode = null)
        : base($"{error.ToReason()}: {detail}")
    {
        Error = error;
        Detail = detail;
        ReturnCode = returnCode;
    }

    public FrameError Error { get; }

    public string Detail { get; }

    /// <summary>The RTN byte when <see cref="Error"/> is <see cref="FrameError.Rtn"/>.</summary>
    public byte? ReturnCode { get; }
}
