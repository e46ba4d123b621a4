using System.Globalization;
using System.Text.Json;
using BmsPace.Protocol.Commands;
using BmsPace.Protocol.Decoding;
using BmsPace.Protocol.Dialects;
using BmsPace.Protocol.Framing;
using BmsPace.Protocol.Readings;

namespace BmsPace.Protocol.Tests;

/// <summary>Every 0x20 frame of vectors.json decoded by its dialect (auto-detected and named) and compared with what the vector states.</summary>
public sealed class DialectVectorTests
{
    /// <summary>The 0x47 system-parameter read has no command kind yet: it is validated (VectorTests), not decoded.</summary>
    private static readonly string[] NotDecoded = ["pylon-emulator-47"];

    public static TheoryData<string> Family20Frames => Vectors.Ids(v =>
        v.Text("protocol_version") == "0x20" && v.Text("frame") is not null && !NotDecoded.Contains(v.Text("id"))).AsTheoryData();

    [Theory]
    [MemberData(nameof(Family20Frames))]
    public void Family20_frame_is_detected_and_decodes_to_every_value_its_vector_states(string id)
    {
        var vector = Vectors.ById(id);
        var (kind, packByte) = KindAndPackByte(vector);
        string frame = WithValidChecksum(vector);
        var (dialect, parsed) = AsciiDialectCalls.ValidateAndDetect(frame, kind, packByte, vector.Text("request"));
        if (kind == CommandKind.ManufacturerInfo && parsed.Cid1 == 0x46)
        {
            // Seplos and Pylontech share the 0x51 layout and the header: the answer alone cannot tell them apart
            // (detection decides on the analog answer); both read it the same way.
            Assert.Contains(dialect.Name, new[] { "seplos", "pylontech" });
        }
        else
        {
            Assert.Equal(ExpectedDialect(vector), dialect.Name);
        }

        // Named explicitly, the dialect gives the same answer as detection.
        var validated = dialect.Validate(frame, vector.Text("request"));
        Assert.Equal((parsed.Version, parsed.Address, parsed.Cid1, parsed.ReturnCode), (validated.Version, validated.Address, validated.Cid1, validated.ReturnCode));
        Assert.Equal(parsed.Info.ToArray(), validated.Info.ToArray());
        var decoded = Decode(dialect, kind, parsed, packByte);
        int compared = 0;
        foreach (var (path, expected, tolerance) in StatedValues(vector))
        {
            if (id == "seplos-readme-42-v20" && path == "packs.0.temps_c")
            {
                // The vector's hand decode states 29.7 C for 0x0BA6 = 2982, which its own offset 2731 makes 25.1 C
                // (PROTOCOL.md 13.2): the stated temperatures are an arithmetic slip, so the rule is checked instead.
                var temperatures = ((AnalogReading)decoded).Packs[0].TemperaturesCelsius;
                Assert.Equal([25.1, 24.5, 23.6, 25.1, 25.0, 24.7], temperatures.Select(t => Math.Round(t, 1)).ToArray());
                continue;
            }

            AssertMatches(id, path, expected, Actual(decoded, parsed, path), tolerance);
            compared++;
        }

        Assert.True(compared > 0, $"{id}: no stated value compared");
    }

    [Fact]
    public void The_pylon_document_example_with_its_misprinted_checksum_is_still_refused_as_printed()
    {
        var vector = Vectors.ById("pylon-doc-rs485-v33-42-p4");
        var failure = Assert.Throws<PaceProtocolException>(() => AsciiDialectCalls.ValidateAndDetect(vector.Text("frame")!, CommandKind.Analog, 0x02));
        Assert.Equal(FrameError.Checksum, failure.Error);
    }

    [Theory]
    [InlineData("eg4-nkinnan-42-v20", "eg4")]
    [InlineData("seplos-readme-42-v20", "seplos")]
    [InlineData("pylon-emulator-42-p4", "pylontech")]
    [InlineData("itel-issue58-42-v20", "pylontech")]
    [InlineData("pylon-doc-rs232-v28-42", "pylontech")]
    public void A_family20_analog_frame_explains_itself_only_to_its_own_dialect(string id, string dialect)
    {
        var vector = Vectors.ById(id);
        var (_, packByte) = KindAndPackByte(vector);
        var envelope = FrameDecoder.ParseRequest(vector.Text("frame")!);
        var frame = new ResponseFrame(envelope.Version, envelope.Address, envelope.Cid1, envelope.Cid2, envelope.Info);
        Assert.Equal([dialect], BmsDialects.All.Where(d => d.Explains(frame, CommandKind.Analog, packByte)).Select(d => d.Name).ToArray());
        Assert.Equal(dialect, BmsDialects.Detect([frame], CommandKind.Analog, packByte)!.Name);
    }

