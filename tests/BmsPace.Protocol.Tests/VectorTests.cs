using System.Globalization;
using System.Text.Json;
using BmsPace.Protocol.Commands;
using BmsPace.Protocol.Decoding;
using BmsPace.Protocol.Framing;
using BmsPace.Protocol.Readings;
using BmsPace.Protocol.Dialects.Pace;

namespace BmsPace.Protocol.Tests;

public sealed class VectorTests
{
    private static readonly string[] DamagedIds = ["bad-truncated-tcp-issue17", "bad-p16s100a-c2-issue32", "bad-echo-issue16"];

    public static TheoryData<string> PaceVectorsWithChecks => Vectors.Ids(v =>
        v.Text("protocol_version") == "0x25" && !v.IsDamaged()
        && v.TryGetProperty("checks", out var checks) && checks.ValueKind == JsonValueKind.Array && checks.GetArrayLength() > 0).AsTheoryData();

    public static TheoryData<string> Family20Frames => Vectors.Ids(v => v.Text("protocol_version") == "0x20" && v.Text("frame") is not null).AsTheoryData();

    public static TheoryData<string> Requests => Vectors.Ids(v => v.Text("request") is not null).AsTheoryData();

    [Fact]
    public void The_fixture_holds_every_kind_of_vector_the_tests_rely_on()
    {
        Assert.True(PaceVectorsWithChecks.Count >= 20, $"only {PaceVectorsWithChecks.Count} PACE vectors with checks");
        Assert.True(Family20Frames.Count >= 10);
        Assert.True(Requests.Count >= 20);
        foreach (var id in DamagedIds.Append("rtn04-emulator"))
        {
            Assert.Equal(id, Vectors.ById(id).Text("id"));
        }
    }

    [Theory]
    [MemberData(nameof(PaceVectorsWithChecks))]
    public void Pace_vector_decodes_to_every_checked_value(string id)
    {
        var vector = Vectors.ById(id);
        var decoded = Decode(vector);
        int compared = 0;
        foreach (var check in vector.GetProperty("checks").EnumerateArray())
        {
            string path = check.GetProperty("path").GetString()!;
            double tolerance = check.TryGetProperty("tol", out var tol) ? tol.GetDouble() : 0;
            var expected = check.GetProperty("value");
            if (path.StartsWith("bmspace_", StringComparison.Ordinal))
            {
                // The vector records what bmspace wrongly prints (a truncated serial); ours is the full one it was cut from.
                string ours = (string)Actual(decoded, path["bmspace_".Length..] switch { "bms_sn" => "bms_serial", _ => "pack_serial" })!;
                Assert.StartsWith(expected.GetString()!, ours, StringComparison.Ordinal);
                Assert.True(ours.Length > expected.GetString()!.Length, $"{id}: {path} should be longer than the truncated form");
                compared++;
                continue;
            }

            AssertMatches(id, path, expected, Actual(decoded, path), tolerance);
            compared++;
        }

        Assert.True(compared > 0);
    }

    [Theory]
    [MemberData(nameof(Family20Frames))]
    public void Family20_frame_passes_framing_checksum_and_rtn_or_is_rejected_for_its_recorded_fault(string id)
    {
        var vector = Vectors.ById(id);
        string frame = vector.Text("frame")!;
        byte cid1 = vector.Text("request") is { } request ? FrameDecoder.ParseRequest(request).Cid1 : Convert.FromHexString(frame.AsSpan(5, 2))[0];
        if (vector.ChecksumsAllOk())
        {
            var parsed = FrameDecoder.Parse(frame, 0x20, cid1, vector.Text("request"));
            Assert.Equal(0x20, parsed.Version);
            Assert.Equal(cid1, parsed.Cid1);
            Assert.Equal(0, parsed.ReturnCode);
            Assert.Equal(vector.GetProperty("checksum").GetProperty("lenid").GetInt32() / 2, parsed.Info.Length);
        }
        else
        {
            Assert.True(vector.GetProperty("checksum").GetProperty("length_ok").GetBoolean());
            var error = Assert.Throws<PaceProtocolException>(() => FrameDecoder.Parse(frame, 0x20, cid1));
            Assert.Equal(FrameError.Checksum, error.Error);
        }
    }

    [Theory]
    [MemberData(nameof(Requests))]
    public void Request_is_rebuilt_byte_for_byte(string id)
    {
        string request = Vectors.ById(id).Text("request")!;
        var parsed = FrameDecoder.ParseRequest(request);
        Assert.Equal(request, RequestBuilder.Build(parsed.Version, parsed.Address, parsed.Cid1, parsed.Cid2, parsed.Info.AsSpan()));
        if (AsciiDialectCalls.TryKindOfPaceCid2(parsed.Cid2, out var kind) && (!kind.CarriesPackByte() || parsed.Info.Length == 1))
        {
            byte packByte = kind.CarriesPackByte() ? parsed.Info[0] : RequestBuilder.AllPacks;
            Assert.Equal(request, AsciiDialectCalls.PaceRequest(kind, parsed.Version, parsed.Address, packByte, parsed.Cid1));
        }
    }

