using System.Text;
using BmsPace.Protocol.Commands;
using BmsPace.Protocol.Framing;
using BmsPace.Simulator;
using BmsPace.Tests.Transport;
using Microsoft.Extensions.Time.Testing;

namespace BmsPace.Tests.Simulation;

public class SimulatedBmsTests
{
    private static readonly FakeTimeProvider Frozen = new(new DateTimeOffset(2026, 3, 14, 15, 9, 26, TimeSpan.Zero));

    private static RecordedBms Create(SimulatedBmsOptions? options = null) => new(options ?? new SimulatedBmsOptions(), Frozen);

    private static string Ask(ISimulatedDevice bms, CommandKind kind, byte address = 1, byte packByte = 0xFF)
    {
        var reply = bms.Respond(AsciiDialectCalls.PaceRequest(kind, 0x25, address, packByte));
        return Encoding.ASCII.GetString(reply.Bytes);
    }

    [Theory]
    [InlineData(1, 16, 6, 0)]
    [InlineData(3, 16, 6, 14)]
    [InlineData(2, 15, 4, 1)]
    [InlineData(16, 16, 6, 22)]
    [InlineData(2, 20, 0, 14)]
    public void An_all_packs_analog_reply_carries_exactly_what_it_records(int packs, int cells, int temps, int tail)
    {
        var bms = Create(new SimulatedBmsOptions { Packs = packs, Cells = cells, Temperatures = temps, TailBytes = tail, UserDefinedP = 9 });
        string frame = Ask(bms, CommandKind.Analog);

        EnvelopeCheck.AssertValid(frame);
        Assert.Equal(0x00, EnvelopeCheck.ReturnCode(frame));
        Assert.Equal("25", frame[1..3]);
        Assert.Equal("46", frame[5..7]);
        var info = new InfoReader(EnvelopeCheck.Info(frame));
        Assert.Equal(0, info.U8());
        Assert.Equal(packs, info.U8());
        for (int pack = 1; pack <= packs; pack++)
        {
            var sent = bms.LastSentAnalog(pack);
            Assert.NotNull(sent);
            Assert.Equal(pack, sent.Pack);
            AssertBlockMatches(info, sent, tail);
        }

        Assert.True(info.AtEnd);
        Assert.Equal(frame, bms.LastReply(0x42));

        // Independently of the reply: a battery model from the same options and seed (the clock is frozen, so the
        // simulator's own model has not moved) measures what the blocks carry, to the wire's resolution.
        var model = new BatteryModel(bms.Options).Sample();
        for (int pack = 1; pack <= packs; pack++)
        {
            var sent = bms.LastSentAnalog(pack)!;
            var measured = model[pack - 1];
            Assert.Equal(measured.CellVoltagesVolts.Length, sent.CellVoltagesVolts.Length);
            Assert.All(measured.CellVoltagesVolts.Zip(sent.CellVoltagesVolts), v => Assert.Equal(v.First, v.Second, 0.0005 + 1e-9));
            Assert.All(measured.TemperaturesCelsius.Zip(sent.TemperaturesCelsius), t => Assert.Equal(t.First, t.Second, 0.05 + 1e-9));
            Assert.Equal(measured.CurrentAmperes, sent.CurrentAmperes, 0.005 + 1e-9);
            Assert.Equal(measured.RemainingAmpHours, sent.RemainingAmpHours, 0.005 + 1e-9);
            Assert.Equal(measured.FullAmpHours, sent.FullAmpHours, 0.005 + 1e-9);
            Assert.Equal(measured.DesignAmpHours, sent.DesignAmpHours, 0.005 + 1e-9);
            Assert.Equal(measured.CycleCount, sent.CycleCount);
        }
    }

    [Fact]
    public void A_single_pack_request_echoes_the_pack_and_answers_with_one_block()
    {
        var bms = Create(new SimulatedBmsOptions { Packs = 3, TailBytes = 0 });
        string frame = Ask(bms, CommandKind.Analog, address: 2, packByte: 2);

        EnvelopeCheck.AssertValid(frame);
        Assert.Equal(2, EnvelopeCheck.Address(frame));
        var info = new InfoReader(EnvelopeCheck.Info(frame));
        Assert.Equal(0, info.U8());
        Assert.Equal(2, info.U8());
        AssertBlockMatches(info, bms.LastSentAnalog(2)!, 0);
        Assert.True(info.AtEnd);
        Assert.Null(bms.LastSentAnalog(1));
    }

