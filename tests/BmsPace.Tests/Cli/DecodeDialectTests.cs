using System.Text.Json;
using BmsPace.Commands;

namespace BmsPace.Tests.Cli;

/// <summary><c>bmspace decode</c> with EG4, Seplos and Pylontech frames (from the protocol vectors), detected and named.</summary>
public sealed class DecodeDialectTests
{
    private const string Eg4Analog = "~20014A00A0CA1001100D2F0D2C0D2C0D2D0D2D0D2F0D2F0D2F0D2C0D2D0D2D0D2F0D300D2C0D300D2C040B9B0BA50B9B0B9B0BB90BAF029D151521A9268400540F005700620D300D2C00040BA50B9B000ADAC0000A54550005D473000570A600000680000004CA56897E24D1A5\r";
    private const string Eg4AnalogRequest = "~20014A420000FDA2\r";
    private const string Eg4Alarm = "~20014A007054100110000000000000000000000000000000000400000000000000000900000000000003020000000000EDC3\r";
    private const string SeplosAnalog = "~2000460010960001100CD70CE90CF40CD60CEF0CE50CE10CDC0CE90CF00CE80CEF0CEA0CDA0CDE0CD8060BA60BA00B970BA60BA50BA2FD5C14A0344E0A426803134650004603E8149F0000000000000000DC6C\r";
    private const string SeplosAnalogRequest = "~20004642E00200FD37\r";
    private const string SeplosInfo = "~20004600C040313130312D5350313520020743414E50726F746F636F6C3A536F666172202020F046\r";
    private const string PylonAnalogP4 = "~20024600F07A00020F0D0B0D0D0D0A0D0E0D0A0D0A0D0A0D0B0D0B0D0B0D0B0D0C0D0A0D0D0D0A050BBD0BAE0BAB0BAB0BAD0017C3A7FFFF04FFFF003700C394012110E21E\r";
    private const string PylonAlarm = "~20024600A04200020F000000000000000000000000000000050000000000000000000E40000000F105\r";

    [Fact]
    public async Task Eg4_analog_is_detected_and_has_the_shared_keys_with_design_capacity_null()
    {
        var root = await DecodeJsonAsync(Eg4Analog, "--request", Eg4AnalogRequest);
        Assert.Equal("eg4", root.GetProperty("protocol").GetString());
        var pack = Assert.Single(root.GetProperty("packs").EnumerateArray());
        Assert.Equal(6.69, pack.GetProperty("current_amperes").GetDouble());
        Assert.Equal(53.97, pack.GetProperty("voltage_volts").GetDouble());
        Assert.Equal(86.17, pack.GetProperty("remaining_amp_hours").GetDouble());
        Assert.Equal(98.6, pack.GetProperty("full_amp_hours").GetDouble());
        Assert.Equal(JsonValueKind.Null, pack.GetProperty("design_amp_hours").ValueKind);
        Assert.Equal(0.87, pack.GetProperty("state_of_charge_ratio").GetDouble(), 6);
        Assert.Equal(0.98, pack.GetProperty("state_of_health_ratio").GetDouble(), 6);
        Assert.Equal(6, pack.GetProperty("temperature_count").GetInt32());
        Assert.Equal([24.0, 25.0, 24.0, 24.0, 27.0, 26.0], pack.GetProperty("temperatures_celsius").EnumerateArray().Select(t => t.GetDouble()).ToArray());
        Assert.Equal(7113.6, pack.GetProperty("cumulative_charge_amp_hours").GetDouble(), 3);
        Assert.Equal(84, pack.GetProperty("cycle_count").GetInt32());
    }

    [Fact]
    public async Task Eg4_alarm_has_its_raw_bytes_by_their_own_names_and_pace_flag_names()
    {
        var root = await DecodeJsonAsync(Eg4Alarm, "--command", "alarm", "--protocol", "eg4");
        Assert.Equal("eg4", root.GetProperty("protocol").GetString());
        var pack = Assert.Single(root.GetProperty("packs").EnumerateArray());
        Assert.Equal(3, pack.GetProperty("fet_status").GetInt32());
        Assert.Equal(2, pack.GetProperty("system_status").GetInt32());
        Assert.Equal(9, pack.GetProperty("alarm_user_defined_p").GetInt32());
        Assert.False(pack.TryGetProperty("protect_state_1", out _));
        Assert.Equal(["discharge_fet", "charge_fet", "charging"], pack.GetProperty("flags").GetProperty("status").EnumerateArray().Select(f => f.GetString()!).ToArray());
        Assert.Empty(pack.GetProperty("balancing_cells").EnumerateArray());
    }

