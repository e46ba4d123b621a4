using System.Collections.Immutable;
using BmsPace.Protocol.Decoding;
using BmsPace.Simulator;
using CsCheck;
using BmsPace.Protocol.Dialects.Pace;
using BmsPace.Protocol.Simulation;

namespace BmsPace.Tests.Simulation;

/// <summary>
/// The simulator's PACE encoder against the program's decoder: random packs, quantised to the wire's resolution, come
/// back field by field after encoding and decoding. The two were written separately from the documented layout, so
/// agreement means both read PROTOCOL.md 10.2 and 11.2 the same way.
/// </summary>
public class PaceReplyEncoderTests
{
    private static readonly Gen<PackSample> Pack =
        from cells in Gen.Int[2500, 3650].Array[1, 16]
        from temps in Gen.Int[-200, 600].Array[0, 8]
        from current in Gen.Int[-30000, 30000]
        from full in Gen.Int[1, 60000]
        from remainingShare in Gen.Int[0, 100]
        from design in Gen.Int[1, 60000]
        from cycles in Gen.Int[0, 65535]
        from phase in Gen.Int[0, 2]
        from balancing in Gen.Bool.Array[16]
        select new PackSample
        {
            Number = 1,
            CellVoltagesVolts = [.. cells.Select(mv => mv / 1000.0)],
            TemperaturesCelsius = [.. temps.Select(t => t / 10.0)],
            CurrentAmperes = current / 100.0,
            FullAmpHours = full / 100.0,
            RemainingAmpHours = full * remainingShare / 100 / 100.0,
            DesignAmpHours = design / 100.0,
            CycleCount = cycles,
            Charging = phase == 1,
            Discharging = phase == 2,
            BalancingCells = [.. Enumerable.Range(1, cells.Length).Where(c => c <= 16 && balancing[c - 1])],
        };

    /// <summary>One to three packs of one model (cell and sensor counts) sharing a shape, as one stack reports them.</summary>
    private static readonly Gen<(PackSample[] Packs, PaceBlockShape Shape)> Stack =
        from first in Pack
        from more in Pack.Array[0, 2]
        from tail in Gen.Int[0, 3].Select(i => new[] { 0, 1, 14, 22 }[i])
        from p in Gen.Int[0, 255]
        from alarmTail in Gen.Int[0, 5]
        select (
            (PackSample[])[.. new[] { first }.Concat(more.Select(m => m with
            {
                CellVoltagesVolts = [.. Enumerable.Range(0, first.CellVoltagesVolts.Length).Select(i => m.CellVoltagesVolts[i % m.CellVoltagesVolts.Length])],
                TemperaturesCelsius = first.TemperaturesCelsius,
                BalancingCells = [.. m.BalancingCells.Where(c => c <= first.CellVoltagesVolts.Length)],
            })).Select((pack, i) => pack with { Number = i + 1 })],
            new PaceBlockShape(tail, p, alarmTail));

    [Fact]
    public void Analog_replies_decode_to_what_was_encoded() =>
        Stack.Sample(stack =>
        {
            var (packs, shape) = stack;
            var info = PaceReplyEncoder.Analog((byte)packs.Length, packs, packs, shape);
            var decoded = PaceDecoders.DecodeAnalog(info, 0xFF, DecoderOptions.Default);
            Assert.Equal(packs.Length, decoded.PackCount);
            Assert.Equal(packs.Length, decoded.Packs.Length);
            foreach (var (sent, read) in packs.Zip(decoded.Packs))
            {
                AssertAnalog(sent, read, shape);
            }
        }, iter: 2_000);

    [Fact]
    public void A_single_pack_answer_echoes_its_command() =>
        Gen.Select(Pack, Gen.Byte[1, 15]).Sample((pack, command) =>
        {
            var shape = new PaceBlockShape(14, 9, 1);
            var analog = PaceDecoders.DecodeAnalog(PaceReplyEncoder.Analog(command, [pack], [pack], shape), command, DecoderOptions.Default);
            AssertAnalog(pack, Assert.Single(analog.Packs) with { Pack = 1 }, shape);
            Assert.Equal(command, analog.Packs[0].Pack);
            var alarm = PaceDecoders.DecodeAlarm(PaceReplyEncoder.Alarm(command, [pack], shape), command, DecoderOptions.Default);
            Assert.Equal(command, Assert.Single(alarm.Packs).Pack);
        }, iter: 500);

    [Fact]
    public void Alarm_replies_decode_to_the_documented_bits() =>
        Stack.Sample(stack =>
        {
            var (packs, shape) = stack;
            var decoded = PaceDecoders.DecodeAlarm(PaceReplyEncoder.Alarm((byte)packs.Length, packs, shape), 0xFF, DecoderOptions.Default);
            Assert.Equal(packs.Length, decoded.Packs.Length);
            foreach (var (sent, read) in packs.Zip(decoded.Packs))
            {
                int[] mv = [.. sent.CellVoltagesVolts.Select(v => (int)Math.Round(v * 1000))];
                Assert.Equal(sent.Number, read.Pack);
                Assert.Equal(mv.Select(m => m > 3600 ? (byte)2 : m < 2800 ? (byte)1 : (byte)0).ToArray(), read.CellWarnings.ToArray());
                Assert.Equal(sent.TemperaturesCelsius.Select(t => t > 50 ? (byte)2 : t < 0 ? (byte)1 : (byte)0).ToArray(), read.TemperatureWarnings.ToArray());
                Assert.Equal(sent.BalancingCells.ToArray(), read.BalancingCells.ToArray());
                Assert.Equal(sent.Charging, (read.InstructionState & 0x20) != 0);
                Assert.Equal(sent.Discharging && sent.CurrentAmperes < 0, (read.InstructionState & 0x08) != 0);
                Assert.Equal(0x06, read.InstructionState & 0x06);
                Assert.Equal(sent.StateOfCharge >= 0.99, (read.ProtectState2 & 0x80) != 0);
                Assert.Equal(sent.StateOfCharge < 0.22, (read.WarnState2 & 0x80) != 0);
                Assert.Equal(mv.Max() > 3550, (read.WarnState1 & 0x01) != 0);
                Assert.Equal(mv.Min() < 2900, (read.WarnState1 & 0x02) != 0);
                Assert.Equal(new string('0', 2 * shape.AlarmTailBytes), read.TailHex);
                Assert.Equal(0, read.ChargeCurrentWarning | read.PackVoltageWarning | read.DischargeCurrentWarning | read.ProtectState1 | read.ControlState | read.FaultState);
            }
        }, iter: 2_000);

