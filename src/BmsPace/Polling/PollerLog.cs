using Microsoft.Extensions.Logging;

namespace BmsPace.Polling;

/// <summary>Log lines of the poller. Levels are fixed here; <c>debug_output</c> only decides which categories pass (see the host's log filters).</summary>
internal static partial class PollerLog
{
    [LoggerMessage(EventId = 200, Level = LogLevel.Debug, Message = "{Battery} {Direction} {Command} {Frame}")]
    public static partial void Frame(ILogger logger, string battery, string direction, string command, string frame);

    [LoggerMessage(EventId = 201, Level = LogLevel.Trace, Message = "{Battery} {Direction} {Command} {Frame} [{Hex}]")]
    public static partial void FrameWithHex(ILogger logger, string battery, string direction, string command, string frame, string hex);

    [LoggerMessage(EventId = 202, Level = LogLevel.Debug, Message = "{Battery}: {Command} failed ({Reason}): {Detail}")]
    public static partial void RequestFailed(ILogger logger, string battery, string command, string reason, string detail);

    [LoggerMessage(EventId = 203, Level = LogLevel.Warning, Message = "{Battery}: {Command} failed ({Reason}): {Detail}")]
    public static partial void RequestRefused(ILogger logger, string battery, string command, string reason, string detail);

    [LoggerMessage(EventId = 204, Level = LogLevel.Debug, Message = "{Battery}: {Count} failures in a row, reopening {Transport}")]
    public static partial void Reopening(ILogger logger, string battery, int count, string transport);

    [LoggerMessage(EventId = 205, Level = LogLevel.Warning, Message = "{Battery}: closing {Transport} failed")]
    public static partial void CloseFailed(ILogger logger, Exception error, string battery, string transport);

    [LoggerMessage(EventId = 206, Level = LogLevel.Debug, Message = "{Battery}: the last pack's extra bytes differ in length from the others; if values look shifted, set force_pack_offset")]
    public static partial void LastTailDiffers(ILogger logger, string battery);

    [LoggerMessage(EventId = 210, Level = LogLevel.Information, Message = "{Battery}: link up, {Transport} answers")]
    public static partial void LinkUp(ILogger logger, string battery, string transport);

    [LoggerMessage(EventId = 211, Level = LogLevel.Warning, Message = "{Battery}: link down, no answer from {Transport} ({Reason}: {Detail})")]
    public static partial void LinkDown(ILogger logger, string battery, string transport, string reason, string detail);

    [LoggerMessage(EventId = 212, Level = LogLevel.Warning, Message = "{Battery}: link still down after {Downtime} ({Reason}: {Detail})")]
    public static partial void LinkStillDown(ILogger logger, string battery, string downtime, string reason, string detail);

    [LoggerMessage(EventId = 213, Level = LogLevel.Information, Message = "{Battery}: link back after {Downtime} down")]
    public static partial void LinkBack(ILogger logger, string battery, string downtime);

    [LoggerMessage(EventId = 220, Level = LogLevel.Information, Message = "{Battery}: the BMS speaks {Protocol} (VER {Version:X2}, CID1 {Cid1:X2}), detected on {Transport}")]
    public static partial void DialectDetected(ILogger logger, string battery, string protocol, byte version, byte cid1, string transport);

    [LoggerMessage(EventId = 221, Level = LogLevel.Debug, Message = "{Battery}: no dialect ({Dialects}) answered the analog request; trying again next cycle")]
    public static partial void NoDialectAnswered(ILogger logger, string battery, string dialects);

    [LoggerMessage(EventId = 224, Level = LogLevel.Debug, Message = "{Battery}: the link is silent, no answer in {Protocol} either; the next cycle asks in {Next}")]
    public static partial void SilentLinkNextDialect(ILogger logger, string battery, string protocol, string next);

    [LoggerMessage(EventId = 223, Level = LogLevel.Debug, Message = "{Battery}: pack {Pack} does not answer version and serial for itself ({Detail}); its identity stays empty")]
    public static partial void PackIdentityNotOwn(ILogger logger, string battery, int pack, string detail);

    [LoggerMessage(EventId = 222, Level = LogLevel.Debug, Message = "{Battery}: pack {Pack} {Field} dropped as implausible ({Detail}); INFO {Info}")]
    public static partial void ImplausibleValue(ILogger logger, string battery, int pack, string field, string detail, string info);
}