    [Fact]
    public void Truncated_tcp_chunk_is_rejected_as_a_wrong_length_and_as_truncated_once_its_cr_is_gone()
    {
        string frame = Vectors.ById("bad-truncated-tcp-issue17").Text("frame")!;
        var withCr = Assert.Throws<PaceProtocolException>(() => FrameDecoder.Parse(frame, 0x25));
        Assert.Equal(FrameError.Length, withCr.Error);
        Assert.Contains("262", withCr.Detail, StringComparison.Ordinal);
        var withoutCr = Assert.Throws<PaceProtocolException>(() => FrameDecoder.Parse(frame.TrimEnd('\r'), 0x25));
        Assert.Equal(FrameError.Truncated, withoutCr.Error);
    }

    [Fact]
    public void Serial_with_one_pair_too_many_is_rejected_for_its_length()
    {
        var vector = Vectors.ById("bad-p16s100a-c2-issue32");
        var error = Assert.Throws<PaceProtocolException>(() => FrameDecoder.Parse(vector.Text("frame")!, 0x25, 0x46, vector.Text("request")));
        Assert.Equal(FrameError.Length, error.Error);
    }

    [Fact]
    public void Echo_of_the_request_is_recognised_before_anything_else()
    {
        var vector = Vectors.ById("bad-echo-issue16");
        string frame = vector.Text("frame")!;
        string request = vector.Text("request")!;
        foreach (var (f, r) in new[] { (frame, request), (frame.TrimEnd('\r'), request), (frame, request.TrimEnd('\r')) })
        {
            // The echo carries CID2 42 where a reply carries RTN: without the request it would be an rtn failure.
            Assert.Equal(FrameError.Echo, Assert.Throws<PaceProtocolException>(() => FrameDecoder.Parse(f, 0x25, 0x46, r)).Error);
        }

        Assert.Equal(FrameError.Rtn, Assert.Throws<PaceProtocolException>(() => FrameDecoder.Parse(frame, 0x25)).Error);
    }

