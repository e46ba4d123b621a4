using System.Collections.Immutable;

namespace BmsPace.Protocol.Framing;

/// <summary>A response that passed the validation ladder: header fields and the INFO bytes (hex already decoded).</summary>
public sealed record ResponseFrame(byte Version, byte Address, byte Cid1, byte ReturnCode, ImmutableArray<byte> Info);