    [Fact]
    public async Task Seplos_analog_reads_ten_millivolt_voltage_and_per_mille_soc()
    {
        var root = await DecodeJsonAsync(SeplosAnalog, "--request", SeplosAnalogRequest);
        Assert.Equal("seplos", root.GetProperty("protocol").GetString());
        var pack = Assert.Single(root.GetProperty("packs").EnumerateArray());
        Assert.Equal(52.8, pack.GetProperty("voltage_volts").GetDouble());
        Assert.Equal(-6.76, pack.GetProperty("current_amperes").GetDouble());
        Assert.Equal(0.787, pack.GetProperty("state_of_charge_ratio").GetDouble(), 6);
        Assert.Equal(1.0, pack.GetProperty("state_of_health_ratio").GetDouble(), 6);
        Assert.Equal(180.0, pack.GetProperty("design_amp_hours").GetDouble());
        Assert.Equal(70, pack.GetProperty("cycle_count").GetInt32());
        Assert.Equal(52.79, pack.GetProperty("port_voltage_volts").GetDouble());
    }

    [Fact]
    public async Task Seplos_frame_given_pace_is_refused_and_named()
    {
        var (exit, output, _) = await RunAsync(["decode", SeplosAnalog, "--command", "analog", "--protocol", "pace", "--json"]);
        Assert.Equal(1, exit);
        using var document = JsonDocument.Parse(output);
        Assert.Equal("version", document.RootElement.GetProperty("error").GetString());
        Assert.Contains("looks like seplos", document.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);

        var (overrideExit, overrideOutput, _) = await RunAsync(["decode", SeplosAnalog, "--command", "analog", "--protocol", "pace", "--protocol-version", "20", "--json"]);
        Assert.Equal(1, overrideExit);
        using var refused = JsonDocument.Parse(overrideOutput);
        Assert.Equal("decode", refused.RootElement.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Seplos_manufacturer_info_prints_name_version_and_manufacturer()
    {
        var root = await DecodeJsonAsync(SeplosInfo, "--command", "manufacturer_info", "--protocol", "seplos");
        Assert.Equal("1101-SP15", root.GetProperty("device_name").GetString());
        Assert.Equal("2.7", root.GetProperty("software_version").GetString());
        Assert.Equal("CANProtocol:Sofar", root.GetProperty("manufacturer").GetString());
    }

    [Fact]
    public async Task Pylontech_p4_analog_reads_three_byte_capacities()
    {
        var root = await DecodeJsonAsync(PylonAnalogP4, "--command", "analog", "--pack-byte", "02");
        Assert.Equal("pylontech", root.GetProperty("protocol").GetString());
        var pack = Assert.Single(root.GetProperty("packs").EnumerateArray());
        Assert.Equal(2, pack.GetProperty("pack").GetInt32());
        Assert.Equal(50.087, pack.GetProperty("voltage_volts").GetDouble());
        Assert.Equal(50.068, pack.GetProperty("remaining_amp_hours").GetDouble());
        Assert.Equal(74.0, pack.GetProperty("full_amp_hours").GetDouble());
        Assert.Equal(JsonValueKind.Null, pack.GetProperty("design_amp_hours").ValueKind);
        Assert.Equal(JsonValueKind.Null, pack.GetProperty("state_of_health_ratio").ValueKind);
    }

    [Fact]
    public async Task Pylontech_alarm_keeps_status_bytes_and_its_trailing_byte()
    {
        var root = await DecodeJsonAsync(PylonAlarm, "--command", "alarm", "--pack-byte", "02");
        var pack = Assert.Single(root.GetProperty("packs").EnumerateArray());
        Assert.Equal(14, pack.GetProperty("status_2").GetInt32());
        Assert.Equal(64, pack.GetProperty("status_3").GetInt32());
        Assert.Equal("00", pack.GetProperty("tail_hex").GetString());
        Assert.Equal(["charge_fet", "discharge_fet", "pack_power", "discharging"], pack.GetProperty("flags").GetProperty("status").EnumerateArray().Select(f => f.GetString()!).ToArray());
    }

    [Fact]
    public async Task Text_output_names_the_dialect()
    {
        var (exit, output, _) = await RunAsync(["decode", SeplosAnalog, "--request", SeplosAnalogRequest]);
        Assert.Equal(0, exit);
        Assert.Contains("analog answer (seplos)", output, StringComparison.Ordinal);
        Assert.Contains("port voltage volts 52.79", output, StringComparison.Ordinal);
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
