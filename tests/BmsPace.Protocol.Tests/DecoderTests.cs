using BmsPace.Protocol.Decoding;
using BmsPace.Protocol.Framing;
using BmsPace.Protocol.Dialects.Pace;

namespace BmsPace.Protocol.Tests;

public sealed class DecoderTests
{
    private static RawAnalogPack Pack(int cells = 16, byte[]? tail = null, int remaining = 10000, int full = 20000, int design = 20000, int voltage = 53000) => new(
        [.. Enumerable.Repeat(3300, cells)], [2980, 2990], -1, voltage, remaining, 3, full, 7, design, tail ?? []);

    private static byte[] InfoOf(string vectorId)
    {
        var vector = Vectors.ById(vectorId);
        return vector.Text("info") is { } info ? Convert.FromHexString(info) : FrameDecoder.Parse(vector.Text("frame")!, 0x25).Info.ToArray();
    }

    [Fact]
    public void Pack_count_zero_in_an_all_packs_answer_means_one_pack()
    {
        var reading = PaceDecoders.DecodeAnalog(SyntheticInfo.Analog(0, 0, [Pack()]), 0xFF, DecoderOptions.Default);
        Assert.Equal(1, reading.PackCount);
        Assert.Equal(1, Assert.Single(reading.Packs).Pack);
    }

    [Theory]
    [InlineData(0x00, 1)]
    [InlineData(0x01, 1)]
    [InlineData(0x03, 3)]
    [InlineData(0x0F, 15)]
    public void An_echoed_pack_byte_gives_one_pack_numbered_as_asked(byte packByte, int number)
    {
        // The second byte is an echo: even a value that would be a large pack count must not start a multi-pack walk.
        var reading = PaceDecoders.DecodeAnalog(SyntheticInfo.Analog(0, packByte, [Pack()]), packByte, DecoderOptions.Default);
        Assert.Equal(1, reading.PackCount);
        Assert.Equal(number, Assert.Single(reading.Packs).Pack);
    }

    [Fact]
    public void Rs485_spec_example_asked_for_pack_2_is_one_pack_numbered_2()
    {
        var vector = Vectors.ById("pace-doc-rs485-42-addr2");
        var reading = PaceDecoders.DecodeAnalog(FrameDecoder.Parse(vector.Text("frame")!, 0x25).Info.AsSpan(), 0x02, DecoderOptions.Default);
        Assert.Equal(2, Assert.Single(reading.Packs).Pack);
    }

    [Fact]
    public void Tail_search_takes_the_smallest_uniform_length()
    {
        var reading = PaceDecoders.DecodeAnalog(InfoOf("gobel-8pack-logfile-42"), 0xFF, DecoderOptions.Default);
        Assert.Equal(8, reading.Packs.Length);
        Assert.All(reading.Packs, pack => Assert.Equal(14, pack.Tail!.LengthBytes));
        Assert.Equal(Enumerable.Range(1, 8), reading.Packs.Select(p => p.Pack));
        Assert.Equal(0.89, reading.Packs[0].StateOfChargeRatio);
        Assert.Equal(1.00, reading.Packs[0].StateOfHealthRatio);
        Assert.Equal(1.115464, reading.Packs[0].StateOfHealthCalculatedRatio); // 31233 / 28000 = 1.11546428..., at six decimals
        Assert.Equal(53.234, reading.Packs[0].Tail!.IndependentVoltageVolts);
        Assert.Equal("6D606D60", reading.Packs[0].Tail!.CumulativeChargeHex);
        Assert.Equal("6D606D60", reading.Packs[0].Tail!.CumulativeDischargeHex);
    }