    [Fact]
    public void Error_reply_surfaces_its_return_code()
    {
        var error = Assert.Throws<PaceProtocolException>(() => FrameDecoder.Parse(Vectors.ById("rtn04-emulator").Text("frame")!, 0x25));
        Assert.Equal(FrameError.Rtn, error.Error);
        Assert.Equal((byte)4, error.ReturnCode);
        Assert.Contains("CID2 invalid", error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Spec_checksum_example_matches_and_its_fragment_is_not_a_whole_frame()
    {
        string frame = Vectors.ById("pace-doc-checksum-example").Text("frame")!;
        Assert.Equal(0xFC72, Checksums.FrameChecksum("1203400356ABCEFE"));
        Assert.Equal(FrameError.Length, Assert.Throws<PaceProtocolException>(() => FrameDecoder.Parse(frame, 0x12, 0x40)).Error);
    }

    private static object Decode(JsonElement vector)
    {
        ReadOnlySpan<byte> info;
        if (vector.Text("frame") is { } frame)
        {
            info = FrameDecoder.Parse(frame, 0x25, 0x46, vector.Text("request")).Info.AsSpan();
        }
        else
        {
            info = Convert.FromHexString(vector.Text("info")!);
        }

        return vector.Text("command") switch
        {
            "0x42" => PaceDecoders.DecodeAnalog(info, vector.HexByte("request_info_byte"), DecoderOptions.Default),
            "0x44" => PaceDecoders.DecodeAlarm(info, vector.HexByte("request_info_byte"), DecoderOptions.Default),
            "0xC1" => PaceDecoders.DecodeSoftwareVersion(info),
            "0xC2" => PaceDecoders.DecodeSerialNumbers(info),
            "0x90" => PaceDecoders.DecodePackCount(info)!,
            "0xB1" => PaceDecoders.DecodeDateTime(info),
            var other => throw new InvalidOperationException($"no decoder for command {other}"),
        };
    }

    /// <summary>Maps the vector file's own path names onto the decoder output.</summary>
    private static object? Actual(object decoded, string path)
    {
        string[] parts = path.Split('.');
        if (parts[0] == "packs")
        {
            int index = int.Parse(parts[1], CultureInfo.InvariantCulture);
            string field = string.Join('.', parts[2..]);
            return decoded switch
            {
                AnalogReading analog => AnalogField(analog.Packs[index], field),
                AlarmReading alarm => AlarmField(alarm.Packs[index], field),
                _ => throw new InvalidOperationException($"{path} on {decoded.GetType().Name}"),
            };
        }

        return (path, decoded) switch
        {
            ("pack_count", AnalogReading analog) => analog.PackCount,
            ("pack_count", AlarmReading alarm) => alarm.PackCount,
            ("text", string text) => text,
            ("text", SerialNumbers serials) => serials.BmsSerial,
            ("bms_serial", SerialNumbers serials) => serials.BmsSerial,
            ("pack_serial", SerialNumbers serials) => serials.PackSerial,
            ("pack_number", int count) => count,
            ("datetime", DateTime time) => time.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
            _ => throw new InvalidOperationException($"unmapped vector path {path} on {decoded.GetType().Name}"),
        };
    }

    private static object? AnalogField(AnalogPack pack, string field) => field switch
    {
        "cells_mv" => pack.CellVoltagesVolts.Select(v => v * 1000).ToArray(),
        "temps_c" => pack.TemperaturesCelsius.ToArray(),
        "current_a" => pack.CurrentAmperes,
        "voltage_v" => pack.VoltageVolts,
        "remaining_ah" => pack.RemainingAmpHours,
        "full_ah" => pack.FullAmpHours,
        "design_ah" => pack.DesignAmpHours,
        "cycles" => pack.CycleCount,
        "user_defined_p" => pack.UserDefinedP,
        "cell_count" => pack.CellCount,
        "soc_calc_pct" => pack.StateOfChargeCalculatedRatio * 100,
        "soh_calc_pct" => pack.StateOfHealthCalculatedRatio * 100,
        "ext.soc_reported" => pack.Tail?.StateOfChargeRatio * 100,
        "ext.soh_reported" => pack.Tail?.StateOfHealthRatio * 100,
        "ext.tail_bytes" => pack.Tail?.LengthBytes ?? 0,
        _ => throw new InvalidOperationException($"unmapped analog field {field}"),
    };

    private static object? AlarmField(AlarmPack pack, string field) => field switch
    {
        "cell_count" => pack.CellCount,
        "temp_count" => pack.TemperatureCount,
        "protect_state_1" => (int)pack.ProtectState1,
        "protect_state_2" => (int)pack.ProtectState2,
        "instruction_state" => (int)pack.InstructionState,
        "control_state" => (int)pack.ControlState,
        "fault_state" => (int)pack.FaultState,
        "balance_state_1" => (int)pack.BalanceState1,
        "balance_state_2" => (int)pack.BalanceState2,
        "warn_state_1" => (int)pack.WarnState1,
        "warn_state_2" => (int)pack.WarnState2,
        "cell_warn" => pack.CellWarnings.Select(b => (double)b).ToArray(),
        "temp_warn" => pack.TemperatureWarnings.Select(b => (double)b).ToArray(),
        "tail_hex" => pack.TailHex,
        // The vector names bits as its source prints them; ours are METRICS.md's flag names.
        "instruction_state_bits" => pack.ActiveFlags(FlagFamily.Status).Select(name => name switch
        {
            "charge_fet" => "charge FET on",
            "discharge_fet" => "discharge FET on",
            _ => name,
        }).ToArray(),
        _ => throw new InvalidOperationException($"unmapped alarm field {field}"),
    };

    private static void AssertMatches(string id, string path, JsonElement expected, object? actual, double tolerance)
    {
        string where = $"{id}: {path}";
        switch (expected.ValueKind)
        {
            case JsonValueKind.Number:
                Assert.True(actual is not null, $"{where}: no value");
                double value = Convert.ToDouble(actual, CultureInfo.InvariantCulture);
                Assert.True(Math.Abs(value - expected.GetDouble()) <= tolerance + 1e-9, $"{where}: expected {expected.GetDouble()} (tol {tolerance}), got {value}");
                break;
            case JsonValueKind.String:
                Assert.Equal(expected.GetString(), Assert.IsType<string>(actual));
                break;
            case JsonValueKind.Array when expected.GetArrayLength() > 0 && expected[0].ValueKind == JsonValueKind.String:
                Assert.Equal(expected.EnumerateArray().Select(e => e.GetString()!).ToArray(), Assert.IsType<string[]>(actual));
                break;
            case JsonValueKind.Array:
                var values = Assert.IsType<double[]>(actual);
                var wanted = expected.EnumerateArray().Select(e => e.GetDouble()).ToArray();
                Assert.True(wanted.Length == values.Length, $"{where}: expected {wanted.Length} values, got {values.Length}");
                for (int i = 0; i < wanted.Length; i++)
                {
                    Assert.True(Math.Abs(values[i] - wanted[i]) <= tolerance + 1e-9, $"{where}[{i}]: expected {wanted[i]}, got {values[i]}");
                }

                break;
            default:
                throw new InvalidOperationException($"{where}: unsupported expected value {expected}");
        }
    }
}
