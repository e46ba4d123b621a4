using System.Collections.Immutable;
using System.Text.Json;
using BmsPace.Outputs.Documents;
using BmsPace.Protocol.Framing;
using BmsPace.Protocol.Readings;
using BmsPace.Protocol.Dialects.Pace;

namespace BmsPace.Tests.Output;

public sealed class ReadingJsonTests
{
    private static readonly AnalogPack Analog = new()
    {
        Pack = 2,
        Offline = false,
        CellVoltagesVolts = [3.271, 3.269],
        TemperaturesCelsius = [24.1],
        CurrentAmperes = -2.25,
        VoltageVolts = 6.54,
        RemainingAmpHours = 48.19,
        FullAmpHours = 103.46,
        DesignAmpHours = 100,
        CycleCount = 140,
        UserDefinedP = 9,
        TailHex = "59",
        Tail = new AnalogTail(1, 0.89, null, null, null, null, null, null, null),
        StateOfChargeRatio = 0.89,
        StateOfHealthRatio = 1.0346,
        StateOfChargeCalculatedRatio = 4819.0 / 10346,
        StateOfHealthCalculatedRatio = 1.0346,
    };

    private static readonly AlarmPack Alarm = PaceStatusBytes.WithNamedViews(new AlarmPack
    {
        Pack = 2,
        CellWarnings = [0, 2],
        TemperatureWarnings = [1],
        ChargeCurrentWarning = 0,
        PackVoltageWarning = 0,
        DischargeCurrentWarning = 0,
        ProtectState1 = 0x40,
        ProtectState2 = 0x80,
        InstructionState = 6,
        ControlState = 0,
        FaultState = 0,
        BalanceState1 = 2,
        BalanceState2 = 0,
        WarnState1 = 0,
        WarnState2 = 0x80,
        TailHex = "00",
    });

    [Fact]
    public void Merged_pack_carries_analog_and_alarm_fields_once_with_distinct_tail_keys()
    {
        var pack = Write(writer => MergedPack(writer, Analog, Alarm));
        var names = pack.EnumerateObject().Select(p => p.Name).ToArray();
        Assert.Equal(names.Length, names.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(2, pack.GetProperty("pack").GetInt32());
        Assert.Equal("59", pack.GetProperty("tail_hex").GetString());
        Assert.Equal("00", pack.GetProperty("alarm_tail_hex").GetString());
        Assert.Equal(0.89, pack.GetProperty("state_of_charge_ratio").GetDouble());
        Assert.Equal(4819.0 / 10346, pack.GetProperty("state_of_charge_calculated_ratio").GetDouble());
        Assert.Equal([2], pack.GetProperty("balancing_cells").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(["short_circuit"], pack.GetProperty("flags").GetProperty("protection").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["low_capacity"], pack.GetProperty("flags").GetProperty("warning").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["charge_fet", "discharge_fet", "fully_charged"], pack.GetProperty("flags").GetProperty("status").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal([0, 2], pack.GetProperty("cell_warnings").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(0.002, pack.GetProperty("cell_voltage_delta_volts").GetDouble());
    }

    [Fact]
    public void Merged_pack_with_one_side_missing_still_names_the_pack()
    {
        var analogOnly = Write(writer => MergedPack(writer, Analog, null));
        Assert.Equal(2, analogOnly.GetProperty("pack").GetInt32());
        Assert.False(analogOnly.TryGetProperty("flags", out _));

        var alarmOnly = Write(writer => MergedPack(writer, null, Alarm));
        Assert.Equal(2, alarmOnly.GetProperty("pack").GetInt32());
        Assert.False(alarmOnly.TryGetProperty("voltage_volts", out _));
        Assert.Equal("00", alarmOnly.GetProperty("alarm_tail_hex").GetString());
        Assert.Throws<ArgumentException>(() => Write(writer => MergedPack(writer, null, null)));
    }

    [Fact]
    public void Offline_pack_has_null_ratios()
    {
        var offline = Analog with
        {
            Offline = true, StateOfChargeRatio = null, StateOfHealthRatio = null, StateOfChargeCalculatedRatio = null, StateOfHealthCalculatedRatio = null,
            CellVoltagesVolts = ImmutableArray<double>.Empty,
        };
        var pack = Write(writer => ReadingJson.WriteAnalogPack(writer, offline));
        Assert.True(pack.GetProperty("offline").GetBoolean());
        foreach (var key in new[] { "state_of_charge_ratio", "state_of_health_ratio", "state_of_charge_calculated_ratio", "state_of_health_calculated_ratio" })
        {
            Assert.Equal(JsonValueKind.Null, pack.GetProperty(key).ValueKind);
        }

        Assert.False(pack.TryGetProperty("cell_voltage_min_volts", out _));
    }

    [Fact]
    public void Errors_name_the_reason_and_add_the_rtn_only_for_rtn_failures()
    {
        var checksum = Write(writer => ReadingJson.WriteError(writer, new PaceProtocolException(FrameError.Checksum, "CHKSUM is 0000, computed FDAE")));
        Assert.Equal(["error", "detail"], checksum.EnumerateObject().Select(p => p.Name));
        Assert.Equal("checksum", checksum.GetProperty("error").GetString());

        var rtn = Write(writer => ReadingJson.WriteError(writer, new PaceProtocolException(FrameError.Rtn, "RTN 9A", 0x9A)));
        Assert.Equal(154, rtn.GetProperty("rtn").GetInt32());
        Assert.Equal("unknown return code", rtn.GetProperty("rtn_meaning").GetString());
    }

    private static JsonElement Write(Action<Utf8JsonWriter> write)
    {
        using var document = JsonDocument.Parse(JsonOutput.Utf8(write));
        return document.RootElement.Clone();
    }

    /// <summary>A merged pack as once, MQTT and the status page write it: their own object around the pack's fields.</summary>
    private static void MergedPack(Utf8JsonWriter writer, AnalogPack? analog, AlarmPack? alarm)
    {
        writer.WriteStartObject();
        ReadingJson.WriteMergedPackFields(writer, analog, alarm);
        writer.WriteEndObject();
    }
}