    [Fact]
    public void Identity_capacity_and_clock_decode_to_what_was_encoded()
    {
        Gen.Select(Gen.String[Gen.Char['!', '~'], 1, 20], Gen.String[Gen.Char['!', '~'], 1, 20], Gen.String[Gen.Char['!', '~'], 1, 20])
            .Sample((version, bms, pack) =>
            {
                Assert.Equal(version, PaceDecoders.DecodeSoftwareVersion(PaceReplyEncoder.SoftwareVersion(version)));
                var serials = PaceDecoders.DecodeSerialNumbers(PaceReplyEncoder.Serials(bms, pack));
                Assert.Equal(bms, serials.BmsSerial);
                Assert.Equal(pack, serials.PackSerial);
            });
        Pack.Sample(pack =>
        {
            var capacity = PaceDecoders.DecodeCapacity(PaceReplyEncoder.Capacity(pack));
            Assert.Equal(pack.RemainingAmpHours, capacity.RemainingAmpHours);
            Assert.Equal(pack.FullAmpHours, capacity.FullAmpHours);
            Assert.Equal(pack.DesignAmpHours, capacity.DesignAmpHours);
        });
        Gen.DateTime[new DateTime(2000, 1, 1), new DateTime(2099, 12, 31)].Sample(time =>
        {
            var seconds = new DateTime(time.Year, time.Month, time.Day, time.Hour, time.Minute, time.Second);
            Assert.Equal(seconds, PaceDecoders.DecodeDateTime(PaceReplyEncoder.DateTime(time)));
        });
        Gen.Int[1, 16].Sample(packs => Assert.Equal(packs, PaceDecoders.DecodePackCount(PaceReplyEncoder.PackCount(packs))));
    }

    private static void AssertAnalog(PackSample sent, Protocol.Readings.AnalogPack read, PaceBlockShape shape)
    {
        Assert.Equal(sent.Number, read.Pack);
        Assert.False(read.Offline);
        Assert.Equal(sent.CellVoltagesVolts.ToArray(), read.CellVoltagesVolts.ToArray());
        Assert.Equal(sent.TemperaturesCelsius.ToArray(), read.TemperaturesCelsius.ToArray());
        Assert.Equal(sent.CurrentAmperes, read.CurrentAmperes);
        Assert.Equal(sent.CellVoltagesVolts.Sum(v => (int)Math.Round(v * 1000)) / 1000.0, read.VoltageVolts);
        Assert.Equal(sent.RemainingAmpHours, read.RemainingAmpHours);
        Assert.Equal(sent.FullAmpHours, read.FullAmpHours);
        Assert.Equal(sent.DesignAmpHours, read.DesignAmpHours);
        Assert.Equal(sent.CycleCount, read.CycleCount);
        Assert.Equal(shape.UserDefinedP, read.UserDefinedP);
        Assert.Equal(2 * shape.TailBytes, read.TailHex.Length);
        double socPercent = Math.Round(Math.Round(sent.RemainingAmpHours * 100) * 100.0 / Math.Round(sent.FullAmpHours * 100), MidpointRounding.AwayFromZero);
        double sohPercent = Math.Min(255, Math.Round(Math.Round(sent.FullAmpHours * 100) * 100.0 / Math.Round(sent.DesignAmpHours * 100), MidpointRounding.AwayFromZero));
        // Computed ratios carry six decimals (CLI.md); a quotient that lands on a midpoint of the sixth may round either
        // way depending on the last bit of the division, so they are compared to one unit of it.
        const double sixthDecimal = 1.0000001e-6;
        Assert.Equal(shape.TailBytes >= 1 ? socPercent / 100 : Math.Round(sent.RemainingAmpHours / sent.FullAmpHours, 6), read.StateOfChargeRatio!.Value, shape.TailBytes >= 1 ? 1e-9 : sixthDecimal);
        Assert.Equal(shape.TailBytes >= 14 ? sohPercent / 100 : Math.Round(sent.FullAmpHours / sent.DesignAmpHours, 6), read.StateOfHealthRatio!.Value, shape.TailBytes >= 14 ? 1e-9 : sixthDecimal);
        Assert.Equal(Math.Round(sent.RemainingAmpHours / sent.FullAmpHours, 6), read.StateOfChargeCalculatedRatio!.Value, sixthDecimal);
        Assert.All([read.StateOfChargeRatio.Value, read.StateOfHealthRatio.Value, read.StateOfChargeCalculatedRatio.Value], r => Assert.Equal(Math.Round(r, 6), r));
    }
}
