using System.Text.Json;
using BmsPace.Commands;

namespace BmsPace.Tests.Cli;

/// <summary><c>bmspace decode</c> through the real entry point, with frames from the protocol vectors.</summary>
public sealed class DecodeCommandTests
{
    private const string JakiperAnalog = "~25014600F07A0001100CC70CC80CC70CC70CC70CC50CC60CC70CC70CC60CC70CC60CC60CC70CC60CC7060B9B0B990B990B990BB30BBCFF1FCCCD12D303286A008C2710E1E4\r";
    private const string JakiperAnalogRequest = "~25014642E00201FD30\r";
    private const string JakiperAlarm = "~25014600004C000110000000000000000000000000000000000600000000000000000000000E000000000000EF3A\r";
    private const string JakiperAlarmRequest = "~25014644E00201FD2E\r";
    private const string Gobel15sThreePacks = "~25014600916000030F0D970D9B0D940D970D930D920D8E0D940D9A0D950D920D8A0D930D910D91060B9E0BA00B9D0B9C0BB70BBE0000CBFC4A26024A3601014E20640F0D950D930D960D880D950D930D930D920D930D910D950D890D970D920D93060B9A0B9A0B9C0B9A0BB80BBD0000CB914A1E024A2E01034E20640F0D4C0D240D4C0D490D590D4C0D490D0D0D590D4C0D490D490D590D4E0CF8060B9F0B9F0B990B9B0BB40BD20000C6DB4B40024D9400234E2061AFC7\r";
    private const string GobelVersion = "~25014600602850313653323030412D32313630362D312E303100F588\r";
    private const string GobelSerials = "~25014600B05032313630363130323434303030303341202020204750535232504332303059573238303231313039EDBC\r";
    private const string PackQuantity = "~25014600E00202FD35\r";
    private const string Capacity = "~25004600400C183C286A2710FB0E";
    private const string JakiperClock = "~25004600400C180815051D1FFB10\r";
    private const string Rtn04 = "~250046040000FDAB\r";
    private const string PylonAnalog = "~20014600C06E11010F0D450D440D450D440D450D440D3E0D450D4A0D4A0D4B0D4A0D4A0D4A0D4A050BC30BC30BC30BCD0BCD0000C725BF6802C3500002E553\r";

    private static readonly string[] AnalogPackKeys =
    [
        "pack", "offline", "cell_count", "cell_voltages_volts", "temperature_count", "temperatures_celsius", "current_amperes",
        "voltage_volts", "remaining_amp_hours", "full_amp_hours", "design_amp_hours", "cycle_count", "state_of_charge_ratio",
        "state_of_health_ratio", "state_of_charge_calculated_ratio", "state_of_health_calculated_ratio", "user_defined_p", "tail_hex",
        "cell_voltage_min_volts", "cell_voltage_max_volts", "cell_voltage_delta_volts", "tail",
    ];

    private static readonly string[] AlarmPackKeys =
    [
        "pack", "cell_warnings", "temperature_warnings", "charge_current_warning", "pack_voltage_warning", "discharge_current_warning",
        "protect_state_1", "protect_state_2", "instruction_state", "control_state", "fault_state", "balance_state_1", "balance_state_2",
        "warn_state_1", "warn_state_2", "balancing_cells", "tail_hex", "flags",
    ];

