using BmsPace.Protocol.Dialects;

namespace BmsPace.Protocol.Framing;

/// <summary>A response that passed the validation ladder: header fields and the INFO bytes (hex already decoded).</summary>
public sealed record ResponseFrame(byte Version, byte Address, byte Cid1, byte ReturnCode, ImmutableArray<byte> Info) : DialectReply
{
    public override byte Address { get; } = Address;

    public override ImmutableArray<byte> Payload => Info;

    public override string DescribeHeader() => string.Create(CultureInfo.InvariantCulture, $"VER {Version:X2}, CID1 {Cid1:X2}");
}
