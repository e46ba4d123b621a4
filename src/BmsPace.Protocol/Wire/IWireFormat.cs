using System.Buffers;

namespace BmsPace.Protocol.Wire;

/// <summary>
/// How a protocol family puts frames on the line: where a frame starts and ends in a byte stream, what an echo of a
/// request looks like, and how frames read in a log. The transport, the simulator and <c>probe</c> cut frames only
/// through this; a dialect names its wire format (<see cref="Dialects.IBmsDialect.Wire"/>).
/// </summary>
public interface IWireFormat
{
    /// <summary>A short name for logs ("ascii", "modbus-rtu").</summary>
    string Name { get; }

    /// <summary>The longest frame this wire format carries, in bytes (how long a reply may take to cross a slow line).</summary>
    int MaxFrameLength { get; }

    /// <summary>
    /// Takes the next complete reply frame off the front of <paramref name="buffer"/>; bytes before it that cannot be a
    /// frame (noise, cut-off or oversize frames) are consumed too. When none is complete it returns false and leaves in
    /// <paramref name="buffer"/> only what may still become a frame (empty when nothing can).
    /// </summary>
    /// <param name="request">The request the reply answers (a binary wire format reads the expected length from it); may be empty.</param>
    bool TryCutReply(ref ReadOnlySequence<byte> buffer, ReadOnlySpan<byte> request, out ReadOnlySequence<byte> frame);

    /// <summary>Takes the next complete request frame off the front of <paramref name="buffer"/> (what a simulated BMS reads), by the rules of <see cref="TryCutReply"/>.</summary>
    bool TryCutRequest(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> frame);

    /// <summary>Whether <paramref name="frame"/> is the request itself, sent back by a converter that echoes.</summary>
    bool IsEchoOf(ReadOnlySpan<byte> frame, ReadOnlySpan<byte> request);

    /// <summary>The bytes as a log or <c>probe</c> line shows them (text for an ASCII format, hex for a binary one).</summary>
    string Describe(ReadOnlySpan<byte> bytes);
}
