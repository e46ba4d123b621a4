using BmsPace.Protocol.Commands;
using BmsPace.Protocol.Dialects.Eg4Ll;
using BmsPace.Protocol.Dialects.PaceModbus;
using BmsPace.Protocol.Dialects.SeplosV3;
using BmsPace.Protocol.Framing;
using BmsPace.Protocol.Modbus;
using BmsPace.Protocol.Readings;
using BmsPace.Simulator;
using BmsPace.Protocol.Simulation;
using CsCheck;

namespace BmsPace.Tests.Simulation;

/// <summary>
/// The simulator's Modbus slaves (written from MODBUS.md's tables) against the program's register maps: random
/// stacks come back field by field, to the resolution of each family's units, at the addresses the documents give.
/// </summary>
public class ModbusReplyEncoderTests
{
    private static readonly SimulatedBmsOptions Options = new();

    /// <summary>What the encoders read of the battery besides the packs: the options' identity texts.</summary>
    private static readonly ISimulatedBattery Identity = new OptionsBattery(Options);

    private sealed class OptionsBattery(SimulatedBmsOptions options) : ISimulatedBattery
    {
        public int Packs => options.Packs;

        public byte Version => options.Version;

        public int TailBytes => options.TailBytes;

        public int UserDefinedP => options.UserDefinedP;

        public int AlarmTailBytes => options.AlarmTailBytes;

        public string SoftwareVersion => options.SoftwareVersion;

        public DateTime LocalNow => DateTime.UnixEpoch;

        public SimulatedBus Bus => SimulatedBus.Master;

        public IReadOnlyList<PackSample> Sample() => [];

        public (string BmsSerial, string PackSerial) SerialsOf(int pack) => options.SerialsOf(pack);
    }

