using System.Globalization;
using BmsPace.Protocol.Framing;

namespace BmsPace.Protocol.Tests;

public sealed class FrameDecoderTests
{
    private const string Jakiper = "~25014600F07A0001100CC70CC80CC70CC70CC70CC50CC60CC70CC70CC60CC70CC60CC60CC70CC60CC7060B9B0B990B990B990BB30BBCFF1FCCCD12D303286A008C2710E1E4\r";

    [Fact]
    public void Valid_frame_yields_header_and_info_with_or_without_cr()
    {
        foreach (var frame in new[] { Jakiper, Jakiper.TrimEnd('\r') })
        {
            var parsed = FrameDecoder.Parse(frame, 0x25);
            Assert.Equal((0x25, 0x01, 0x46, 0x00), (parsed.Version, parsed.Address, parsed.Cid1, parsed.ReturnCode));
            Assert.Equal(61, parsed.Info.Length);
            Assert.Equal(0x10, parsed.Info[2]);
        }
    }

    [Fact]
    public void Lowercase_hex_is_accepted_with_a_checksum_over_the_characters_as_sent()
    {
        string body = Jakiper[1..^5].ToLowerInvariant();
        string frame = "~" + body + Checksums.FrameChecksum(body).ToString("x4", CultureInfo.InvariantCulture) + "\r";
        var parsed = FrameDecoder.Parse(frame, 0x25);
        Assert.Equal(FrameDecoder.Parse(Jakiper, 0x25).Info.ToArray(), parsed.Info.ToArray());
    }

    [Theory]
    [InlineData("", FrameError.Truncated)]
    [InlineData("\r", FrameError.Truncated)]
    [InlineData("25014600F07A\r", FrameError.Truncated)]
    [InlineData("~250146000000FD\r", FrameError.Truncated)]
    [InlineData("~2501460G0000FDAD\r", FrameError.Hex)]
    [InlineData("~25014600 000FDAD\r", FrameError.Hex)]
    [InlineData("~250146000000FDAD\r\n", FrameError.Hex)]
    [InlineData("~250146001000FDAD\r", FrameError.LengthChecksum)]
    [InlineData("~250146000002FDAD\r", FrameError.LengthChecksum)]
    [InlineData("~25014600E0020100FDAD\r", FrameError.Length)]
    [InlineData("~25014600E00201FDAD", FrameError.Checksum)]
    [InlineData("~25014600E003011FDAD", FrameError.LengthChecksum)]
    [InlineData("~25014600F001FDAD", FrameError.Length)]
    [InlineData("~250146000000FDAD\r", FrameError.Checksum)]
    [InlineData("~200146000000FDB3\r", FrameError.Version)]
    [InlineData("~25014A000000FDA3\r", FrameError.Cid1)]
    [InlineData("~250146020000FDAC\r", FrameError.Rtn)]
    public void First_failing_check_names_the_failure(string frame, FrameError expected)
    {
        var error = Assert.Throws<PaceProtocolException>(() => FrameDecoder.Parse(frame, 0x25));
        Assert.Equal(expected, error.Error);
        Assert.False(string.IsNullOrWhiteSpace(error.Detail));
        Assert.StartsWith(expected.ToReason(), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_fixed_frames_of_the_ladder_test_are_right_apart_from_their_one_fault()
    {
        // Proves the inline frames above fail for the reason named and not by accident of a typo.
        Assert.Equal(0xFDAE, Checksums.FrameChecksum("250146000000"));
        Assert.Equal(0xFDB3, Checksums.FrameChecksum("200146000000"));
        Assert.Equal(0xFDA3, Checksums.FrameChecksum("25014A000000"));
        Assert.Equal(0xFDAC, Checksums.FrameChecksum("250146020000"));
        Assert.Equal(0xFD36, Checksums.FrameChecksum("25014600E00201"));
        Assert.NotNull(FrameDecoder.Parse("~250146000000FDAE\r", 0x25));
    }

    [Fact]
    public void Frame_shorter_than_its_lenid_without_cr_is_truncated()
    {
        var error = Assert.Throws<PaceProtocolException>(() => FrameDecoder.Parse(Jakiper.AsSpan(0, 100), 0x25));
        Assert.Equal(FrameError.Truncated, error.Error);
    }

    [Fact]
    public void Rtn_failure_carries_the_code_and_its_meaning()
    {
        string frame = FrameEncoder.EncodeResponse(0x25, 0x01, 0x46, 0x91, []);
        var error = Assert.Throws<PaceProtocolException>(() => FrameDecoder.Parse(frame, 0x25));
        Assert.Equal((byte)0x91, error.ReturnCode);
        Assert.Contains("communication error", error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_return_code_has_a_meaning_and_unknown_ones_say_so()
    {
        var known = new Dictionary<byte, string>
        {
            [0x00] = "normal", [0x01] = "version error", [0x02] = "CHKSUM error", [0x03] = "LCHKSUM error",
            [0x04] = "CID2 invalid", [0x05] = "command format error", [0x06] = "invalid data", [0x07] = "no data",
            [0x09] = "operation or write error", [0x90] = "ADR error", [0x91] = "communication error",
            [0xE1] = "CID1 invalid", [0xE2] = "command execution failed", [0xE3] = "device fault", [0xE4] = "invalid permission",
        };
        for (int code = 0; code <= 0xFF; code++)
        {
            string meaning = ReturnCodes.Describe((byte)code);
            Assert.Equal(known.TryGetValue((byte)code, out var text) ? text : ReturnCodes.Unknown, meaning);
        }
    }

    [Fact]
    public void A_request_is_not_taken_for_an_echo_unless_identical()
    {
        var parsed = FrameDecoder.Parse(Jakiper, 0x25, 0x46, "~25014642E00201FD30\r");
        Assert.Equal(61, parsed.Info.Length);
    }
}