    internal static (CommandKind Kind, byte PackByte) KindAndPackByte(JsonElement vector)
    {
        byte cid2 = vector.HexByte("command");
        var kind = cid2 switch
        {
            0x42 => CommandKind.Analog,
            0x44 => CommandKind.Alarm,
            0x51 => CommandKind.ManufacturerInfo,
            0x4F => CommandKind.ProtocolVersion,
            0x93 => CommandKind.ModuleSerial,
            0x4D => CommandKind.DateTime,
            _ => throw new InvalidOperationException($"no kind for CID2 {cid2:X2}"),
        };
        if (vector.Text("request_info_byte") is { } packByte)
        {
            return (kind, byte.Parse(packByte, NumberStyles.HexNumber, CultureInfo.InvariantCulture));
        }

        // EG4 requests carry no INFO: the address names the pack, as for an echoed pack byte.
        return (kind, vector.Text("request") is { } request ? FrameDecoder.ParseRequest(request).Address : RequestBuilder.AllPacks);
    }

    private static string ExpectedDialect(JsonElement vector) => vector.Text("decoder_variant") switch
    {
        "eg4_20" => "eg4",
        "seplos_20" => "seplos",
        "pylon_20" or "pylon_20_10mah" => "pylontech",
        _ => vector.Text("id")!.Split('-')[0] switch
        {
            "pylon" => "pylontech",
            var prefix => prefix,
        },
    };

    /// <summary>The frame, or for the document example whose printed CHKSUM is wrong, the same bytes with the right one.</summary>
    private static string WithValidChecksum(JsonElement vector)
    {
        string frame = vector.Text("frame")!;
        if (vector.ChecksumsAllOk())
        {
            return frame;
        }

        string body = frame[1..^5];
        return "~" + body + Checksums.FrameChecksum(body).ToString("X4", CultureInfo.InvariantCulture) + "\r";
    }

    private static object Decode(IBmsDialect dialect, CommandKind kind, ResponseFrame frame, byte packByte) => kind switch
    {
        CommandKind.Analog => dialect.DecodeAnalog(frame, packByte, DecoderOptions.Default with { TemperatureOffsetDeciKelvin = dialect.TemperatureOffsetDeciKelvin }),
        CommandKind.Alarm => dialect.DecodeAlarm(frame, packByte, DecoderOptions.Default),
        CommandKind.DateTime => dialect.DecodeDateTime(frame),
        _ => dialect.DecodeIdentity(kind, frame),
    };

    /// <summary>Every value the vector states: its automatic checks, then each field of <c>expected</c> (packs[0] or top level).</summary>
    private static IEnumerable<(string Path, JsonElement Expected, double Tolerance)> StatedValues(JsonElement vector)
    {
        double defaultTolerance = 0.0051;
        if (vector.TryGetProperty("checks", out var checks))
        {
            foreach (var check in checks.EnumerateArray())
            {
                double tolerance = check.TryGetProperty("tol", out var tol) ? Math.Max(tol.GetDouble(), 1e-9) : defaultTolerance;
                yield return (check.GetProperty("path").GetString()!, check.GetProperty("value"), tolerance);
            }
        }

        var expected = vector.GetProperty("expected");
        if (expected.TryGetProperty("packs", out var packs))
        {
            foreach (var field in packs[0].EnumerateObject())
            {
                yield return ("packs.0." + field.Name, field.Value, field.Name == "temps_c" ? 0.051 : defaultTolerance);
            }

            yield break;
        }

        foreach (var field in expected.EnumerateObject())
        {
            yield return (field.Name, field.Value, defaultTolerance);
        }
    }

