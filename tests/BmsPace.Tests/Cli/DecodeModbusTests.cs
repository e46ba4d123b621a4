using System.Text.Json;
using BmsPace.Commands;

namespace BmsPace.Tests.Cli;

/// <summary>
/// <c>bmspace decode RESPONSE_HEX --request REQUEST_HEX [--protocol NAME] [--json]</c> with the real Modbus replies
/// of modbus-vectors.json (CLI.md "Modbus RTU families").
/// </summary>
public sealed class DecodeModbusTests
{
    private const string Eg4Request = "02030000002705E3";
    private const string Eg4Reply = "02034E14F600780D1A0D190D1B0D1B0D1A0D1B0D1A0D1B0D1A0D1B0D1A0D1A0D1A0D1B0D1A0D1A0019001B0018006100640064006100010000000000000000000B15752A00181818180000001003E800004E71";
    private const string Eg4InfoRequest = "020300690017D5EB";
    private const string Eg4InfoReply = "02032E4C46502D35312E325631303041682D56312E3000000000005A3032543034323032322D31302D32360000000000004818";
    private const string SeplosEiaRequest = "00042000001A7BD0";
    private const string SeplosEiaReply = "00043414CD0000FFF3FFFF6B40000080E800000122000080E8000000010000000000000708000007080000024001D00001000A034003E7F2CC";
    private const string SeplosPiaRequest = "01 04 10 00 00 11 34 C6";
    private const string SeplosPiaReply = "01:04:22:14:CD:FF:77:6B:40:80:E8:01:22:03:40:03:E7:00:0A:0C:FF:0B:7F:0D:00:0C:FF:0B:81:0B:7E:00:00:00:B4:00:B4:D3:2E";
    private const string SeplosEibRequest = "00042100001A7A2C";
    private const string SeplosEibException = "0084029301";

    [Fact]
    public async Task An_eg4_pack_reply_is_told_from_its_request_and_prints_the_pack_keys_with_the_eg4_flags()
    {
        var root = await DecodeJsonAsync(Eg4Reply, "--request", Eg4Request);
        Assert.Equal("eg4-ll", root.GetProperty("protocol").GetString());
        Assert.Equal((2, 3, 0, 39), (root.GetProperty("address").GetInt32(), root.GetProperty("function").GetInt32(), root.GetProperty("start_register").GetInt32(), root.GetProperty("count").GetInt32()));
        var pack = Assert.Single(root.GetProperty("packs").EnumerateArray());
        Assert.Equal(2, pack.GetProperty("pack").GetInt32());
        Assert.Equal(53.66, pack.GetProperty("voltage_volts").GetDouble());
        Assert.Equal(1.2, pack.GetProperty("current_amperes").GetDouble());
        Assert.Equal(16, pack.GetProperty("cell_count").GetInt32());
        Assert.Equal(3.354, pack.GetProperty("cell_voltages_volts")[0].GetDouble());
        Assert.Equal("[24,24,24,24,null,null,25]", pack.GetProperty("temperatures_celsius").GetRawText());
        Assert.Equal(97, pack.GetProperty("remaining_amp_hours").GetDouble());
        Assert.Equal(100, pack.GetProperty("full_amp_hours").GetDouble());
        Assert.Equal(100, pack.GetProperty("design_amp_hours").GetDouble());
        Assert.Equal(11, pack.GetProperty("cycle_count").GetInt32());
        Assert.Equal(0.97, pack.GetProperty("state_of_charge_ratio").GetDouble());
        Assert.Equal(1.0, pack.GetProperty("state_of_health_ratio").GetDouble());
        Assert.Equal(1, pack.GetProperty("status").GetInt32());
        Assert.Equal(["charging"], pack.GetProperty("flags").GetProperty("status").EnumerateArray().Select(f => f.GetString()!).ToArray());
        Assert.False(root.TryGetProperty("stack", out _));
    }

    [Fact]
    public async Task An_identity_block_prints_only_what_it_holds()
    {
        var root = await DecodeJsonAsync(Eg4InfoReply, "--request", Eg4InfoRequest, "--protocol", "eg4-ll");
        var pack = Assert.Single(root.GetProperty("packs").EnumerateArray());
        Assert.Equal("LFP-51.2V100Ah-V1.0", pack.GetProperty("device_name").GetString());
        Assert.Equal("Z02T04", pack.GetProperty("software_version").GetString());
        Assert.Equal("2022-10-26", pack.GetProperty("bms_serial").GetString());
        Assert.False(pack.TryGetProperty("voltage_volts", out _));
        Assert.False(pack.TryGetProperty("flags", out _));
    }