    private static readonly Gen<PackSample> Pack =
        from cells in Gen.Int[2800, 3600].Array[16]
        from temps in Gen.Int[-100, 500].Array[6]
        from current in Gen.Int[-15000, 15000]
        from full in Gen.Int[5000, 30000]
        from remainingShare in Gen.Int[1, 100]
        from designExtra in Gen.Int[0, 3000]
        from cycles in Gen.Int[0, 6000]
        from balancing in Gen.Int[1, 16].Array[0, 3]
        from phase in Gen.Int[0, 2]
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
            BalancingCells = [.. balancing.Distinct().Order()],
            Charging = phase == 1,
            Discharging = phase == 2,
        };

    private static readonly Gen<PackSample[]> Stack =
        from packs in Pack.Array[1, 3]
        select packs.Select((p, i) => p with { Number = i + 1 }).ToArray();

    public static TheoryData<string> Families => [.. BmsDialects.All.OfType<ModbusDialect>().Select(d => d.Name)];

    private static ModbusDialect DialectOf(string family) => family switch
    {
        "eg4-ll" => new Eg4LlDialect(),
        "seplos-v3" => new SeplosV3Dialect(),
        _ => new PaceModbusDialect(),
    };

    private static IReadOnlyList<ModbusReply> Ask(ModbusDialect dialect, IEnumerable<ModbusRead> requests, PackSample[] stack, bool eg4Master = false) =>
    [
        .. requests.Select(request =>
        {
            byte[] reply = ModbusSlaves.Answer(dialect, request.ToBytes(), stack, Identity, eg4Master)
                ?? throw new InvalidOperationException($"no answer to {request}");
            Assert.Equal(new ModbusCut(0, reply.Length), ModbusFraming.CutReply(reply, request));
            return dialect.Validate(reply, request);
        }),
    ];

    [Theory]
    [MemberData(nameof(Families))]
    public void Every_pack_answers_at_its_address_and_decodes_to_what_was_encoded(string family)
    {
        var dialect = DialectOf(family);
        Stack.Sample(stack =>
        {
            var addresses = dialect.SimulatedSlaves(stack.Length, bankMaster: false);
            Assert.Equal(stack.Length, addresses.Count);
            for (int i = 0; i < stack.Length; i++)
            {
                var model = stack[i];
                byte slave = addresses[i];
                var analog = Assert.Single(dialect.DecodeAnalog(Ask(dialect, dialect.RequestsFor(CommandKind.Analog, slave), stack)).Packs);
                var alarm = Assert.Single(dialect.DecodeAlarm(Ask(dialect, dialect.RequestsFor(CommandKind.Alarm, slave), stack)).Packs);
                var identity = dialect.DecodeIdentity(Ask(dialect, dialect.RequestsFor(CommandKind.SoftwareVersion, slave), stack));
                AssertPack(family, model, analog, alarm, identity);
            }
        }, iter: 40);
    }

    private static void AssertPack(string family, PackSample model, AnalogPack analog, AlarmPack alarm, IdentityReading identity)
    {
        Assert.Equal(model.CellVoltagesVolts.ToArray(), analog.CellVoltagesVolts.ToArray());
        Assert.Equal(Math.Round(model.CellVoltagesVolts.Sum(v => Math.Round(v * 1000)) / 10, MidpointRounding.AwayFromZero) / 100, analog.VoltageVolts, 6);
        Assert.Equal(model.CurrentAmperes, analog.CurrentAmperes, 6);
        Assert.Equal(model.CycleCount, analog.CycleCount);
        Assert.Equal(model.BalancingCells.ToArray(), alarm.BalancingCells.ToArray());
        var status = alarm.ActiveFlags(FlagFamily.Status);
        Assert.Equal(model.Charging, status.Contains("charging"));
        Assert.Equal(model.Discharging, status.Contains("discharging"));
        var t = model.TemperaturesCelsius;
        switch (family)
        {
            case "eg4-ll":
                // Whole amp-hours and degrees; full capacity in mAs; cells 1-4 then two unfitted sensors then the PCB.
                Assert.Equal(Math.Round(model.RemainingAmpHours, MidpointRounding.AwayFromZero), analog.RemainingAmpHours);
                Assert.Equal(model.FullAmpHours, analog.FullAmpHours, 6);
                Assert.Equal(Math.Round(model.DesignAmpHours, 1, MidpointRounding.AwayFromZero), analog.DesignAmpHours!.Value, 6);
                Assert.Equal(t.Take(4).Select(c => Math.Round(c, MidpointRounding.AwayFromZero)).ToArray(), analog.TemperaturesCelsius.Take(4).ToArray());
                Assert.True(double.IsNaN(analog.TemperaturesCelsius[4]) && double.IsNaN(analog.TemperaturesCelsius[5]));
                Assert.Equal(Math.Round(t[4], MidpointRounding.AwayFromZero), analog.TemperaturesCelsius[6]);
                Assert.Equal(Math.Round(model.StateOfCharge * 100, MidpointRounding.AwayFromZero) / 100, analog.StateOfChargeRatio!.Value, 6);
                Assert.StartsWith("LFP-51.2V", identity.DeviceName, StringComparison.Ordinal);
                Assert.Equal("Z02T04", identity.SoftwareVersion);
                Assert.Equal(Options.SerialsOf(model.Number).BmsSerial, identity.BmsSerial);
                break;
            case "seplos-v3":
                // 0.1 K with the document's 2731.5: a tenth of a degree comes back within 0.05 C.
                Assert.Equal(model.RemainingAmpHours, analog.RemainingAmpHours, 6);
                Assert.Equal(model.FullAmpHours, analog.FullAmpHours, 6);
                Assert.Null(analog.DesignAmpHours);
                double[] expected = [t[0], t[1], t[2], t[3], double.NaN, double.NaN, double.NaN, double.NaN, t[5], t[4]];
                Assert.Equal(expected.Length, analog.TemperatureCount);
                for (int i = 0; i < expected.Length; i++)
                {
                    // -0.1 C is written 2731, the raw value of an unused cell-sensor slot (1-8): the map cannot tell it
                    // from no sensor. Ambient and power have no unused value.
                    bool unusedRaw = i < 8 && !double.IsNaN(expected[i]) && Math.Round(expected[i] * 10 + 2731.5, MidpointRounding.AwayFromZero) == 2731;
                    Assert.True(double.IsNaN(expected[i]) || unusedRaw ? double.IsNaN(analog.TemperaturesCelsius[i]) : Math.Abs(expected[i] - analog.TemperaturesCelsius[i]) <= 0.0501, $"sensor {i + 1}");
                }

                Assert.Equal(Math.Round(model.StateOfCharge * 1000, MidpointRounding.AwayFromZero) / 1000, analog.StateOfChargeRatio!.Value, 6);
                Assert.Equal(16, alarm.CellCount);
                Assert.Equal("XZH-ElecTech Co.,Ltd", identity.Manufacturer);
                Assert.Equal("15", identity.SoftwareVersion);
                Assert.Equal(Options.SerialsOf(model.Number), (identity.BmsSerial!, identity.PackSerial!));
                break;
            default:
                Assert.Equal(model.RemainingAmpHours, analog.RemainingAmpHours, 6);
                Assert.Equal(model.FullAmpHours, analog.FullAmpHours, 6);
                Assert.Equal(model.DesignAmpHours, analog.DesignAmpHours!.Value, 6);
                Assert.Equal(t.ToArray(), analog.TemperaturesCelsius.ToArray());
                Assert.Equal(Math.Round(model.StateOfCharge * 100, MidpointRounding.AwayFromZero) / 100, analog.StateOfChargeRatio!.Value, 6);
                Assert.Contains("charge_fet", status);
                Assert.Equal(Options.SoftwareVersion[..Math.Min(20, Options.SoftwareVersion.Length)], identity.SoftwareVersion);
                break;
        }
    }

    [Fact]
    public void An_eg4_bank_master_answers_the_summary_that_the_program_reads_as_the_stack()
    {
        var dialect = new Eg4LlDialect();

        // The summed current is one signed register of 0.01 A: a bank beyond +-327.67 A cannot be told.
        Stack.Where(stack => Math.Abs(stack.Sum(p => p.CurrentAmperes)) < 327).Sample(stack =>
        {
            var reading = dialect.DecodeAnalog(Ask(dialect, dialect.RequestsFor(CommandKind.Analog, 1), stack, eg4Master: true));
            Assert.Empty(reading.Packs);
            var summary = reading.Stack!;
            Assert.Equal(Math.Round(stack.Sum(p => p.CurrentAmperes), 2), summary.CurrentAmperes!.Value, 6);

            // The packs behind the master answer at 2..n+1; with their full capacities the bank's are unwrapped.
            var packs = Enumerable.Range(2, stack.Length)
                .Select(slave => Assert.Single(dialect.DecodeAnalog(Ask(dialect, dialect.RequestsFor(CommandKind.Analog, (byte)slave), stack, eg4Master: true)).Packs))
                .ToList();
            Assert.Equal(stack[^1].CellVoltagesVolts.ToArray(), packs[^1].CellVoltagesVolts.ToArray());
            var completed = dialect.CompleteStack(summary, packs);
            Assert.Equal(stack.Sum(p => p.FullAmpHours), completed.FullAmpHours!.Value, 6);
            Assert.Equal(stack.Sum(p => p.RemainingAmpHours), completed.RemainingAmpHours!.Value, 6);
        }, iter: 20);
    }

    [Fact]
    public void A_single_seplos_pack_at_address_0_also_answers_the_bank_blocks()
    {
        var dialect = new SeplosV3Dialect();
        Pack.Sample(pack =>
        {
            PackSample[] stack = [pack];
            var reading = dialect.Read(Ask(dialect, dialect.Blocks.Where(b => b.Stack).Select(b => b.ToRequest(0)), stack));
            var bank = reading.Stack!;
            Assert.Equal(1, bank.PackCount);
            Assert.Equal(Math.Round(pack.CurrentAmperes, 1, MidpointRounding.AwayFromZero), bank.CurrentAmperes!.Value, 6);
            Assert.Equal(pack.RemainingAmpHours, bank.RemainingAmpHours!.Value, 6);
            Assert.Equal(pack.DesignAmpHours, bank.DesignAmpHours!.Value, 6);
            Assert.Equal(pack.Discharging ? 1 : pack.Charging ? 2 : 0x10, bank.Status.Single(s => s.Name == "system_state").Value);
        }, iter: 40);
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void Nobody_answers_a_slave_that_is_not_on_the_bus_a_broadcast_or_a_damaged_frame_and_a_write_is_refused(string family)
    {
        var dialect = DialectOf(family);
        PackSample[] stack = [Pack.Single(), Pack.Single() with { Number = 2 }];
        var request = dialect.RequestsFor(CommandKind.Analog, 7).First();
        Assert.Null(ModbusSlaves.Answer(dialect, request.ToBytes(), stack, Identity));
        byte first = dialect.SimulatedSlaves(2, bankMaster: false)[0];
        byte[] damaged = dialect.RequestsFor(CommandKind.Analog, first).First().ToBytes();
        damaged[^1] ^= 0xFF;
        Assert.Null(ModbusSlaves.Answer(dialect, damaged, stack, Identity));
        byte[] write = ModbusCrc.Append([first, 0x06, 0x00, 0x39, 0x00, 0x14]);
        var refusal = ModbusSlaves.Answer(dialect, write, stack, Identity)!;
        Assert.Equal(new byte[] { first, 0x86, 0x01 }, refusal[..3]);

        // A read outside the document's blocks is exception 02, as the Seplos capture shows.
        var outside = new ModbusRead(first, (byte)dialect.Blocks[0].Function, 0x3000, 4);
        var failure = Assert.Throws<PaceProtocolException>(() => dialect.Validate(ModbusSlaves.Answer(dialect, outside.ToBytes(), stack, Identity), outside));
        Assert.Equal((FrameError.Rtn, (byte?)0x02), (failure.Error, failure.ReturnCode));
    }
}