    private static object? Actual(object decoded, ResponseFrame frame, string path)
    {
        string field = path.StartsWith("packs.0.", StringComparison.Ordinal) ? path["packs.0.".Length..] : path;
        return decoded switch
        {
            AnalogReading analog => AnalogField(analog.Packs[0], field),
            AlarmReading alarm => AlarmField(alarm.Packs[0], field),
            IdentityReading identity => IdentityField(identity, frame, field),
            DateTime time => field == "datetime" ? time.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) : throw Unknown(field),
            _ => throw Unknown(field),
        };
    }

    private static object? AnalogField(AnalogPack pack, string field) => field switch
    {
        "cell_count" => pack.CellCount,
        "cells_mv" => pack.CellVoltagesVolts.Select(v => Math.Round(v * 1000)).ToArray(),
        "temps_c" => pack.TemperaturesCelsius.ToArray(),
        "current_a" => pack.CurrentAmperes,
        "voltage_v" => pack.VoltageVolts,
        "remaining_ah" => pack.RemainingAmpHours,
        "full_ah" => pack.FullAmpHours,
        "design_ah" => pack.DesignAmpHours,
        "cycles" => pack.CycleCount,
        "user_defined_p" => pack.UserDefinedP,
        "soc_reported" => pack.StateOfChargeRatio * 100,
        "soh_reported" => pack.StateOfHealthRatio * 100,
        "cell_max_mv_reported" => Value(pack, "cell_voltage_max_reported_volts") * 1000,
        "cell_min_mv_reported" => Value(pack, "cell_voltage_min_reported_volts") * 1000,
        "cell_delta_mv_reported" => Value(pack, "cell_voltage_delta_reported_volts") * 1000,
        "cum_charge_ah" => Value(pack, "cumulative_charge_amp_hours"),
        "cum_discharge_ah" => Value(pack, "cumulative_discharge_amp_hours"),
        "cum_charge_kwh" => Value(pack, "cumulative_charge_watt_hours") / 1000,
        "cum_discharge_kwh" => Value(pack, "cumulative_discharge_watt_hours") / 1000,
        "cum_charge_count" => Value(pack, "charge_count"),
        "cum_discharge_count" => Value(pack, "discharge_count"),
        "port_voltage_v" => Value(pack, "port_voltage_volts"),
        _ => throw Unknown(field),
    };

    private static double Value(AnalogPack pack, string name) => pack.DialectValues.Single(v => v.Name == name).Value;

    private static object? AlarmField(AlarmPack pack, string field) => field switch
    {
        "cell_count" => pack.CellCount,
        "temp_count" => pack.TemperatureCount,
        "user_defined_p" => pack.StatusValue("alarm_user_defined_p"),
        "fet_status" or "system_status" or "balance_status" or "remaining_capacity_alarm" => pack.StatusValue(field),
        "fet_bits" => pack.ActiveFlags(FlagFamily.Status).Where(f => f.EndsWith("_fet", StringComparison.Ordinal)).Select(f => f switch
        {
            "discharge_fet" => "discharge MOS on",
            "charge_fet" => "charge MOS on",
            _ => f,
        }).ToArray(),
        "system_bits" => pack.ActiveFlags(FlagFamily.Status).Where(f => f is "charging" or "discharging" or "standby").ToArray(),
        "soc_low_alarm" => pack.ActiveFlags(FlagFamily.Warning).Contains("low_capacity"),
        "status" => Enumerable.Range(1, 5).Select(i => pack.StatusValue($"status_{i}")!.Value).ToArray(),
        "trailing_hex" => pack.TailHex,
        _ => throw Unknown(field),
    };

    private static object? IdentityField(IdentityReading identity, ResponseFrame frame, string field) => field switch
    {
        "device_name" => identity.DeviceName,
        "software_version" => identity.SoftwareVersion,
        "manufacturer" => identity.Manufacturer,
        "protocol_version" => identity.ProtocolVersion,
        "serial" => identity.BmsSerial,
        "first_byte_is_command" => (int)frame.Info[0],
        // The vector's ascii rendering starts with the command echo (\x02); the serial is the rest.
        "ascii" => "\\x" + frame.Info[0].ToString("X2", CultureInfo.InvariantCulture) + identity.BmsSerial,
        "bytes" => identity.Text is { Length: > 0 } ? frame.Info.Length : 0,
        _ => throw Unknown(field),
    };

    private static void AssertMatches(string id, string path, JsonElement expected, object? actual, double tolerance)
    {
        switch (expected.ValueKind)
        {
            case JsonValueKind.Number:
                Assert.True(actual is not null, $"{id}: {path} is null, expected {expected}");
                double value = Convert.ToDouble(actual, CultureInfo.InvariantCulture);
                Assert.True(Math.Abs(expected.GetDouble() - value) <= tolerance, $"{id}: {path} is {value}, expected {expected.GetDouble()} (tolerance {tolerance})");
                break;
            case JsonValueKind.String:
                string text = expected.GetString()!;
                Assert.True(text == (string?)actual || text.Replace("\\x02", "\\x02", StringComparison.Ordinal) == (string?)actual, $"{id}: {path} is '{actual}', expected '{text}'");
                break;
            case JsonValueKind.True or JsonValueKind.False:
                Assert.Equal(expected.GetBoolean(), Assert.IsType<bool>(actual));
                break;
            case JsonValueKind.Array:
                var items = expected.EnumerateArray().ToArray();
                switch (actual)
                {
                    case string[] names:
                        Assert.Equal(items.Select(i => i.GetString()!).ToArray(), names);
                        break;
                    case double[] numbers:
                        Assert.Equal(items.Length, numbers.Length);
                        for (int i = 0; i < items.Length; i++)
                        {
                            Assert.True(Math.Abs(items[i].GetDouble() - numbers[i]) <= tolerance, $"{id}: {path}[{i}] is {numbers[i]}, expected {items[i].GetDouble()}");
                        }

                        break;
                    case long[] raw:
                        Assert.Equal(items.Select(i => i.GetInt64()).ToArray(), raw);
                        break;
                    default:
                        Assert.Fail($"{id}: {path} has no comparable value ({actual?.GetType().Name ?? "null"})");
                        break;
                }

                break;
            default:
                Assert.Fail($"{id}: {path} states a {expected.ValueKind}");
                break;
        }
    }

    private static InvalidOperationException Unknown(string field) => new($"the test does not map the vector path '{field}'");
}
