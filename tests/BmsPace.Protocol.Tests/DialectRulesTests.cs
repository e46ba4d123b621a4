using System.Collections.Immutable;
using System.Globalization;
using BmsPace.Protocol.Commands;
using BmsPace.Protocol.Decoding;
using BmsPace.Protocol.Dialects;
using BmsPace.Protocol.Framing;
using BmsPace.Protocol.Readings;
using CsCheck;

namespace BmsPace.Protocol.Tests;

/// <summary>Issue 9's misreadings, requests and read-only sets per dialect, and dialect fuzzing.</summary>
public sealed class DialectRulesTests
{
    private static readonly DecoderOptions Family20Options = DecoderOptions.Default with { TemperatureOffsetDeciKelvin = 2731 };

    [Fact]
    public void Seplos_frame_read_as_pace_with_ver_20_is_refused_not_shown_as_5_33_volts_and_791_cycles()
    {
        var frame = Frame("seplos-readme-42-v20");
        var failure = Assert.Throws<PaceProtocolException>(() => KnownDialects.Pace.DecodeAnalog(KnownDialects.Pace.Validate(frame, versionOverride: 0x20), 0x00, DecoderOptions.Default));
        Assert.Equal(FrameError.Decode, failure.Error);
        Assert.Contains("looks like seplos", failure.Detail, StringComparison.Ordinal);

        var pack = Assert.Single(KnownDialects.Seplos.DecodeAnalog(KnownDialects.Seplos.Validate(frame), 0x00, Family20Options).Packs);
        Assert.Equal(52.80, pack.VoltageVolts, 3);
        Assert.Equal(70, pack.CycleCount);
        Assert.Equal(0.787, pack.StateOfChargeRatio!.Value, 6);
        Assert.Equal(1.0, pack.StateOfHealthRatio!.Value, 6);
        Assert.Equal(180.0, pack.DesignAmpHours!.Value, 3);
    }

    [Fact]
    public void Pylontech_p4_frame_read_as_pace_is_refused_not_shown_as_655_35_ah()
    {
        var frame = Frame("pylon-emulator-42-p4");
        var failure = Assert.Throws<PaceProtocolException>(() => KnownDialects.Pace.DecodeAnalog(KnownDialects.Pace.Validate(frame, versionOverride: 0x20), 0x02, DecoderOptions.Default));
        Assert.Equal(FrameError.Decode, failure.Error);
        Assert.Contains("looks like pylontech", failure.Detail, StringComparison.Ordinal);

        var pack = Assert.Single(KnownDialects.Pylontech.DecodeAnalog(KnownDialects.Pylontech.Validate(frame), 0x02, Family20Options).Packs);
        Assert.Equal(50.068, pack.RemainingAmpHours, 3);
        Assert.Equal(74.0, pack.FullAmpHours, 3);
        Assert.Null(pack.DesignAmpHours);
        Assert.Null(pack.StateOfHealthRatio);
        Assert.Equal(50.068 / 74.0, pack.StateOfChargeRatio!.Value, 6);
    }

    [Fact]
    public void Eg4_frame_read_as_pace_is_refused_with_the_dialect_it_looks_like()
    {
        var frame = Frame("eg4-nkinnan-42-v20");
        var failure = Assert.Throws<PaceProtocolException>(() => KnownDialects.Pace.Validate(frame, versionOverride: 0x20));
        Assert.Equal(FrameError.Cid1, failure.Error);
        Assert.Contains("looks like eg4", failure.Detail, StringComparison.Ordinal);

        var pack = Assert.Single(KnownDialects.Eg4.DecodeAnalog(KnownDialects.Eg4.Validate(frame), 0x01, Family20Options).Packs);
        Assert.Equal(6.69, pack.CurrentAmperes, 3);
        Assert.Equal(53.97, pack.VoltageVolts, 3);
        Assert.Equal([TemperatureRole.Cell, TemperatureRole.Cell, TemperatureRole.Cell, TemperatureRole.Cell, TemperatureRole.Environment, TemperatureRole.Mosfet],
            Enumerable.Range(0, pack.TemperatureCount).Select(pack.RoleOfSensor).ToArray());
    }

