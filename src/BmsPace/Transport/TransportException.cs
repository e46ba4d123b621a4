using BmsPace.Protocol.Framing;

namespace BmsPace.Transport;

/// <summary>An exchange that produced no frame; <see cref="Reason"/> is one of timeout, io, echo, truncated.</summary>
public sealed class TransportException : Exception
{
    public TransportException(FrameError reason, string message, Exception? inner = null)
        : base(message, inner)
    {
        Reason = reason;
    }

    public FrameError Reason { get; }

    /// <summary>Whatever partial data had arrived, for debug logs.</summary>
    public string? Partial { get; init; }

    /// <summary>
    /// Whether the request went out on the line before the exchange failed. False when the link could not be opened or
    /// the write failed: such a request is not counted as sent.
    /// </summary>
    public bool RequestSent { get; init; }
}