    [Fact]
    public void A_pack_that_does_not_exist_does_not_answer()
    {
        var bms = Create(new SimulatedBmsOptions { Packs = 2 });
        Assert.Equal("", Ask(bms, CommandKind.Analog, address: 5, packByte: 5));
    }

    [Fact]
    public void The_alarm_reply_matches_what_it_records_and_the_cells_are_near_3_point_3_volts()
    {
        var bms = Create(new SimulatedBmsOptions { Packs = 2, Cells = 16, AlarmTailBytes = 1 });
        string analog = Ask(bms, CommandKind.Analog);
        string frame = Ask(bms, CommandKind.Alarm);
        EnvelopeCheck.AssertValid(analog);
        EnvelopeCheck.AssertValid(frame);

        var info = new InfoReader(EnvelopeCheck.Info(frame));
        Assert.Equal(0, info.U8());
        Assert.Equal(2, info.U8());
        for (int pack = 1; pack <= 2; pack++)
        {
            var sent = bms.LastSentAlarm(pack)!;
            Assert.Equal(16, info.U8());
            Assert.Equal(sent.CellWarnings, info.Bytes(16));
            Assert.Equal(6, info.U8());
            Assert.Equal(sent.TemperatureWarnings, info.Bytes(6));
            Assert.Equal(
                new[] { sent.ChargeCurrentWarning, sent.PackVoltageWarning, sent.DischargeCurrentWarning, sent.ProtectState1, sent.ProtectState2, sent.InstructionState, sent.ControlState, sent.FaultState, sent.BalanceState1, sent.BalanceState2, sent.WarnState1, sent.WarnState2 },
                info.Bytes(12));
            Assert.Equal("00", sent.TailHex);
            Assert.Equal(0, info.U8());

            // Both FETs on, as on every idle or working pack in the captures.
            Assert.Equal(0x06, sent.InstructionState & 0x06);
            Assert.All(bms.LastSentAnalog(pack)!.CellVoltagesVolts, v => Assert.InRange(v, 3.15, 3.45));
        }

        Assert.True(info.AtEnd);
    }

    [Fact]
    public void Values_evolve_and_charge_follows_the_current()
    {
        var clock = new FakeTimeProvider(Frozen.GetUtcNow());
        var bms = new RecordedBms(new SimulatedBmsOptions { Packs = 1, TimeScale = 60 }, clock);
        Ask(bms, CommandKind.Analog);
        var before = bms.LastSentAnalog(1)!;
        double remaining = before.RemainingAmpHours;
        bool sawCharge = false, sawDischarge = false, sawBalancing = false;
        for (int step = 0; step < 400; step++)
        {
            // Three seconds of clock at 60 times real time: three minutes of battery.
            clock.Advance(TimeSpan.FromSeconds(3));
            Ask(bms, CommandKind.Analog);
            Ask(bms, CommandKind.Alarm);
            var now = bms.LastSentAnalog(1)!;
            var alarm = bms.LastSentAlarm(1)!;
            if (now.CurrentAmperes > 1)
            {
                sawCharge = true;
                Assert.True(now.RemainingAmpHours >= remaining - 0.02, "charging must not lose charge");
            }
            else if (now.CurrentAmperes < -1)
            {
                sawDischarge = true;
                Assert.True(now.RemainingAmpHours <= remaining + 0.02, "discharging must not gain charge");
            }

            if (alarm.BalancingCells.Length > 0)
            {
                sawBalancing = true;
                Assert.True((alarm.InstructionState & 0x20) != 0, "balancing only while charging (instruction bit 5)");
                double max = now.CellVoltagesVolts.Max();
                Assert.All(alarm.BalancingCells, cell => Assert.True(now.CellVoltagesVolts[cell - 1] >= max - 0.0035, $"cell {cell} balances but is not among the highest"));
            }

            // The day stays between the inverter's reserve and the top of the charge: no low-capacity warning, no "fully charged".
            Assert.Equal(0, alarm.WarnState2 & 0x80);
            Assert.Equal(0, alarm.ProtectState2 & 0x80);
            Assert.InRange(now.StateOfChargeCalculatedRatio, 0.3, 0.96);
            Assert.Equal(now.CellVoltagesVolts.Sum(), now.VoltageVolts, 6);
            remaining = now.RemainingAmpHours;
        }

        Assert.True(sawCharge && sawDischarge, "a day of simulated time must see both charging and discharging");
        Assert.True(sawBalancing, "the highest cells must balance while charging near full");
    }