    [Fact]
    public void A_frame_no_dialect_explains_is_refused_with_the_decode_reason()
    {
        // A valid envelope with VER 20 / CID1 46 and INFO that fits neither the Seplos nor the Pylontech layout.
        string frame = FrameEncoder.EncodeResponse(0x20, 0x01, 0x46, 0x00, [0x10, 0x01, 0x02, 0x0C, 0xE4, 0x0C, 0xE4, 0x00, 0x00, 0x00]);
        var failure = Assert.Throws<PaceProtocolException>(() => AsciiDialectCalls.ValidateAndDetect(frame, CommandKind.Analog, 0x01));
        Assert.Equal(FrameError.Decode, failure.Error);
        Assert.Contains("seplos or pylontech", failure.Detail, StringComparison.Ordinal);

        string unknownHeader = FrameEncoder.EncodeResponse(0x21, 0x01, 0x4B, 0x00, [0x00]);
        var unknown = Assert.Throws<PaceProtocolException>(() => AsciiDialectCalls.ValidateAndDetect(unknownHeader, CommandKind.Analog, 0x01));
        Assert.Equal(FrameError.Decode, unknown.Error);
        Assert.Contains("no dialect uses VER 21, CID1 4B", unknown.Detail, StringComparison.Ordinal);
    }

    public static TheoryData<string> Family20Requests => Vectors.Ids(v => v.Text("request") is { } r && r.StartsWith("~20", StringComparison.Ordinal)).AsTheoryData();

    [Theory]
    [MemberData(nameof(Family20Requests))]
    public void Each_family20_request_is_rebuilt_byte_for_byte_by_its_dialect(string id)
    {
        var vector = Vectors.ById(id);
        string request = vector.Text("request")!;
        var parsed = FrameDecoder.ParseRequest(request);
        var (kind, packByte) = DialectVectorTests.KindAndPackByte(vector);
        var dialect = parsed.Cid1 == 0x4A ? KnownDialects.Eg4 : id.StartsWith("seplos", StringComparison.Ordinal) ? KnownDialects.Seplos : KnownDialects.Pylontech;
        Assert.Equal(request, dialect.BuildRequest(kind, parsed.Address, packByte));
    }

    [Fact]
    public void Each_dialect_builds_only_its_read_only_commands()
    {
        byte[] neverSend = [0x95, 0x99, 0x9A, 0x9B, 0x9C, 0xA4, 0xFF, 0x49, 0x4E, 0xA5, 0xB2];

        // The Modbus families build no CID2 at all: their read-only proof is ReadOnlyRequestTests.
        foreach (var dialect in BmsDialects.All.Where(d => d.Wire is Protocol.Wire.AsciiWire))
        {
            Assert.Subset(ReadOnlyCommandSet.All.ToHashSet(), dialect.ReadOnlyCid2s.ToHashSet());
            Assert.Empty(dialect.ReadOnlyCid2s.Intersect(neverSend));
            foreach (var kind in CommandKinds.Every)
            {
                if (dialect.Cid2Of(kind) is { } cid2)
                {
                    Assert.True(dialect.ReadOnlyCid2s.Contains(cid2), $"{dialect.Name} builds {kind} with 0x{cid2:X2} outside its read-only set");
                    var built = FrameDecoder.ParseRequest(dialect.BuildRequest(kind, 1, 1));
                    Assert.Equal((dialect.DefaultVersion, dialect.Cid1, cid2), (built.Version, built.Cid1, built.Cid2));
                }
                else
                {
                    Assert.Throws<ArgumentException>(() => dialect.BuildRequest(kind, 1));
                }
            }
        }

        Assert.Equal([(byte)0x42, 0x44, 0x47, 0x4D, 0x51], KnownDialects.Eg4.ReadOnlyCid2s.Order().ToArray());
        Assert.Equal([(byte)0x42, 0x44, 0x47, 0x51], KnownDialects.Seplos.ReadOnlyCid2s.Order().ToArray());
        Assert.Equal([(byte)0x42, 0x44, 0x47, 0x4F, 0x51, 0x93], KnownDialects.Pylontech.ReadOnlyCid2s.Order().ToArray());
    }

