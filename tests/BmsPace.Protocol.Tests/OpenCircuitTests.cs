using System.Text.Json;
using BmsPace.Protocol.Commands;
using BmsPace.Protocol.Decoding;
using BmsPace.Protocol.Dialects;
using BmsPace.Protocol.Framing;

namespace BmsPace.Protocol.Tests;

/// <summary>
/// Issue 22 item 4: a cell between 0 and 1 V and a probe at the lowest value it reads are an open sense wire or a dead
/// cell, readings of a broken circuit that the owner must see: they are exported, not refused. What no circuit can read
/// (a cell above 5 V) still refuses the frame.
/// </summary>
public sealed class OpenCircuitTests
{
    private static readonly JsonElement Bench = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "open-circuit.json")))
        .RootElement.GetProperty("frames").EnumerateArray().Single(f => f.GetProperty("id").GetString() == "seplos-bench-open-sense-42");

    private static string Frame => Bench.GetProperty("frame").GetString()!;

    private static string Request => Bench.GetProperty("request").GetString()!;

    private static DecoderOptions Options(IBmsDialect dialect) => DecoderOptions.Default with { TemperatureOffsetDeciKelvin = dialect.TemperatureOffsetDeciKelvin };

    [Fact]
    public void The_seplos_bench_board_with_open_sense_wires_decodes_every_cell_and_probe_as_read()
    {
        var seplos = KnownDialects.Seplos;
        var frame = seplos.Validate(Frame, Request);
        var pack = Assert.Single(seplos.DecodeAnalog(frame, 0x00, Options(seplos)).Packs);

        Assert.False(pack.Offline);
        Assert.Equal(Bench.GetProperty("cells_mv").EnumerateArray().Select(c => c.GetInt32() / 1000.0).ToArray(), pack.CellVoltagesVolts.ToArray());
        Assert.Equal(0.024, pack.CellVoltagesVolts[6]);
        Assert.Equal(0.0, pack.CellVoltagesVolts[7]);
        Assert.Equal(Bench.GetProperty("temps_c").EnumerateArray().Select(t => t.GetDouble()).ToArray(), pack.TemperaturesCelsius.ToArray());
        Assert.Equal(-50.0, pack.TemperaturesCelsius[2]);
        Assert.Equal(-50.0, pack.TemperaturesCelsius[3]);
        Assert.Equal(Bench.GetProperty("voltage_v").GetDouble(), pack.VoltageVolts);
        Assert.Equal(Bench.GetProperty("current_a").GetDouble(), pack.CurrentAmperes);
        Assert.Empty(pack.Implausible);
    }

    [Fact]
    public void Detection_names_the_bench_board_seplos()
    {
        var (dialect, _) = AsciiDialectCalls.ValidateAndDetect(Frame, CommandKind.Analog, 0x00, Request);
        Assert.Same(KnownDialects.Seplos, dialect);
    }

    [Theory]
    [InlineData(5001)]
    [InlineData(65535)]
    public void A_cell_above_5_volts_still_refuses_the_seplos_frame(int millivolts)
    {
        var seplos = KnownDialects.Seplos;
        var frame = seplos.Validate(WithCell8(millivolts), null);
        var refusal = Assert.Throws<PaceProtocolException>(() => seplos.DecodeAnalog(frame, 0x00, Options(seplos)));
        Assert.Equal(FrameError.Decode, refusal.Error);
        Assert.Contains($"cell 8 reads {millivolts} mV, above 5000 mV", refusal.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, 0.0)]
    [InlineData(999, 0.999)]
    [InlineData(1, 0.001)]
    public void A_pace_cell_below_1_volt_is_exported_as_read(int millivolts, double volts)
    {
        int[] cells = [3300, millivolts, 3300, 3300];
        var raw = new RawAnalogPack(cells, [2980, 2731], 0, 10000, 5000, 2, 10000, 3, 10000, []);
        var frame = new ResponseFrame(0x25, 1, 0x46, 0, [.. SyntheticInfo.Analog(0x00, 1, [raw])]);
        var pack = Assert.Single(KnownDialects.Pace.DecodeAnalog(frame, 1, DecoderOptions.Default).Packs);
        Assert.Equal([3.3, volts, 3.3, 3.3], pack.CellVoltagesVolts.ToArray());
    }

    [Fact]
    public void A_pace_cell_above_5_volts_still_refuses_the_frame()
    {
        var raw = new RawAnalogPack([3300, 5001, 3300, 3300], [2980, 2731], 0, 10000, 5000, 2, 10000, 3, 10000, []);
        var frame = new ResponseFrame(0x25, 1, 0x46, 0, [.. SyntheticInfo.Analog(0x00, 1, [raw])]);
        var refusal = Assert.Throws<PaceProtocolException>(() => KnownDialects.Pace.DecodeAnalog(frame, 1, DecoderOptions.Default));
        Assert.Equal(FrameError.Decode, refusal.Error);
    }

    /// <summary>The bench frame with cell 8 set to <paramref name="millivolts"/> and its checksums made again.</summary>
    private static string WithCell8(int millivolts)
    {
        var envelope = FrameDecoder.ParseEnvelope(Frame, null);
        byte[] info = [.. envelope.Info];
        // DATA FLAG, COMMAND GROUP, cell count, then two bytes per cell.
        int at = 3 + (2 * 7);
        info[at] = (byte)(millivolts >> 8);
        info[at + 1] = (byte)millivolts;
        return FrameEncoder.EncodeResponse(0x20, 0x00, 0x46, 0x00, info);
    }
}
