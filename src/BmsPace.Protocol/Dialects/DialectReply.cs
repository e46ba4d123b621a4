namespace BmsPace.Protocol.Dialects;

/// <summary>
/// A reply that passed its dialect's validation (<see cref="IBmsDialect.Validate"/>): only the dialect that validated it
/// decodes it. Callers see what every wire format has: the address that answered and the payload bytes.
/// </summary>
public abstract record DialectReply
{
    /// <summary>The address (ADR, slave) the reply came from.</summary>
    public abstract byte Address { get; }

    /// <summary>The data bytes (INFO of an ASCII frame), for logs that show what a value was read from.</summary>
    public abstract ImmutableArray<byte> Payload { get; }

    /// <summary>The header fields that identify the protocol family, for a log line ("VER 25, CID1 46").</summary>
    public abstract string DescribeHeader();
}