    [Fact]
    public void The_same_seed_gives_the_same_battery()
    {
        var options = new SimulatedBmsOptions { Seed = 42 };
        Assert.Equal(Ask(Create(options), CommandKind.Analog), Ask(Create(options), CommandKind.Analog));
        Assert.NotEqual(Ask(Create(options), CommandKind.Analog), Ask(Create(options with { Seed = 43 }), CommandKind.Analog));
    }

    [Fact]
    public void Identity_capacity_count_and_clock_replies_have_their_layouts()
    {
        var bms = Create(new SimulatedBmsOptions { Packs = 4 });
        string version = Ask(bms, CommandKind.SoftwareVersion);
        string serials = Ask(bms, CommandKind.SerialNumber);
        string count = Ask(bms, CommandKind.PackCount);
        Ask(bms, CommandKind.Analog);
        string capacity = Ask(bms, CommandKind.Capacity);
        string clock = Ask(bms, CommandKind.DateTime);
        foreach (var frame in new[] { version, serials, count, capacity, clock })
        {
            EnvelopeCheck.AssertValid(frame);
            Assert.Equal(0, EnvelopeCheck.ReturnCode(frame));
        }

        Assert.Equal("P16S100A-SIM01-1.00 ", Encoding.ASCII.GetString(EnvelopeCheck.Info(version)));
        var serialText = Encoding.ASCII.GetString(EnvelopeCheck.Info(serials));
        Assert.Equal(40, serialText.Length);
        Assert.Equal("SIMBMS0000000001", serialText[..20].TrimEnd());
        Assert.Equal("SIMPACK000000000001", serialText[20..].TrimEnd());
        Assert.Equal(new byte[] { 4 }, EnvelopeCheck.Info(count));

        var cap = new InfoReader(EnvelopeCheck.Info(capacity));
        var pack1 = bms.LastSentAnalog(1)!;
        Assert.Equal(pack1.RemainingAmpHours, cap.U16() / 100.0);
        Assert.Equal(pack1.FullAmpHours, cap.U16() / 100.0);
        Assert.Equal(pack1.DesignAmpHours, cap.U16() / 100.0);

        var local = Frozen.GetLocalNow().DateTime;
        var expected = new byte[] { (byte)(local.Year - 2000), (byte)local.Month, (byte)local.Day, (byte)local.Hour, (byte)local.Minute, (byte)local.Second };
        Assert.Equal(expected, EnvelopeCheck.Info(clock));
        Assert.Equal(new DateTime(local.Year, local.Month, local.Day, local.Hour, local.Minute, local.Second), bms.LastSentDateTime);
    }

    [Fact]
    public void An_unknown_command_gets_RTN_04_and_bad_checksums_get_RTN_02_and_03()
    {
        var bms = Create();
        string unknown = Encoding.ASCII.GetString(bms.Respond(RequestBuilder.Build(0x25, 1, 0x46, 0x4F, [])).Bytes);
        EnvelopeCheck.AssertValid(unknown);
        Assert.Equal(0x04, EnvelopeCheck.ReturnCode(unknown));

        // A never-send code, framed by hand since the request builder refuses it.
        string shutdown = FrameEncoder.EncodeResponse(0x25, 1, 0x46, 0x9C, []);
        Assert.Equal(0x04, EnvelopeCheck.ReturnCode(Encoding.ASCII.GetString(bms.Respond(shutdown).Bytes)));

        string badChecksum = "~25014642E00201FD31\r";
        string reply02 = Encoding.ASCII.GetString(bms.Respond(badChecksum).Bytes);
        EnvelopeCheck.AssertValid(reply02);
        Assert.Equal(0x02, EnvelopeCheck.ReturnCode(reply02));

        string badLength = "~25014642F00201FD30\r";
        string reply03 = Encoding.ASCII.GetString(bms.Respond(badLength).Bytes);
        EnvelopeCheck.AssertValid(reply03);
        Assert.Equal(0x03, EnvelopeCheck.ReturnCode(reply03));

        Assert.Empty(bms.Respond("~ZZ not a frame\r").Bytes);
        Assert.Equal(new byte[] { 0x4F, 0x9C, 0x42, 0x42 }, bms.ReceivedCid2s);
        Assert.Equal(5, bms.RequestCount);
    }