    private static readonly string[] Family20Frames = [.. Vectors.All
        .Where(v => v.Text("protocol_version") == "0x20" && v.Text("frame") is not null && v.ChecksumsAllOk())
        .Select(v => v.Text("frame")!)];

    [Fact(Timeout = 300_000)]
    public async Task Random_and_mutated_frames_give_every_dialect_only_its_typed_error()
    {
        Assert.NotEmpty(Family20Frames);
        var mutatedInfo = Gen.Select(Gen.Int[0, Family20Frames.Length - 1], Gen.Int[0, 3], Gen.Int[0, 5000], Gen.Byte, (index, kind, at, value) =>
        {
            var envelope = FrameDecoder.ParseRequest(Family20Frames[index]);
            var info = envelope.Info.ToList();
            int position = info.Count == 0 ? 0 : at % info.Count;
            switch (kind)
            {
                case 0 when info.Count > 0: info[position] = value; break;
                case 1 when info.Count > 0: info.RemoveAt(position); break;
                case 2: info.Insert(position, value); break;
                default: info = info.Take(position).ToList(); break;
            }

            // Checksums recomputed, so the mutation reaches the layouts.
            return FrameEncoder.EncodeResponse(envelope.Version, envelope.Address, envelope.Cid1, 0x00, info.ToArray());
        });
        var randomInfo = Gen.Byte.Array[0, 200].Select(info => FrameEncoder.EncodeResponse(0x20, 0x01, (byte)(info.Length % 2 == 0 ? 0x46 : 0x4A), 0x00, info));
        await Task.Run(() => mutatedInfo.Sample(DecodeWithEveryDialect, iter: 3_000));
        await Task.Run(() => randomInfo.Sample(DecodeWithEveryDialect, iter: 3_000));
    }

    private static void DecodeWithEveryDialect(string frame)
    {
        foreach (var kind in CommandKinds.Every)
        {
            foreach (byte packByte in new byte[] { 0xFF, 0x01 })
            {
                Guard(() => AsciiDialectCalls.ValidateAndDetect(frame, kind, packByte));
                foreach (var dialect in BmsDialects.All)
                {
                    Guard(() =>
                    {
                        var parsed = dialect.Validate(frame, versionOverride: 0x20);
                        object result = kind switch
                        {
                            CommandKind.Analog => CheckPlausible(dialect.DecodeAnalog(parsed, packByte, Family20Options)),
                            CommandKind.Alarm => dialect.DecodeAlarm(parsed, packByte, Family20Options),
                            CommandKind.DateTime => dialect.DecodeDateTime(parsed),
                            CommandKind.Capacity => dialect.DecodeCapacity(parsed),
                            CommandKind.PackCount => dialect.DecodePackCount(parsed) ?? 0,
                            _ => dialect.DecodeIdentity(kind, parsed),
                        };
                        return result;
                    });
                }
            }
        }
    }

    /// <summary>What the plausibility pass lets through is physical: temperatures -50..150 C or absent, ratios bounded, cells 0..5 V (below 1 V: an open sense wire).</summary>
    private static AnalogReading CheckPlausible(AnalogReading reading)
    {
        foreach (var pack in reading.Packs)
        {
            Assert.All(pack.TemperaturesCelsius, t => Assert.True(double.IsNaN(t) || t is >= -50 and <= 150, $"temperature {t}"));
            Assert.True(pack.StateOfChargeRatio is null or (>= 0 and <= 1.005), $"SOC {pack.StateOfChargeRatio}");
            Assert.True(pack.StateOfHealthRatio is null or (>= 0 and <= 2), $"SOH {pack.StateOfHealthRatio}");
            Assert.All(pack.CellVoltagesVolts, v => Assert.True(v is >= 0 and <= 5, $"cell {v}"));
        }

        return reading;
    }

    private static void Guard(Func<object> decode)
    {
        try
        {
            decode();
        }
        catch (PaceProtocolException)
        {
        }
    }

    private static string Frame(string id) => Vectors.ById(id).Text("frame")!;
}