    [Fact]
    public async Task Analog_answer_as_json_has_every_cli_key_with_the_wire_values()
    {
        var (exit, root, _) = await DecodeJsonAsync(JakiperAnalog, "--request", JakiperAnalogRequest);
        Assert.Equal(0, exit);
        AssertKeys(root, "kind", "protocol", "version", "address", "rtn", "pack_count", "packs");
        Assert.Equal("analog", root.GetProperty("kind").GetString());
        Assert.Equal("25", root.GetProperty("version").GetString());
        Assert.Equal(1, root.GetProperty("address").GetInt32());
        Assert.Equal(0, root.GetProperty("rtn").GetInt32());
        Assert.Equal(1, root.GetProperty("pack_count").GetInt32());

        var pack = Assert.Single(root.GetProperty("packs").EnumerateArray());
        AssertKeys(pack, AnalogPackKeys);
        Assert.Equal(1, pack.GetProperty("pack").GetInt32());
        Assert.False(pack.GetProperty("offline").GetBoolean());
        Assert.Equal(16, pack.GetProperty("cell_count").GetInt32());
        Assert.Equal(
            [3.271, 3.272, 3.271, 3.271, 3.271, 3.269, 3.27, 3.271, 3.271, 3.27, 3.271, 3.27, 3.27, 3.271, 3.27, 3.271],
            Numbers(pack, "cell_voltages_volts"));
        Assert.Equal(6, pack.GetProperty("temperature_count").GetInt32());
        Assert.Equal([24.1, 23.9, 23.9, 23.9, 26.5, 27.4], Numbers(pack, "temperatures_celsius"));
        Assert.Equal(-2.25, pack.GetProperty("current_amperes").GetDouble());
        Assert.Equal(52.429, pack.GetProperty("voltage_volts").GetDouble());
        Assert.Equal(48.19, pack.GetProperty("remaining_amp_hours").GetDouble());
        Assert.Equal(103.46, pack.GetProperty("full_amp_hours").GetDouble());
        Assert.Equal(100.0, pack.GetProperty("design_amp_hours").GetDouble());
        Assert.Equal(140, pack.GetProperty("cycle_count").GetInt32());
        Assert.Equal(0.465784, pack.GetProperty("state_of_charge_ratio").GetDouble()); // 4819 / 10346 at six decimals (CLI.md)
        Assert.Equal(1.0346, pack.GetProperty("state_of_health_ratio").GetDouble());
        Assert.Equal(0.465784, pack.GetProperty("state_of_charge_calculated_ratio").GetDouble());
        Assert.Equal(1.0346, pack.GetProperty("state_of_health_calculated_ratio").GetDouble());
        Assert.Equal(3, pack.GetProperty("user_defined_p").GetInt32());
        Assert.Equal("", pack.GetProperty("tail_hex").GetString());
        Assert.Equal(3.269, pack.GetProperty("cell_voltage_min_volts").GetDouble());
        Assert.Equal(3.272, pack.GetProperty("cell_voltage_max_volts").GetDouble());
        Assert.Equal(0.003, pack.GetProperty("cell_voltage_delta_volts").GetDouble());
        Assert.Equal(JsonValueKind.Null, pack.GetProperty("tail").ValueKind);
    }

