using static BmsPace.Protocol.Readings.FlagBits;

namespace BmsPace.Protocol.Dialects.Eg4Ll;

/// <summary>
/// EG4 LL, LL-S, LL v2, Lifepower4 v2 and WallMount packs on Modbus RTU (EG4-LL Modbus protocol V01.06; MODBUS.md
/// section 2): holding registers read with 0x03, one slave per pack. On LL v2 / WallMount firmware the pack at unit 1
/// is the bank master: its registers 0-18 read zero and 19-38 hold the bank summary, which is read as the stack's
/// values, never as a pack of 0 V.
/// </summary>
public sealed class Eg4LlDialect() : HoldingRegisterDialect(
    LiveCount,
    new(105, 12, (pack, model) => pack.DeviceName = model),
    new(117, 3, (pack, firmware) => pack.SoftwareVersion = firmware),
    new(120, 8, (pack, serial) => pack.BmsSerial = serial))
{
    /// <summary>The live block: registers 0-38.</summary>
    private const int LiveCount = 39;

    /// <summary>Where an auto-ID pack without DIP switches answers (0x40).</summary>
    private const int AutoIdAddress = 64;

    /// <summary>Registers 0-18 of a master all read zero (MODBUS.md section 2, master map).</summary>
    private const int MasterZeroRegisters = 19;

    /// <summary>The bank capacities wrap at 65536 x 0.01 Ah.</summary>
    internal const double BankWrapAmpHours = 655.36;

    private const string WrappedRemaining = "remaining_amp_hours_wrapped";
    private const string WrappedFull = "full_amp_hours_wrapped";

    public override string Name => "eg4-ll";

    public override string Manufacturer => "EG4 Electronics";

    public override string SoldAs => "EG4 LL, LL-S, LL v2 and WallMount (Modbus RTU)";

    public override ImmutableArray<FlagDefinition> Flags { get; } = BuildFlags();

    protected override void MapHoldingRegisters(ModbusReply reply, ModbusValues pack, ref ModbusValues? stack)
    {
        bool holdsLive = reply.Holds(ModbusFunction.ReadHoldingRegisters, 0, MasterZeroRegisters);
        if (holdsLive && reply.AllZero(0, MasterZeroRegisters))
        {
            stack ??= new ModbusValues();
            MapMaster(reply, stack);
        }
        else
        {
            MapPack(reply, pack);
        }
    }

    private static void MapPack(ModbusReply reply, ModbusValues pack)
    {
        bool Has(int start, int count = 1) => reply.Holds(ModbusFunction.ReadHoldingRegisters, start, count);

        if (Has(0)) pack.VoltageVolts = reply.Word(0) / 100.0;
        if (Has(1)) pack.CurrentAmperes = reply.SignedWord(1) / 100.0;
        int cellCount = Has(36) && reply.Word(36) is >= 1 and <= 16 and var declared ? declared : 16;
        if (Has(2, cellCount)) pack.CellVoltagesVolts = [.. Enumerable.Range(2, cellCount).Select(r => reply.Word(r) / 1000.0)];
        if (Has(33, 3) && Has(18))
        {
            // Six sensor bytes, high byte first, signed (MODBUS.md quirk c); 5 and 6 read 0 where no sensor is
            // fitted, so 0 there is no reading. The PCB (MOSFET board) sensor of register 18 comes last.
            var sensors = Enumerable.Range(0, 6).Select(i =>
            {
                sbyte raw = unchecked((sbyte)(i % 2 == 0 ? reply.Word(33 + i / 2) >> 8 : reply.Word(33 + i / 2)));
                return i >= 4 && raw == 0 ? double.NaN : raw;
            });
            pack.TemperaturesCelsius = [.. sensors, reply.SignedWord(18)];
            pack.TemperatureRoles = [.. Enumerable.Repeat(TemperatureRole.Cell, 4), TemperatureRole.Unknown, TemperatureRole.Unknown, TemperatureRole.Mosfet];
        }

        if (Has(21)) pack.RemainingAmpHours = reply.Word(21);
        if (Has(22)) pack.Add("max_charge_current_amperes", reply.Word(22));

        // Registers 19 and 20: the document says average and maximum, others the reverse, and a real frame fits
        // neither reading cleanly (MODBUS.md quirk b): kept under their register numbers.
        if (Has(19)) pack.Add("register_19_temperature_celsius", reply.SignedWord(19));
        if (Has(20)) pack.Add("register_20_temperature_celsius", reply.SignedWord(20));
        if (Has(23)) pack.StateOfHealthRatio = reply.Word(23) / 100.0;
        if (Has(24)) pack.StateOfChargeRatio = reply.Word(24) / 100.0;
        if (Has(25)) pack.AddStatus("status", reply.Word(25));
        if (Has(26)) pack.AddStatus("warning", reply.Word(26));
        if (Has(27)) pack.AddStatus("protection", reply.Word(27));
        if (Has(28)) pack.AddStatus("error", reply.Word(28));
        if (Has(29, 2)) pack.CycleCount = checked((int)reply.HighWordFirst(29));
        if (Has(31, 2)) pack.FullAmpHours = reply.HighWordFirst(31) / 3_600_000.0;
        if (Has(36)) pack.Add("declared_cell_count", reply.Word(36));
        if (Has(37)) pack.DesignAmpHours = reply.Word(37) / 10.0;
        if (Has(38))
        {
            pack.AddStatus("balance", reply.Word(38));
            pack.BalancingCells = AlarmPack.CellsOfBits(reply.Word(38), pack.CellVoltagesVolts?.Length ?? 16);
        }
    }

    /// <summary>The bank master's map (MODBUS.md section 2 after pylxpweb's firmware study).</summary>
    private static void MapMaster(ModbusReply reply, ModbusValues stack)
    {
        bool Has(int start) => reply.Holds(ModbusFunction.ReadHoldingRegisters, start, 1);

        if (Has(19)) stack.AddStatus("status", reply.Word(19));
        if (Has(20)) stack.AddStatus("protection", reply.Word(20));
        if (Has(21)) stack.StateOfChargeRatio = reply.Word(21) / 100.0;
        if (Has(22)) stack.VoltageVolts = reply.Word(22) / 100.0;
        if (Has(23)) stack.CurrentAmperes = reply.SignedWord(23) / 100.0;
        if (Has(24)) stack.Add("max_temperature_celsius", reply.SignedWord(24));
        // Wrapped at 655.36 Ah: published as read, and as capacities only once unwrapped (UnwrapBank).
        if (Has(26)) stack.Add(WrappedRemaining, reply.Word(26) / 100.0);
        if (Has(27)) stack.Add(WrappedFull, reply.Word(27) / 100.0);
        if (Has(30)) stack.Add("max_cycle_count", reply.Word(30));
        if (Has(34)) stack.AddStatus("warning", reply.Word(34));
        if (Has(37)) stack.Add("max_cell_voltage_volts", reply.Word(37) / 1000.0);
        if (Has(38)) stack.Add("min_cell_voltage_volts", reply.Word(38) / 1000.0);
    }

    /// <summary>
    /// The master's bank remaining and full capacities wrap at 655.36 Ah (MODBUS.md section 2), and the bank SOC
    /// beside them cannot tell the wrap count (498 / 840 Ah and 2464.08 / 4116.80 Ah are both 59 %). With an estimate
    /// of the bank's full capacity (the sum of the packs' own full capacities, read from the slaves in the same cycle)
    /// the wrap counts are found and checked against the SOC: the capacities are set only when the pair fits it within
    /// one percent point. Without packs, or when nothing fits, they stay unset: a wrong capacity is worse than none.
    /// </summary>
    public override StackReading CompleteStack(StackReading stack, IReadOnlyList<AnalogPack> packs)
    {
        ArgumentNullException.ThrowIfNull(stack);
        ArgumentNullException.ThrowIfNull(packs);
        double estimate = packs.Where(p => !p.Offline).Sum(p => p.FullAmpHours);
        return UnwrapBank(Value(stack.DialectValues, WrappedRemaining), Value(stack.DialectValues, WrappedFull), stack.StateOfChargeRatio, estimate) is var (remaining, full)
            ? stack with { RemainingAmpHours = remaining, FullAmpHours = full }
            : stack;
    }

    internal static (double Remaining, double Full)? UnwrapBank(double? remaining, double? full, double? stateOfCharge, double fullEstimate)
    {
        if (remaining is not { } r || full is not { } f || stateOfCharge is not { } soc || fullEstimate <= 0)
        {
            return null;
        }

        double unwrappedFull = f + Math.Round((fullEstimate - f) / BankWrapAmpHours) * BankWrapAmpHours;
        double unwrappedRemaining = r + Math.Max(0, Math.Round((soc * unwrappedFull - r) / BankWrapAmpHours)) * BankWrapAmpHours;
        return unwrappedFull > 0 && unwrappedRemaining <= unwrappedFull && Math.Abs(unwrappedRemaining / unwrappedFull - soc) <= 0.01
            ? (Math.Round(unwrappedRemaining, 2), Math.Round(unwrappedFull, 2))
            : null;
    }

    private static double? Value(IEnumerable<DialectValue> values, string name) =>
        values.Where(v => v.Name == name).Select(v => (double?)v.Value).FirstOrDefault();

    /// <summary>MODBUS.md section 4: a cell count EG4 builds, and cells that add up to the pack voltage.</summary>
    protected override string? Implausibility(ModbusValues values)
    {
        var cellCount = Value(values.DialectValues, "declared_cell_count");
        if (cellCount is not (null or 4 or 8 or 15 or 16))
        {
            return $"register 36 (cell count) reads {cellCount}; EG4 packs have 4, 8, 15 or 16 cells";
        }

        return CellSumImplausibility(values);
    }

    private static ImmutableArray<FlagDefinition> BuildFlags()
    {
        (int, string)[] alarms =
        [
            (0, "pack_overvoltage"), (1, "cell_overvoltage"), (2, "pack_undervoltage"), (3, "cell_undervoltage"),
            (4, "charge_overcurrent"), (5, "discharge_overcurrent"), (6, "environment_temperature_abnormal"),
            (7, "mosfet_overtemperature"), (8, "charge_overtemperature"), (9, "discharge_overtemperature"),
            (10, "charge_undertemperature"), (11, "discharge_undertemperature"), (12, "low_capacity"),
        ];
        return
        [
            .. Numbered(FlagFamily.Warning, "warning", [.. alarms, (13, "float_stopped")]),
            .. Numbered(FlagFamily.Protection, "protection", [.. alarms, (13, "short_circuit")]),
            .. Numbered(FlagFamily.Fault, "error", (0, "voltage_error"), (1, "temperature_error"), (2, "current_error"), (4, "cell_imbalance")),
            .. Numbered(FlagFamily.Status, "status", (0, "charging"), (1, "discharging"), (2, "protecting"), (3, "current_limit"), (15, "heater_or_active")),
        ];
    }

    public override bool HasBankMaster => true;

    /// <summary>With a bank master, unit 1 answers the bank summary and the packs follow from 2.</summary>
    public override IReadOnlyList<byte> SimulatedSlaves(int packs, bool bankMaster) => base.SimulatedSlaves(bankMaster ? packs + 1 : packs, bankMaster);

    public override RegisterImage SimulatedImage(byte slave, int position, IReadOnlyList<PackSample> stack, ISimulatedBattery options, bool bankMaster) =>
        !bankMaster ? Eg4LlReplyEncoder.Pack(stack[position], options)
        : position == 0 ? Eg4LlReplyEncoder.Master(stack)
        : Eg4LlReplyEncoder.Pack(stack[position - 1], options);

    /// <summary>
    /// DIP addresses 1-15, and 64 where auto-ID packs (Lifepower4 v2 from 2025) without DIP switches sit (MODBUS.md
    /// section 2: one user report and EG4's guide, no captured frame yet).
    /// </summary>
    public override PackAddressing Addressing { get; } = PackAddressing.EachPackAtItsAddress with { SelfAssignedAddresses = [AutoIdAddress] };
}
