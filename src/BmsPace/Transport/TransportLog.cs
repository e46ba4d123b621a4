using Microsoft.Extensions.Logging;

namespace BmsPace.Transport;

/// <summary>
/// Log lines of the transports. Whole frames are logged once, by the poller, in <see cref="LogCategories.Frames"/>; the
/// transport adds what only it sees: the raw bytes read (Trace, same category), echoes, stale frames and link changes
/// (Debug: the poller reports the link going down and coming back, once per change).
/// </summary>
internal static partial class TransportLog
{
    [LoggerMessage(EventId = 102, Level = LogLevel.Trace, Message = "{Link} read {Count} bytes: {Hex}")]
    public static partial void Chunk(ILogger logger, string link, int count, string hex);

    [LoggerMessage(EventId = 103, Level = LogLevel.Debug, Message = "{Link} discarded an echo of the request")]
    public static partial void EchoDiscarded(ILogger logger, string link);

    [LoggerMessage(EventId = 104, Level = LogLevel.Debug, Message = "{Link} connected")]
    public static partial void Connected(ILogger logger, string link);

    [LoggerMessage(EventId = 105, Level = LogLevel.Debug, Message = "{Link} link lost: {Reason}")]
    public static partial void LinkLost(ILogger logger, string link, string reason);

    [LoggerMessage(EventId = 106, Level = LogLevel.Debug, Message = "{Link} exchange failed ({Reason}): {Detail}; partial: {Partial}")]
    public static partial void ExchangeFailed(ILogger logger, string link, string reason, string detail, string partial);

    [LoggerMessage(EventId = 108, Level = LogLevel.Debug, Message = "{Link} skipped {Count} stale frame(s) that arrived before the request")]
    public static partial void StaleSkipped(ILogger logger, string link, int count);

    [LoggerMessage(EventId = 109, Level = LogLevel.Warning, Message = "{Link} disposing the old port failed: {Reason}")]
    public static partial void DisposeFailed(ILogger logger, string link, string reason);

    [LoggerMessage(EventId = 110, Level = LogLevel.Debug, Message = "{Link} the old link's reader did not stop within {GraceMs} ms; it is left to end on its own")]
    public static partial void ReadLoopLingers(ILogger logger, string link, double graceMs);
}