    [Fact]
    public async Task Analog_numbers_are_printed_at_wire_resolution()
    {
        var (_, _, text) = await DecodeJsonAsync(JakiperAnalog, "--request", JakiperAnalogRequest);
        Assert.Contains("\"cell_voltages_volts\":[3.271,3.272,", text, StringComparison.Ordinal);
        Assert.Contains("\"voltage_volts\":52.429,", text, StringComparison.Ordinal);
        Assert.Contains("\"temperatures_celsius\":[24.1,23.9,", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task All_packs_answer_uses_the_default_pack_byte_ff_and_reads_the_one_byte_tails()
    {
        var (exit, root, _) = await DecodeJsonAsync(Gobel15sThreePacks, "--command", "analog");
        Assert.Equal(0, exit);
        Assert.Equal(3, root.GetProperty("pack_count").GetInt32());
        var packs = root.GetProperty("packs").EnumerateArray().ToArray();
        Assert.Equal([1, 2, 3], packs.Select(p => p.GetProperty("pack").GetInt32()));
        Assert.Equal(["64", "64", "61"], packs.Select(p => p.GetProperty("tail_hex").GetString()));
        Assert.Equal(1.0, packs[0].GetProperty("state_of_charge_ratio").GetDouble());
        Assert.Equal(0.999158, packs[0].GetProperty("state_of_charge_calculated_ratio").GetDouble()); // 18982 / 18998, six decimals
        Assert.Equal(18998.0 / 20000, packs[0].GetProperty("state_of_health_ratio").GetDouble());
        var tail = packs[0].GetProperty("tail");
        Assert.Equal(1, tail.GetProperty("length_bytes").GetInt32());
        Assert.Equal(1.0, tail.GetProperty("state_of_charge_ratio").GetDouble());
        Assert.Equal(JsonValueKind.Null, tail.GetProperty("state_of_health_ratio").ValueKind);
        Assert.Equal(50.907, packs[2].GetProperty("voltage_volts").GetDouble());
    }

    [Fact]
    public async Task Pack_byte_of_an_echo_gives_one_pack_with_the_asked_number()
    {
        var (exit, root, _) = await DecodeJsonAsync(JakiperAnalog, "--command", "analog", "--pack-byte", "01");
        Assert.Equal(0, exit);
        Assert.Equal(1, Assert.Single(root.GetProperty("packs").EnumerateArray()).GetProperty("pack").GetInt32());
    }

    [Fact]
    public async Task Alarm_answer_as_json_has_every_cli_key()
    {
        var (exit, root, _) = await DecodeJsonAsync(JakiperAlarm, "--request", JakiperAlarmRequest);
        Assert.Equal(0, exit);
        AssertKeys(root, "kind", "protocol", "version", "address", "rtn", "pack_count", "packs");
        Assert.Equal("alarm", root.GetProperty("kind").GetString());
        Assert.Equal(1, root.GetProperty("pack_count").GetInt32());
        var pack = Assert.Single(root.GetProperty("packs").EnumerateArray());
        AssertKeys(pack, AlarmPackKeys);
        Assert.Equal(1, pack.GetProperty("pack").GetInt32());
        Assert.Equal(new double[16], Numbers(pack, "cell_warnings"));
        Assert.Equal(new double[6], Numbers(pack, "temperature_warnings"));
        foreach (var key in new[] { "charge_current_warning", "pack_voltage_warning", "discharge_current_warning", "protect_state_1", "protect_state_2", "control_state", "fault_state", "balance_state_1", "balance_state_2", "warn_state_1", "warn_state_2" })
        {
            Assert.Equal(0, pack.GetProperty(key).GetInt32());
        }

        Assert.Equal(14, pack.GetProperty("instruction_state").GetInt32());
        Assert.Empty(pack.GetProperty("balancing_cells").EnumerateArray());
        Assert.Equal("", pack.GetProperty("tail_hex").GetString());
        var flags = pack.GetProperty("flags");
        AssertKeys(flags, "protection", "warning", "fault", "status");
        Assert.Empty(flags.GetProperty("protection").EnumerateArray());
        Assert.Empty(flags.GetProperty("warning").EnumerateArray());
        Assert.Empty(flags.GetProperty("fault").EnumerateArray());
        Assert.Equal(["charge_fet", "discharge_fet", "discharging"], flags.GetProperty("status").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task Identity_answers_as_json()
    {
        var (exit, root, _) = await DecodeJsonAsync(GobelVersion, "--request", "~250146C10000FD9A\r");
        Assert.Equal(0, exit);
        AssertKeys(root, "kind", "protocol", "version", "address", "rtn", "software_version");
        Assert.Equal("software_version", root.GetProperty("kind").GetString());
        Assert.Equal("P16S200A-21606-1.01", root.GetProperty("software_version").GetString());

        (exit, root, _) = await DecodeJsonAsync(GobelSerials, "--command", "serial_number");
        Assert.Equal(0, exit);
        AssertKeys(root, "kind", "protocol", "version", "address", "rtn", "bms_serial", "pack_serial");
        Assert.Equal("216061024400003A", root.GetProperty("bms_serial").GetString());
        Assert.Equal("GPSR2PC200YW28021109", root.GetProperty("pack_serial").GetString());
    }

    [Fact]
    public async Task Pack_count_capacity_and_datetime_answers_as_json()
    {
        var (exit, root, _) = await DecodeJsonAsync(PackQuantity, "--request", "~250146900000FDA5\r");
        Assert.Equal(0, exit);
        AssertKeys(root, "kind", "protocol", "version", "address", "rtn", "pack_count");
        Assert.Equal("pack_count", root.GetProperty("kind").GetString());
        Assert.Equal(2, root.GetProperty("pack_count").GetInt32());

        (exit, root, _) = await DecodeJsonAsync(Capacity, "--command", "capacity");
        Assert.Equal(0, exit);
        AssertKeys(root, "kind", "protocol", "version", "address", "rtn", "remaining_amp_hours", "full_amp_hours", "design_amp_hours");
        Assert.Equal(("capacity", "25", 0, 0), (root.GetProperty("kind").GetString(), root.GetProperty("version").GetString(), root.GetProperty("address").GetInt32(), root.GetProperty("rtn").GetInt32()));
        Assert.Equal(62.04, root.GetProperty("remaining_amp_hours").GetDouble());
        Assert.Equal(103.46, root.GetProperty("full_amp_hours").GetDouble());
        Assert.Equal(100.00, root.GetProperty("design_amp_hours").GetDouble());

        (exit, root, _) = await DecodeJsonAsync(JakiperClock, "--request", "~250046B10000FD9C\r");
        Assert.Equal(0, exit);
        AssertKeys(root, "kind", "protocol", "version", "address", "rtn", "datetime");
        Assert.Equal("datetime", root.GetProperty("kind").GetString());
        Assert.Equal("2024-08-21T05:29:31", root.GetProperty("datetime").GetString());
    }

    [Fact]
    public async Task Pack_count_answer_without_info_is_null()
    {
        var (exit, root, _) = await DecodeJsonAsync("~250146000000FDAE\r", "--command", "pack_count");
        Assert.Equal(0, exit);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("pack_count").ValueKind);
    }

    public static TheoryData<string, string[], string> BadFrames => new()
    {
        { "~25FF4642E002FFFCDA\r", ["--request", "~25FF4642E002FFFCDA\r"], "echo" },
        { JakiperAnalog[..100], ["--command", "analog"], "truncated" },
        { "~2501460G0000FD97\r", ["--command", "analog"], "hex" },
        { "~250146001000FDAD\r", ["--command", "analog"], "length_checksum" },
        { "~25014600B0503142343730333032323530313537394420202020202020202020202020202020202020202020202020EE01\r", ["--request", "~250146C20000FD99\r"], "length" },
        { "~250146000000FDAD\r", ["--command", "pack_count"], "checksum" },
        { JakiperAnalog, ["--command", "analog", "--protocol-version", "20"], "version" },
        { JakiperAnalog, ["--command", "analog", "--cid1", "4A"], "cid1" },
        { Capacity, ["--command", "analog"], "decode" },
        { PylonAnalog, ["--command", "analog", "--pack-byte", "01", "--protocol-version", "20"], "decode" },
        { "~25014600400C180D01000000FB39", ["--command", "datetime"], "decode" },
    };

    [Theory]
    [MemberData(nameof(BadFrames))]
    public async Task Bad_frame_prints_its_reason_and_exits_1(string frame, string[] options, string reason)
    {
        var (exit, root, _) = await DecodeJsonAsync(frame, options);
        Assert.Equal(1, exit);
        AssertKeys(root, "error", "detail");
        Assert.Equal(reason, root.GetProperty("error").GetString());
        Assert.False(string.IsNullOrWhiteSpace(root.GetProperty("detail").GetString()));

        var (textExit, output, error) = await RunAsync(["decode", frame, .. options]);
        Assert.Equal(1, textExit);
        Assert.Equal("", output);
        Assert.StartsWith($"bad frame: {reason}: ", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Error_reply_prints_the_rtn_and_its_meaning()
    {
        var (exit, root, _) = await DecodeJsonAsync(Rtn04, "--command", "analog");
        Assert.Equal(1, exit);
        AssertKeys(root, "error", "detail", "rtn", "rtn_meaning");
        Assert.Equal("rtn", root.GetProperty("error").GetString());
        Assert.Equal(4, root.GetProperty("rtn").GetInt32());
        Assert.Equal("CID2 invalid", root.GetProperty("rtn_meaning").GetString());
    }

    public static TheoryData<string[]> WrongUsages => new()
    {
        Array.Empty<string>(),
        new[] { "--pack-byte", "01" },
        new[] { "--command", "analog", "--request", JakiperAnalogRequest },
        new[] { "--request", JakiperAnalogRequest, "--pack-byte", "01" },
        new[] { "--command", "voltage" },
        new[] { "--command", "analog", "--pack-byte", "FFF" },
        new[] { "--command", "analog", "--protocol-version", "x5" },
        new[] { "--request", "~25014642E00201FD31\r" },
        new[] { "--request", "~250146470000FDA3\r" },
    };

    [Theory]
    [MemberData(nameof(WrongUsages))]
    public async Task Wrong_usage_exits_2_with_a_message(string[] options)
    {
        var (exit, output, error) = await RunAsync(["decode", JakiperAnalog, "--json", .. options]);
        Assert.Equal(2, exit);
        Assert.Equal("", output);
        Assert.False(string.IsNullOrWhiteSpace(error));
    }

    [Fact]
    public async Task Frames_pasted_with_a_written_out_cr_and_blanks_are_accepted()
    {
        var (exit, root, _) = await DecodeJsonAsync("  " + JakiperAnalog.TrimEnd('\r') + "\\r ", "--request", JakiperAnalogRequest.TrimEnd('\r') + "\\r");
        Assert.Equal(0, exit);
        Assert.Equal(52.429, Assert.Single(root.GetProperty("packs").EnumerateArray()).GetProperty("voltage_volts").GetDouble());
    }

    public static TheoryData<string, string[], string> TextAnswers => new()
    {
        { JakiperAnalog, ["--request", JakiperAnalogRequest], "current -2.25 A, voltage 52.429 V" },
        { JakiperAlarm, ["--request", JakiperAlarmRequest], "status: charge_fet, discharge_fet, discharging" },
        { GobelVersion, ["--command", "software_version"], "software version: P16S200A-21606-1.01" },
        { GobelSerials, ["--command", "serial_number"], "pack serial: GPSR2PC200YW28021109" },
        { PackQuantity, ["--command", "pack_count"], "pack count: 2" },
        { Capacity, ["--command", "capacity"], "remaining 62.04 Ah, full 103.46 Ah, design 100.00 Ah" },
        { JakiperClock, ["--command", "datetime"], "BMS clock: 2024-08-21 05:29:31" },
    };

    [Theory]
    [MemberData(nameof(TextAnswers))]
    public async Task Every_kind_prints_readable_text_by_default(string frame, string[] options, string expected)
    {
        var (exit, output, error) = await RunAsync(["decode", frame, .. options]);
        Assert.Equal(0, exit);
        Assert.Equal("", error);
        Assert.Contains(expected, output, StringComparison.Ordinal);
        Assert.Contains("RTN 00 (normal)", output, StringComparison.Ordinal);
    }

    private static async Task<(int Exit, JsonElement Root, string Text)> DecodeJsonAsync(string frame, params string[] options)
    {
        var (exit, output, error) = await RunAsync(["decode", frame, "--json", .. options]);
        Assert.True(output.Length > 0, $"no JSON on stdout (exit {exit}, stderr: {error})");
        using var document = JsonDocument.Parse(output);
        return (exit, document.RootElement.Clone(), output);
    }

    private static async Task<(int Exit, string Output, string Error)> RunAsync(string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int exit = await BmsPaceCli.InvokeAsync(args, output, error);
        return (exit, output.ToString(), error.ToString());
    }

    private static void AssertKeys(JsonElement element, params string[] keys) =>
        Assert.Equal(keys.Order(StringComparer.Ordinal), element.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));

    private static double[] Numbers(JsonElement element, string key) =>
        [.. element.GetProperty(key).EnumerateArray().Select(e => e.GetDouble())];
}