    [Fact]
    public void Forced_pack_offset_replaces_the_search()
    {
        var info = InfoOf("gobel-8pack-logfile-42");
        var forced = PaceDecoders.DecodeAnalog(info, 0xFF, DecoderOptions.Default with { ForcePackOffsetCharacters = 28 });
        Assert.Equal(PaceDecoders.DecodeAnalog(info, 0xFF, DecoderOptions.Default).Packs.Select(p => p.RemainingAmpHours), forced.Packs.Select(p => p.RemainingAmpHours));

        var wrong = Assert.Throws<PaceProtocolException>(() => PaceDecoders.DecodeAnalog(info, 0xFF, DecoderOptions.Default with { ForcePackOffsetCharacters = 2 }));
        Assert.Equal(FrameError.Decode, wrong.Error);
        Assert.Contains("force_pack_offset", wrong.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void When_no_uniform_tail_fits_the_last_pack_keeps_what_is_left()
    {
        var info = SyntheticInfo.Analog(0, 3, [Pack(tail: [0x32]), Pack(tail: [0x33]), Pack(tail: [])]);
        var reading = PaceDecoders.DecodeAnalog(info, 0xFF, DecoderOptions.Default);
        Assert.Equal(["32", "33", ""], reading.Packs.Select(p => p.TailHex));
        Assert.True(reading.LastTailDiffers);
        Assert.False(PaceDecoders.DecodeAnalog(InfoOf("gobel-8pack-logfile-42"), 0xFF, DecoderOptions.Default).LastTailDiffers);
        Assert.Equal(0.5, reading.Packs[2].StateOfChargeRatio);
        Assert.Equal(0.51, reading.Packs[1].StateOfChargeRatio);
    }

    [Fact]
    public void A_tail_byte_equal_to_the_cell_count_does_not_start_a_pack()
    {
        // bmspace issue #32: a SOC byte of 0x10 was read as the next pack's 16 cells.
        var info = SyntheticInfo.Analog(0, 2, [Pack(tail: [0x10]), Pack(tail: [0x10])]);
        var reading = PaceDecoders.DecodeAnalog(info, 0xFF, DecoderOptions.Default);
        Assert.Equal(["10", "10"], reading.Packs.Select(p => p.TailHex));
        Assert.Equal(0.16, reading.Packs[1].StateOfChargeRatio);
    }

    [Fact]
    public void Twenty_two_byte_tail_carries_the_summary_capacities()
    {
        byte[] tail = [0x4D, 0, 0, 0, 1, 0, 0, 0, 2, 0x5F, 0xD0, 0x31, 0xFF, 0x3B, 0x00, 0x00, 0x3E, 0xC8, 0x00, 0x00, 0x51, 0x43];
        var pack = Assert.Single(PaceDecoders.DecodeAnalog(SyntheticInfo.Analog(0, 1, [Pack(tail: tail)]), 0xFF, DecoderOptions.Default).Packs);
        var decoded = pack.Tail!;
        Assert.Equal((22, 0.77, "00000001", "00000002", 0.95, 53.297, -1.97), (decoded.LengthBytes, decoded.StateOfChargeRatio, decoded.CumulativeChargeHex, decoded.CumulativeDischargeHex, decoded.StateOfHealthRatio, decoded.IndependentVoltageVolts, decoded.IndependentCurrentAmperes));
        Assert.Equal((160.72, 208.03), (decoded.SummaryRemainingAmpHours, decoded.SummaryFullAmpHours));
        Assert.Equal(0.77, pack.StateOfChargeRatio);
        Assert.Equal(0.95, pack.StateOfHealthRatio);
        Assert.Equal(0.5, pack.StateOfChargeCalculatedRatio);
    }

    [Fact]
    public void Tail_of_an_unknown_length_is_kept_as_hex_only()
    {
        var pack = Assert.Single(PaceDecoders.DecodeAnalog(SyntheticInfo.Analog(0, 1, [Pack(tail: [1, 2, 3])]), 0x01, DecoderOptions.Default).Packs);
        Assert.Equal("010203", pack.TailHex);
        Assert.Equal(3, pack.Tail!.LengthBytes);
        Assert.Null(pack.Tail.StateOfChargeRatio);
        Assert.Equal(0.5, pack.StateOfChargeRatio);
        Assert.Equal(1.0, pack.StateOfHealthRatio);
    }

    [Fact]
    public void Zero_capacities_give_null_ratios_and_offline_packs_give_null_ratios()
    {
        var zero = Assert.Single(PaceDecoders.DecodeAnalog(SyntheticInfo.Analog(0, 1, [Pack(full: 0, design: 0)]), 0xFF, DecoderOptions.Default).Packs);
        Assert.False(zero.Offline);
        Assert.Null(zero.StateOfChargeRatio);
        Assert.Null(zero.StateOfHealthRatio);
        Assert.Null(zero.StateOfHealthCalculatedRatio);

        var stack = PaceDecoders.DecodeAnalog(InfoOf("tertiush-dev-10pack-info"), 0xFF, DecoderOptions.Default);
        Assert.Equal(10, stack.Packs.Length);
        var offline = stack.Packs[1];
        Assert.True(offline.Offline);
        Assert.Null(offline.StateOfChargeRatio);
        Assert.Null(offline.StateOfHealthRatio);
        Assert.Null(offline.StateOfChargeCalculatedRatio);
        Assert.All(stack.Packs.Where((_, i) => i != 1), pack => Assert.False(pack.Offline));
    }

    [Fact]
    public void Current_is_twos_complement()
    {
        var pack = new RawAnalogPack([3300], [], unchecked((short)0xFFFF), 3300, 1, 0, 1, 0, 1, []);
        Assert.Equal(-0.01, Assert.Single(PaceDecoders.DecodeAnalog(SyntheticInfo.Analog(0, 1, [pack]), 0x01, DecoderOptions.Default).Packs).CurrentAmperes);
    }

    [Fact]
    public void Temperature_offset_comes_from_the_options()
    {
        var pack = Assert.Single(PaceDecoders.DecodeAnalog(SyntheticInfo.Analog(0, 1, [Pack()]), 0x01, new DecoderOptions { TemperatureOffsetDeciKelvin = 2731 }).Packs);
        Assert.Equal([24.9, 25.9], pack.TemperaturesCelsius.ToArray());
    }

    [Theory]
    [InlineData(0, "no cells")]
    [InlineData(33, "33 cells")]
    public void Implausible_cell_counts_are_decode_errors(int cells, string because)
    {
        var info = SyntheticInfo.Analog(0, 1, [Pack(cells: cells)]);
        var error = Assert.Throws<PaceProtocolException>(() => PaceDecoders.DecodeAnalog(info, 0xFF, DecoderOptions.Default));
        Assert.True(error.Error == FrameError.Decode, because);
    }

    [Fact]
    public void Implausible_cell_voltages_temperature_counts_and_missing_packs_are_decode_errors()
    {
        var overFiveVolts = Pack() with { CellMillivolts = [3300, 5001, 3300] };
        var manyTemperatures = Pack() with { TemperatureDeciKelvin = new int[17] };
        foreach (var info in new[]
        {
            SyntheticInfo.Analog(0, 1, [overFiveVolts]),
            SyntheticInfo.Analog(0, 1, [manyTemperatures]),
            SyntheticInfo.Analog(0, 3, [Pack(), Pack()]),
            SyntheticInfo.Analog(0, 1, [Pack()])[..^1],
            [0x00],
            [],
        })
        {
            Assert.Equal(FrameError.Decode, Assert.Throws<PaceProtocolException>(() => PaceDecoders.DecodeAnalog(info, 0xFF, DecoderOptions.Default)).Error);
        }
    }

    [Fact]
    public void Alarm_blocks_keep_unknown_codes_and_name_the_balancing_cells()
    {
        var raw = new RawAlarmPack([0x00, 0x01, 0x02, 0x33, 0xF0, 0x85, 0, 0, 0, 0], [0x02, 0x77], [0x01, 0x02, 0xF0, 0x81, 0x80, 0x0E, 0x21, 0x04, 0x04, 0x01, 0x30, 0x81], [0x11]);
        var pack = Assert.Single(PaceDecoders.DecodeAlarm(SyntheticInfo.Alarm(0, 1, [raw]), 0xFF, DecoderOptions.Default).Packs);
        Assert.Equal(raw.CellWarnings, pack.CellWarnings.ToArray());
        Assert.Equal(raw.TemperatureWarnings, pack.TemperatureWarnings.ToArray());
        Assert.Equal([3, 9], pack.BalancingCells.ToArray());
        Assert.Equal("11", pack.TailHex);
        Assert.Equal(["cell_overvoltage", "charger_overvoltage"], pack.ActiveFlags(Readings.FlagFamily.Protection).ToArray());
        Assert.Equal(["charge_fet", "discharge_fet", "discharging", "fully_charged"], pack.ActiveFlags(Readings.FlagFamily.Status).ToArray());
        Assert.Equal(["charge_overcurrent", "discharge_overcurrent", "charge_overtemperature", "low_capacity"], pack.ActiveFlags(Readings.FlagFamily.Warning).ToArray());
        Assert.Equal(["temperature_sensor"], pack.ActiveFlags(Readings.FlagFamily.Fault).ToArray());
    }

    [Fact]
    public void Two_pack_alarm_answer_with_one_extra_byte_each()
    {
        var reading = PaceDecoders.DecodeAlarm(InfoOf("tertiush-dev-2pack-44-info"), 0xFF, DecoderOptions.Default);
        Assert.Equal(2, reading.PackCount);
        Assert.Equal(["11", "00"], reading.Packs.Select(p => p.TailHex));
        Assert.Equal([1, 2], reading.Packs.Select(p => p.Pack));
    }

    [Fact]
    public void Forced_pack_offset_of_the_analog_tail_leaves_the_alarm_blocks_to_the_search()
    {
        // 28 characters is the 14-byte analog tail; the alarm blocks of the same stack carry one extra byte each.
        var info = InfoOf("tertiush-dev-2pack-44-info");
        var forced = PaceDecoders.DecodeAlarm(info, 0xFF, DecoderOptions.Default with { ForcePackOffsetCharacters = 28 });
        var searched = PaceDecoders.DecodeAlarm(info, 0xFF, DecoderOptions.Default);

        Assert.Equal(["11", "00"], forced.Packs.Select(p => p.TailHex));
        Assert.Equal(searched.Packs.Select(p => p.CellWarnings.Length), forced.Packs.Select(p => p.CellWarnings.Length));
        Assert.Equal(searched.Packs.Select(p => (p.ProtectState1, p.InstructionState, p.BalanceState1, p.BalanceState2, p.WarnState2)), forced.Packs.Select(p => (p.ProtectState1, p.InstructionState, p.BalanceState1, p.BalanceState2, p.WarnState2)));
    }

    [Fact]
    public void Capacity_example_decodes_to_its_three_capacities()
    {
        var frame = FrameDecoder.Parse("~25004600400C183C286A2710FB0E\r", 0x25);
        Assert.Equal(new Readings.CapacityReading(62.04, 103.46, 100.00), PaceDecoders.DecodeCapacity(frame.Info.AsSpan()));
        Assert.Equal(FrameError.Decode, Assert.Throws<PaceProtocolException>(() => PaceDecoders.DecodeCapacity([0x18, 0x3C, 0x28])).Error);
    }

    [Fact]
    public void Date_and_time_must_be_a_real_date()
    {
        Assert.Equal(new DateTime(2024, 8, 21, 5, 29, 31), PaceDecoders.DecodeDateTime([0x18, 0x08, 0x15, 0x05, 0x1D, 0x1F]));
        foreach (var info in new byte[][] { [0x18, 0x0D, 0x01, 0, 0, 0], [0x18, 0x02, 0x1E, 0, 0, 0], [0x18, 0x01, 0x01, 24, 0, 0], [0x18, 0x01, 0x01, 0, 60, 0], [0x18, 0x01, 0x00, 0, 0, 0], [0x18, 1] })
        {
            Assert.Equal(FrameError.Decode, Assert.Throws<PaceProtocolException>(() => PaceDecoders.DecodeDateTime(info)).Error);
        }
    }

    [Fact]
    public void Identity_answers_use_full_fields_and_trim_padding()
    {
        var version = System.Text.Encoding.ASCII.GetBytes("P16S100A-1B470-3.01 " + "MyBluetoothName\0\0\0\0\0");
        Assert.Equal("P16S100A-1B470-3.01", PaceDecoders.DecodeSoftwareVersion(version));
        Assert.Equal(new Readings.SerialNumbers("1812101380309D", ""), PaceDecoders.DecodeSerialNumbers(System.Text.Encoding.ASCII.GetBytes("1812101380309D\0\0    ")));
        Assert.Equal("P16S??", PaceDecoders.DecodeSoftwareVersion([0x50, 0x31, 0x36, 0x53, 0x01, 0xE9, 0x20, 0x00, 0x41, 0x20]));
        Assert.Null(PaceDecoders.DecodePackCount([]));
        Assert.Equal(2, PaceDecoders.DecodePackCount([0x02]));
        Assert.Equal(FrameError.Decode, Assert.Throws<PaceProtocolException>(() => PaceDecoders.DecodeSoftwareVersion([])).Error);
        Assert.Equal(FrameError.Decode, Assert.Throws<PaceProtocolException>(() => PaceDecoders.DecodeSerialNumbers([])).Error);
    }
}
