namespace BmsPace.Protocol.Framing;

/// <summary>A request whose envelope is valid: header fields, the command code and the INFO bytes.</summary>
public sealed record RequestFrame(byte Version, byte Address, byte Cid1, byte Cid2, ImmutableArray<byte> Info);
