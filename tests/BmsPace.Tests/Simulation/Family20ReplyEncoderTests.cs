using BmsPace.Protocol.Commands;
using BmsPace.Protocol.Decoding;
using BmsPace.Protocol.Dialects;
using BmsPace.Protocol.Framing;
using BmsPace.Simulator;
using CsCheck;
using BmsPace.Protocol.Dialects.Pylontech;
using BmsPace.Protocol.Dialects.Seplos;
using BmsPace.Protocol.Dialects.Eg4;
using BmsPace.Protocol.Simulation;

namespace BmsPace.Tests.Simulation;

/// <summary>
/// The simulator's EG4, Seplos and Pylontech encoders (written from PROTOCOL.md 13) against the program's decoders
/// behind the dialect seam: random packs come back field by field, to the resolution of each dialect's units.
/// </summary>
public class Family20ReplyEncoderTests
{
    private static readonly Gen<PackSample> Pack =
        from cells in Gen.Int[2800, 3600].Array[16]
        from temps in Gen.Int[-100, 500].Array[6]
        from current in Gen.Int[-15000, 15000]
        from full in Gen.Int[5000, 30000]
        from remainingShare in Gen.Int[1, 100]
        from designExtra in Gen.Int[0, 3000]
        from cycles in Gen.Int[0, 6000]
        select new PackSample
        {
            Number = 1,
            CellVoltagesVolts = [.. cells.Select(mv => mv / 1000.0)],
            TemperaturesCelsius = [.. temps.Select(t => t / 10.0)],
            CurrentAmperes = current / 100.0,
            FullAmpHours = full / 100.0,
            RemainingAmpHours = full * remainingShare / 100 / 100.0,
            DesignAmpHours = (full + designExtra) / 100.0,
            CycleCount = cycles,
        };

    [Theory]
    [InlineData("eg4")]
    [InlineData("seplos")]
    [InlineData("pylontech")]
    public void Analog_replies_decode_to_what_was_encoded(string name)
    {
        Assert.True(BmsDialects.TryFind(name, out var dialect));
        Pack.Sample(pack =>
        {
            byte[] info = name switch
            {
                "eg4" => Eg4ReplyEncoder.Analog(1, pack),
                "seplos" => SeplosReplyEncoder.Analog(1, pack),
                _ => PylontechReplyEncoder.Analog(1, pack),
            };
            string request = dialect.BuildRequest(CommandKind.Analog, 1, 1);
            var frame = dialect.Validate(FrameEncoder.EncodeResponse(dialect.DefaultVersion, 1, dialect.Cid1, 0, info), request);
            var read = Assert.Single(dialect.DecodeAnalog(frame, 1, DecoderOptions.Default with { TemperatureOffsetDeciKelvin = dialect.TemperatureOffsetDeciKelvin }).Packs);

            Assert.Equal(pack.CellVoltagesVolts.ToArray(), read.CellVoltagesVolts.ToArray());
            Assert.Equal(pack.TemperaturesCelsius.Order().ToArray(), read.TemperaturesCelsius.Order().ToArray());
            Assert.Equal(pack.CurrentAmperes, read.CurrentAmperes, name == "pylontech" ? 0.0501 : 1e-9);
            Assert.Equal(pack.CellVoltagesVolts.Sum(), read.VoltageVolts, name == "pylontech" ? 1e-9 : 0.0051);
            Assert.Equal(pack.RemainingAmpHours, read.RemainingAmpHours, 1e-9);
            Assert.Equal(pack.FullAmpHours, read.FullAmpHours, 1e-9);
            Assert.Equal(pack.CycleCount, read.CycleCount);
            if (name == "seplos")
            {
                Assert.Equal(pack.DesignAmpHours, read.DesignAmpHours!.Value, 1e-9);
            }
            else
            {
                Assert.Null(read.DesignAmpHours);
            }

            // Seplos and EG4 send their SOC (0.1 % and 1 % steps); Pylontech's is computed, at six decimals (CLI.md).
            Assert.Equal(name == "pylontech" ? Math.Round(pack.StateOfCharge, 6) : pack.StateOfCharge, read.StateOfChargeRatio!.Value, name == "seplos" ? 0.00051 : name == "eg4" ? 0.0051 : 1e-9);
        }, iter: 500);
    }

    [Theory]
    [InlineData("eg4")]
    [InlineData("seplos")]
    [InlineData("pylontech")]
    public void Alarm_replies_decode_and_say_whether_the_pack_charges(string name)
    {
        Assert.True(BmsDialects.TryFind(name, out var dialect));
        Gen.Select(Pack, Gen.Int[0, 2]).Sample((sample, phase) =>
        {
            var pack = sample with { Charging = phase == 1, Discharging = phase == 2, CurrentAmperes = phase == 2 ? -Math.Abs(sample.CurrentAmperes) - 1 : sample.CurrentAmperes };
            byte[] info = name switch
            {
                "eg4" => Eg4ReplyEncoder.Alarm(1, pack),
                "seplos" => SeplosReplyEncoder.Alarm(1, pack),
                _ => PylontechReplyEncoder.Alarm(1, pack),
            };
            string request = dialect.BuildRequest(CommandKind.Alarm, 1, 1);
            var frame = dialect.Validate(FrameEncoder.EncodeResponse(dialect.DefaultVersion, 1, dialect.Cid1, 0, info), request);
            var read = Assert.Single(dialect.DecodeAlarm(frame, 1, DecoderOptions.Default).Packs);
            Assert.Equal(16, read.CellCount);
            Assert.Equal(pack.Charging, read.ActiveFlags(Protocol.Readings.FlagFamily.Status).Contains("charging"));
            Assert.Equal(pack.Discharging, read.ActiveFlags(Protocol.Readings.FlagFamily.Status).Contains("discharging"));
        }, iter: 200);
    }
}
