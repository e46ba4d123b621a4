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
}
