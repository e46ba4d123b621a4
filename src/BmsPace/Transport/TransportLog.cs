using Microsoft.Extensions.Logging;

namespace BmsPace.Transport;

/// <summary>
/// Log lines of the transports. Whole frames sent and received are logged once, by the poller (debug_output 2-3);
/// the transport adds what only it sees: raw chunks and bytes as hex at Trace, echoes, flushes and link changes.
/// </summary>
internal static partial class TransportLog
{
    [LoggerMessage(EventId = 102, Level = LogLevel.Trace, Message = "{Link} chunk of {Count} bytes: {Hex}")]
    public static partial void Chunk(ILogger logger, string link, int count, string hex);

    [LoggerMessage(EventId = 103, Level = LogLevel.Debug, Message = "{Link} discarded an echo of the request")]
    public static partial void EchoDiscarded(ILogger logger, string link);

    [LoggerMessage(EventId = 104, Level = LogLevel.Information, Message = "{Link} connected")]
    public static partial void Connected(ILogger logger, string link);

    [LoggerMessage(EventId = 105, Level = LogLevel.Warning, Message = "{Link} link lost: {Reason}")]
    public static partial void LinkLost(ILogger logger, string link, string reason);

    [LoggerMessage(EventId = 106, Level = LogLevel.Debug, Message = "{Link} exchange failed ({Reason}): {Detail}; partial: {Partial}")]
    public static partial void ExchangeFailed(ILogger logger, string link, string reason, string detail, string partial);

    [LoggerMessage(EventId = 107, Level = LogLevel.Trace, Message = "{Link} -> hex {Hex}")]
    public static partial void SentHex(ILogger logger, string link, string hex);

    [LoggerMessage(EventId = 108, Level = LogLevel.Debug, Message = "{Link} flushed {Count} stale bytes before the request")]
    public static partial void Flushed(ILogger logger, string link, int count);

    [LoggerMessage(EventId = 109, Level = LogLevel.Warning, Message = "{Link} disposing the old port failed: {Reason}")]
    public static partial void DisposeFailed(ILogger logger, string link, string reason);
}