    [Theory]
    [InlineData(0x20, 0x46)]
    [InlineData(0x20, 0x4A)]
    [InlineData(0x25, 0x4A)]
    public void A_PACE_BMS_is_silent_to_another_dialects_frames(byte version, byte cid1)
    {
        var bms = Create();
        Assert.Empty(bms.Respond(RequestBuilder.Build(version, 1, cid1, 0x42, [0xFF])).Bytes);
        Assert.Empty(bms.Respond(RequestBuilder.Build(version, 1, cid1, 0x42, [])).Bytes);

        // Not even a damaged one of theirs gets an RTN.
        string foreign = RequestBuilder.Build(version, 1, cid1, 0x42, [0xFF]);
        string badChecksum = string.Concat(foreign.AsSpan(0, foreign.Length - 2), foreign[^2] == '0' ? "1" : "0", "\r");
        Assert.Empty(bms.Respond(badChecksum).Bytes);
        EnvelopeCheck.AssertValid(Ask(bms, CommandKind.Analog));
    }

    [Theory]
    [InlineData("pace", 0x25, 0x46)]
    [InlineData("eg4", 0x20, 0x4A)]
    [InlineData("seplos", 0x20, 0x46)]
    [InlineData("pylontech", 0x20, 0x46)]
    public void Each_dialect_answers_its_own_frames_only_with_its_own_header(string name, byte version, byte cid1)
    {
        Assert.True(BmsDialects.TryFind(name, out var dialect));
        var bms = new SimulatedBms(new SimulatedBmsOptions { Dialect = dialect, Packs = 2 }, Frozen);
        foreach (var other in BmsDialects.All.Where(d => d.DefaultVersion != version || d.Cid1 != cid1))
        {
            Assert.Empty(bms.Respond(RequestBuilder.Build(other.DefaultVersion, 1, other.Cid1, 0x42, [0x01])).Bytes);
            Assert.Empty(bms.Respond(RequestBuilder.Build(other.DefaultVersion, 1, other.Cid1, 0x44, [])).Bytes);
        }

        // EG4 requests carry no INFO; the others name the pack (or group) in one byte.
        byte[] command = name == "eg4" ? [] : name == "pace" ? [0xFF] : [0x02];
        foreach (byte cid2 in new byte[] { 0x42, 0x44 })
        {
            string frame = Encoding.ASCII.GetString(bms.Respond(RequestBuilder.Build(version, 2, cid1, cid2, command)).Bytes);
            EnvelopeCheck.AssertValid(frame);
            Assert.Equal(0, EnvelopeCheck.ReturnCode(frame));
            Assert.Equal(version, Convert.ToByte(frame[1..3], 16));
            Assert.Equal(cid1, Convert.ToByte(frame[5..7], 16));
            Assert.Equal(2, EnvelopeCheck.Address(frame));
            var info = EnvelopeCheck.Info(frame);
            Assert.Equal(16, info[2]);

            // Temperature count: EG4 says 4 and sends 6 (PROTOCOL.md 13.1); the rest say what they send.
            Assert.Equal(name == "eg4" ? 4 : 6, info[3 + (cid2 == 0x42 ? 32 : 16)]);
        }

        // A pack that does not exist behind this address stays silent.
        Assert.Empty(bms.Respond(RequestBuilder.Build(version, 5, cid1, 0x42, name == "eg4" ? [] : [0x05])).Bytes);
    }

