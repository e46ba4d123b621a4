using BmsPace.Protocol.Commands;
using BmsPace.Protocol.Framing;
using CsCheck;

namespace BmsPace.Protocol.Tests;

public sealed class RequestBuilderTests
{
    /// <summary>PROTOCOL.md section 9, "Never send from a monitor".</summary>
    private static readonly byte[] NeverSend =
    [
        0x99, 0x9A, 0x9B, 0x9C, 0x95, 0xA4,
        0xA5, 0xA7, 0xA8, 0xAE, 0xB2, 0xB3, 0xB4, 0xB5, 0xB7, 0xB9, 0xBB, 0xBD, 0xC3, 0xC4,
        0xD0, 0xD2, 0xD4, 0xD6, 0xD8, 0xDA, 0xDC, 0xDE, 0xE0, 0xE2, 0xE4, 0xE6, 0xEC, 0xEE,
        0xA9, 0xAA, 0xAB, 0xAC, 0xAD,
        0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6A,
        0x7E, 0x7F, 0xFF,
    ];

    /// <summary>PROTOCOL.md section 9, the read-only table (0xC6 is listed but was never seen, so it is not sent).</summary>
    private static readonly byte[] Reads =
    [
        0x42, 0x44, 0x90, 0xA6, 0xB1, 0xC1, 0xC2,
        0xA0, 0xAF, 0xB6, 0xD1, 0xD3, 0xD5, 0xD7, 0xD9, 0xDB, 0xDD, 0xDF, 0xE1, 0xE3, 0xE5, 0xE7, 0xEB, 0xED,
        0xA1, 0x4F, 0x51, 0x47, 0x4D, 0x93,
    ];

    [Fact]
    public void Every_cid2_is_refused_unless_it_is_on_the_read_list_for_any_header()
    {
        Assert.Empty(NeverSend.Intersect(Reads));
        Gen.Select(Gen.Byte, Gen.Byte, Gen.Byte).Sample((version, address, cid1) =>
        {
            for (int code = 0; code <= 0xFF; code++)
            {
                byte cid2 = (byte)code;
                if (Reads.Contains(cid2))
                {
                    string frame = RequestBuilder.Build(version, address, cid1, cid2, []);
                    Assert.Equal(cid2, FrameDecoder.ParseRequest(frame).Cid2);
                }
                else
                {
                    var refused = Assert.Throws<ArgumentException>(() => RequestBuilder.Build(version, address, cid1, cid2, [0x01]));
                    Assert.Contains($"0x{cid2:X2}", refused.Message, StringComparison.Ordinal);
                }
            }
        }, iter: 50);

        Assert.All(NeverSend, code => Assert.False(ReadOnlyCommandSet.IsReadOnly(code), $"0x{code:X2} must never be sent"));
        Assert.Equal(Reads.Order(), ReadOnlyCommandSet.All.Order());
    }

    [Fact]
    public void Every_read_command_round_trips_through_the_frame_decoder()
    {
        Gen.Select(Gen.Byte, Gen.Byte, Gen.Byte, Gen.Int[0, Reads.Length - 1], Gen.Byte.Array[0, 8]).Sample((version, address, cid1, index, info) =>
        {
            byte cid2 = Reads[index];
            string frame = RequestBuilder.Build(version, address, cid1, cid2, info);
            Assert.Equal(18 + (2 * info.Length), frame.Length);
            var parsed = FrameDecoder.ParseRequest(frame);
            Assert.Equal((version, address, cid1, cid2), (parsed.Version, parsed.Address, parsed.Cid1, parsed.Cid2));
            Assert.Equal(info, parsed.Info.ToArray());

            // The same envelope as a reply (RTN 00) passes the full ladder.
            string reply = FrameEncoder.EncodeResponse(version, address, cid1, 0, info);
            var response = FrameDecoder.Parse(reply, version, cid1, frame);
            Assert.Equal(info, response.Info.ToArray());
        }, iter: 500);
    }

    [Fact]
    public void Named_kinds_build_the_documented_requests()
    {
        Assert.Equal("~25014642E00201FD30\r", AsciiDialectCalls.PaceRequest(CommandKind.Analog, 0x25, 0x01, 0x01));
        Assert.Equal("~25014642E002FFFD05\r", AsciiDialectCalls.PaceRequest(CommandKind.Analog, 0x25, 0x01));
        Assert.Equal("~25004644E002FFFD04\r", AsciiDialectCalls.PaceRequest(CommandKind.Alarm, 0x25, 0x00));
        Assert.Equal("~250146C10000FD9A\r", AsciiDialectCalls.PaceRequest(CommandKind.SoftwareVersion, 0x25, 0x01));
        Assert.Equal("~250146C20000FD99\r", AsciiDialectCalls.PaceRequest(CommandKind.SerialNumber, 0x25, 0x01));
        Assert.Equal("~250146A60000FD97\r", AsciiDialectCalls.PaceRequest(CommandKind.Capacity, 0x25, 0x01));
        Assert.Equal("~250046A60000FD98\r", AsciiDialectCalls.PaceRequest(CommandKind.Capacity, 0x25, 0x00));
        Assert.Equal("~250146900000FDA5\r", AsciiDialectCalls.PaceRequest(CommandKind.PackCount, 0x25, 0x01));
        Assert.Equal("~250046B10000FD9C\r", AsciiDialectCalls.PaceRequest(CommandKind.DateTime, 0x25, 0x00));
        Assert.Equal("~20004642E00200FD37\r", AsciiDialectCalls.PaceRequest(CommandKind.Analog, 0x20, 0x00, 0x00));
        Assert.Equal("~20014A420000FDA2\r", RequestBuilder.Build(0x20, 0x01, 0x4A, 0x42, []));
    }

    [Fact]
    public void Length_field_follows_the_documented_table()
    {
        foreach (var (lenId, field) in new[] { (0x000, 0x0000), (0x002, 0xE002), (0x012, 0xD012), (0x028, 0x6028), (0x050, 0xB050), (0x07A, 0xF07A), (0x160, 0x9160), (0x494, 0xF494) })
        {
            Assert.Equal(field, Checksums.LengthField(lenId));
        }
    }
}
