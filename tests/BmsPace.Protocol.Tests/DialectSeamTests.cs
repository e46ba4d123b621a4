using BmsPace.Protocol.Commands;
using BmsPace.Protocol.Decoding;
using BmsPace.Protocol.Dialects;
using BmsPace.Protocol.Framing;
using BmsPace.Protocol.Dialects.Pace;

namespace BmsPace.Protocol.Tests;

public sealed class DialectSeamTests
{
    [Fact]
    public void The_registry_holds_the_four_ascii_dialects_then_the_three_modbus_families_in_detection_order()
    {
        Assert.Equal(["pace", "eg4", "seplos", "pylontech", "seplos-v3", "eg4-ll", "pace-modbus"], BmsDialects.Names.ToArray());
        Assert.All(BmsDialects.All.Take(4), d => Assert.IsType<Protocol.Wire.AsciiWire>(d.Wire));
        Assert.All(BmsDialects.All.Skip(4), d => Assert.IsType<Protocol.Wire.ModbusRtuWire>(d.Wire));
        Assert.True(BmsDialects.TryFind("Seplos", out var seplos));
        Assert.Same(KnownDialects.Seplos, seplos);
        Assert.False(BmsDialects.TryFind(BmsDialects.Auto, out _));
        Assert.Equal([(byte)0x25, 0x20, 0x20, 0x20], BmsDialects.All.Take(4).Select(d => d.DefaultVersion).ToArray());
        Assert.Equal([(byte)0x46, 0x4A, 0x46, 0x46], BmsDialects.All.Take(4).Select(d => d.Cid1).ToArray());
    }

    [Fact]
    public void The_pace_dialect_decodes_exactly_what_the_pace_decoders_decode()
    {
        var vector = Vectors.ById("jakiper-nkinnan-42");
        var frame = KnownDialects.Pace.Validate(vector.Text("frame")!);
        var direct = PaceDecoders.DecodeAnalog(frame.Info.AsSpan(), 0xFF, DecoderOptions.Default);
        var viaSeam = KnownDialects.Pace.DecodeAnalog(frame, 0xFF, DecoderOptions.Default);
        Assert.Equal("pace", viaSeam.Protocol);
        var (expected, actual) = (direct.Packs[0], viaSeam.Packs[0]);
        Assert.Equal(expected.CellVoltagesVolts.ToArray(), actual.CellVoltagesVolts.ToArray());
        Assert.Equal(expected.TemperaturesCelsius.ToArray(), actual.TemperaturesCelsius.ToArray());
        Assert.Equal(
            (expected.CurrentAmperes, expected.VoltageVolts, expected.RemainingAmpHours, expected.FullAmpHours, expected.DesignAmpHours, expected.CycleCount),
            (actual.CurrentAmperes, actual.VoltageVolts, actual.RemainingAmpHours, actual.FullAmpHours, actual.DesignAmpHours, actual.CycleCount));
        Assert.Equal(
            (expected.StateOfChargeRatio, expected.StateOfHealthRatio, expected.StateOfChargeCalculatedRatio, expected.StateOfHealthCalculatedRatio),
            (actual.StateOfChargeRatio, actual.StateOfHealthRatio, actual.StateOfChargeCalculatedRatio, actual.StateOfHealthCalculatedRatio));
        Assert.Empty(actual.Implausible);
    }

    [Fact]
    public void A_seplos_frame_given_to_pace_is_refused_with_the_dialect_it_looks_like()
    {
        var failure = Assert.Throws<PaceProtocolException>(() => KnownDialects.Pace.Validate(Vectors.ById("seplos-readme-42-v20").Text("frame")!));
        Assert.Equal(FrameError.Version, failure.Error);
        Assert.Contains("looks like seplos", failure.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void The_pace_dialect_builds_the_requests_of_the_request_builder()
    {
        Assert.Equal(AsciiDialectCalls.PaceRequest(CommandKind.Analog, 0x25, 1), KnownDialects.Pace.BuildRequest(CommandKind.Analog, 1));
        Assert.Equal(AsciiDialectCalls.PaceRequest(CommandKind.Alarm, 0x25, 2, 2), KnownDialects.Pace.BuildRequest(CommandKind.Alarm, 2, 2));
        Assert.Throws<ArgumentException>(() => KnownDialects.Pace.BuildRequest(CommandKind.ManufacturerInfo, 1));
    }
}