    [Theory]
    [InlineData("eg4", new byte[] { 0x42, 0x44, 0x51, 0x4D })]
    [InlineData("seplos", new byte[] { 0x42, 0x44, 0x4F, 0x51 })]
    [InlineData("pylontech", new byte[] { 0x42, 0x44, 0x4F, 0x51, 0x93 })]
    public void TheFamily20DialectsAnswerTheirReadCommandsAndRefuseOthers(string name, byte[] answered)
    {
        Assert.True(BmsDialects.TryFind(name, out var dialect));
        var bms = new SimulatedBms(new SimulatedBmsOptions { Dialect = dialect, Packs = 1 }, Frozen);
        foreach (byte cid2 in answered)
        {
            byte[] info = name == "eg4" || cid2 is 0x4F or 0x51 ? [] : [0x01];
            string frame = Encoding.ASCII.GetString(bms.Respond(RequestBuilder.Build(dialect.DefaultVersion, 1, dialect.Cid1, cid2, info)).Bytes);
            EnvelopeCheck.AssertValid(frame);
            Assert.Equal(0, EnvelopeCheck.ReturnCode(frame));
        }

        string unknown = Encoding.ASCII.GetString(bms.Respond(RequestBuilder.Build(dialect.DefaultVersion, 1, dialect.Cid1, 0x47, [])).Bytes);
        Assert.Equal(0x04, EnvelopeCheck.ReturnCode(unknown));
    }