    [Fact]
    public async Task The_seplos_bank_block_goes_in_stack_and_a_pack_block_with_separated_bytes_in_packs()
    {
        var bank = await DecodeJsonAsync(SeplosEiaReply, "--request", SeplosEiaRequest);
        Assert.Equal("seplos-v3", bank.GetProperty("protocol").GetString());
        Assert.Empty(bank.GetProperty("packs").EnumerateArray());
        var stack = bank.GetProperty("stack");
        Assert.Equal(53.25, stack.GetProperty("voltage_volts").GetDouble());
        Assert.Equal(-1.3, stack.GetProperty("current_amperes").GetDouble());
        Assert.Equal(0.832, stack.GetProperty("state_of_charge_ratio").GetDouble());
        Assert.Equal(1, stack.GetProperty("pack_count").GetInt32());

        var pia = await DecodeJsonAsync(SeplosPiaReply, "--request", SeplosPiaRequest, "--protocol", "seplos-v3");
        var pack = Assert.Single(pia.GetProperty("packs").EnumerateArray());
        Assert.Equal(-1.37, pack.GetProperty("current_amperes").GetDouble());
        Assert.Equal(0.999, pack.GetProperty("state_of_health_ratio").GetDouble());
        Assert.False(pack.TryGetProperty("cell_voltages_volts", out _));
    }

    [Fact]
    public async Task An_exception_reply_is_rtn_with_its_code_and_modbus_meaning()
    {
        var (exit, output, _) = await RunAsync(["decode", SeplosEibException, "--request", SeplosEibRequest, "--json"]);
        Assert.Equal(1, exit);
        using var document = JsonDocument.Parse(output);
        Assert.Equal("rtn", document.RootElement.GetProperty("error").GetString());
        Assert.Equal(2, document.RootElement.GetProperty("rtn").GetInt32());
        Assert.Equal("illegal data address", document.RootElement.GetProperty("rtn_meaning").GetString());
    }

    [Theory]
    [InlineData(Eg4Reply, "0203000000260000", "usage")]
    [InlineData(Eg4Reply, "020300000026C423", "length")]
    [InlineData("02034E15" + "F600780D1A0D190D1B0D1B0D1A0D1B0D1A0D1B0D1A0D1B0D1A0D1A0D1A0D1B0D1A0D1A0019001B0018006100640064006100010000000000000000000B15752A00181818180000001003E800004E71", Eg4Request, "checksum")]
    [InlineData("02034E14F600780D1A", Eg4Request, "truncated")]
    public async Task A_crc_failure_is_checksum_a_byte_count_the_request_does_not_explain_is_length(string reply, string request, string reason)
    {
        var (exit, output, error) = await RunAsync(["decode", reply, "--request", request, "--protocol", "eg4-ll", "--json"]);
        if (reason == "usage")
        {
            Assert.Equal(2, exit);
            Assert.Contains("not a Modbus read request", error, StringComparison.Ordinal);
            return;
        }

        Assert.Equal(1, exit);
        using var document = JsonDocument.Parse(output);
        Assert.Equal(reason, document.RootElement.GetProperty("error").GetString());
    }

    [Fact]
    public async Task A_write_request_is_refused_as_wrong_usage_never_decoded()
    {
        var (exit, _, error) = await RunAsync(["decode", "01060039001459C8", "--request", "01060039001459C8", "--protocol", "eg4-ll"]);
        Assert.Equal(2, exit);
        Assert.Contains("function 0x06 is not a read request", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_json_the_fields_are_printed_one_per_line()
    {
        var (exit, output, _) = await RunAsync(["decode", Eg4Reply, "--request", Eg4Request]);
        Assert.Equal(0, exit);
        Assert.Contains("protocol: \"eg4-ll\"", output, StringComparison.Ordinal);
        Assert.Contains("  voltage_volts: 53.66", output, StringComparison.Ordinal);
    }

    private static async Task<JsonElement> DecodeJsonAsync(string frame, params string[] options)
    {
        var (exit, output, error) = await RunAsync(["decode", frame, "--json", .. options]);
        Assert.True(exit == 0, $"exit {exit}: {output} {error}");
        using var document = JsonDocument.Parse(output);
        return document.RootElement.Clone();
    }

    private static async Task<(int Exit, string Output, string Error)> RunAsync(string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int exit = await BmsPaceCli.InvokeAsync(args, output, error);
        return (exit, output.ToString(), error.ToString());
    }
}