    [Fact]
    public void An_EG4_pack_without_six_sensors_is_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => new SimulatedBms(new SimulatedBmsOptions { Dialect = KnownDialects.Eg4, Temperatures = 4 }));
        Assert.Contains("temps=4", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_kth_faults_fire_on_their_turn_and_stop_when_cleared()
    {
        var bms = Create();
        bms.SetFault(SimulatorFault.Parse("badchk:2"));
        var results = Enumerable.Range(0, 6).Select(_ => EnvelopeCheck.Problem(Ask(bms, CommandKind.PackCount))).ToArray();
        Assert.Equal(new string?[] { null, "checksum", null, "checksum", null, "checksum" }, results);
        Assert.Single(bms.ActiveFaults);

        bms.ClearFault(SimulatorFaultKind.BadChecksum);
        Assert.Empty(bms.ActiveFaults);
        Assert.All(Enumerable.Range(0, 4), _ => EnvelopeCheck.AssertValid(Ask(bms, CommandKind.PackCount)));
    }

    [Fact]
    public void Each_fault_shapes_the_reply_as_named()
    {
        var bms = Create();
        string good = Ask(bms, CommandKind.SoftwareVersion);
        string request = AsciiDialectCalls.PaceRequest(CommandKind.SoftwareVersion, 0x25, 1);

        SimulatorReply With(string fault)
        {
            bms.ClearFaults();
            bms.SetFault(SimulatorFault.Parse(fault));
            return bms.Respond(request);
        }

        string Text(SimulatorReply reply) => Encoding.Latin1.GetString(reply.Bytes);

        var garbage = With("garbage:25");
        Assert.Equal(good.Length + 25, garbage.Bytes.Length);
        Assert.DoesNotContain((byte)'~', garbage.Bytes[..25]);
        Assert.EndsWith(good, Text(garbage));

        Assert.Equal("length_checksum", EnvelopeCheck.Problem(Text(With("badlen:1"))));
        Assert.Equal("checksum", EnvelopeCheck.Problem(Text(With("badchk"))));

        var truncated = Text(With("truncate:1"));
        Assert.StartsWith(truncated, good);
        Assert.DoesNotContain('\r', truncated);

        Assert.Empty(With("silent:1").Bytes);
        Assert.Equal(request + good, Text(With("echo")));
        var dropped = With("drop:1");
        Assert.True(dropped.CloseAfter);
        Assert.True(dropped.Bytes.Length < good.Length);

        string rtn = Text(With("rtn:1"));
        EnvelopeCheck.AssertValid(rtn);
        Assert.Equal(0x09, EnvelopeCheck.ReturnCode(rtn));

        Assert.Equal(TimeSpan.FromMilliseconds(7), With("slow:7").PerByteDelay);
        Assert.True(With("split").Split);

        string wrong = Text(With("wrongaddr:1"));
        EnvelopeCheck.AssertValid(wrong);
        Assert.Equal(2, EnvelopeCheck.Address(wrong));

        bms.ClearFaults();
        Assert.Equal(good, Ask(bms, CommandKind.SoftwareVersion));
    }

    [Theory]
    [InlineData("garbage:12", SimulatorFaultKind.Garbage, 12)]
    [InlineData("badchk:3", SimulatorFaultKind.BadChecksum, 3)]
    [InlineData("badlen", SimulatorFaultKind.BadLength, 1)]
    [InlineData("truncate:2", SimulatorFaultKind.Truncate, 2)]
    [InlineData("silent:5", SimulatorFaultKind.Silent, 5)]
    [InlineData("echo", SimulatorFaultKind.Echo, 1)]
    [InlineData("drop:4", SimulatorFaultKind.Drop, 4)]
    [InlineData("rtn:2", SimulatorFaultKind.Rtn, 2)]
    [InlineData("slow:15", SimulatorFaultKind.Slow, 15)]
    [InlineData("split", SimulatorFaultKind.Split, 1)]
    [InlineData("wrongaddr:3", SimulatorFaultKind.WrongAddress, 3)]
    public void Fault_names_parse_and_print_back(string text, SimulatorFaultKind kind, int argument)
    {
        var fault = SimulatorFault.Parse(text);
        Assert.Equal(kind, fault.Kind);
        Assert.Equal(argument, fault.Argument);
        Assert.Equal(fault, SimulatorFault.Parse(fault.ToString()));
    }

    [Theory]
    [InlineData("bogus")]
    [InlineData("echo:2")]
    [InlineData("badchk:0")]
    [InlineData("silent:x")]
    public void Bad_faults_are_refused_with_a_reason(string text)
    {
        Assert.False(SimulatorFault.TryParse(text, out _, out string? error));
        Assert.False(string.IsNullOrWhiteSpace(error));
    }

    [Fact]
    public void Invalid_options_are_refused_naming_every_problem()
    {
        var error = Assert.Throws<ArgumentException>(() => new RecordedBms(new SimulatedBmsOptions { Packs = 0, TailBytes = 5 }));
        Assert.Contains("packs=0", error.Message, StringComparison.Ordinal);
        Assert.Contains("tail=5", error.Message, StringComparison.Ordinal);
    }

    private static void AssertBlockMatches(InfoReader info, SentAnalogPack sent, int tail)
    {
        int cells = info.U8();
        Assert.Equal(sent.CellVoltagesVolts.Length, cells);
        for (int i = 0; i < cells; i++)
        {
            Assert.Equal(sent.CellVoltagesVolts[i], info.U16() / 1000.0);
        }

        int temps = info.U8();
        Assert.Equal(sent.TemperaturesCelsius.Length, temps);
        for (int i = 0; i < temps; i++)
        {
            Assert.Equal(sent.TemperaturesCelsius[i], (info.U16() - 2730) / 10.0);
        }

        Assert.Equal(sent.CurrentAmperes, (short)info.U16() / 100.0);
        Assert.Equal(sent.VoltageVolts, info.U16() / 1000.0);
        Assert.Equal(sent.RemainingAmpHours, info.U16() / 100.0);
        Assert.Equal(sent.UserDefinedP, info.U8());
        Assert.Equal(sent.FullAmpHours, info.U16() / 100.0);
        Assert.Equal(sent.CycleCount, info.U16());
        Assert.Equal(sent.DesignAmpHours, info.U16() / 100.0);
        var tailBytes = info.Bytes(tail);
        Assert.Equal(sent.TailHex, Convert.ToHexString(tailBytes));
        if (tail >= 1)
        {
            Assert.Equal(sent.TailStateOfChargeRatio, tailBytes[0] / 100.0);
            Assert.Equal(Math.Round(sent.StateOfChargeCalculatedRatio * 100, MidpointRounding.AwayFromZero), tailBytes[0]);
        }

        if (tail >= 14)
        {
            Assert.Equal(sent.TailStateOfHealthRatio, tailBytes[9] / 100.0);
        }
    }

    private sealed class InfoReader(byte[] info)
    {
        private int _position;

        public bool AtEnd => _position == info.Length;

        public int U8() => info[_position++];

        public int U16() => (U8() << 8) | U8();

        public byte[] Bytes(int count)
        {
            var slice = info[_position..(_position + count)];
            _position += count;
            return slice;
        }
    }
}
