namespace BmsPace.Protocol.Modbus;

/// <summary>
/// One read a family makes: which command kind it serves, with which function, from where and how many.
/// <see cref="Stack"/> reads describe the whole stack (Seplos V3's bank blocks at the master's address).
/// </summary>
public sealed record ModbusBlock(CommandKind Kind, ModbusFunction Function, int Start, int Count, bool Stack = false)
{
    public ModbusRead ToRequest(byte slave) => new(slave, (byte)Function, Start, Count);
}

/// <summary>
/// What every Modbus RTU family (MODBUS.md) does the same way: its reads are a fixed list of blocks (nothing else
/// can be built), a reply is validated by <see cref="ModbusFraming"/>, and its registers are read by the family's
/// register map into <see cref="ModbusValues"/>, which become the shared readings. A family supplies its blocks,
/// its map, its flag table and its sanity rule.
/// </summary>
public abstract partial class ModbusDialect
{
    /// <summary>The <c>protocol</c> name of CLI.md and the config (<c>eg4-ll</c>, <c>seplos-v3</c>, <c>pace-modbus</c>).</summary>
    public abstract string Name { get; }

    public abstract string Manufacturer { get; }

    public abstract string SoldAs { get; }

    /// <summary>The line speed the family's documents give.</summary>
    public abstract int DefaultBaudRate { get; }

    /// <summary>The named bits of the family's status words and coil bytes (docs/METRICS.md, a table per family).</summary>
    public abstract ImmutableArray<FlagDefinition> Flags { get; }

    /// <summary>Every read the family makes, in the order a poller asks them; nothing else can be built.</summary>
    public abstract ImmutableArray<ModbusBlock> Blocks { get; }

    /// <summary>The reads of one command kind for the pack at <paramref name="slave"/> (empty when the family has none).</summary>
    public ImmutableArray<ModbusRead> RequestsFor(CommandKind kind, byte slave) =>
        [.. Blocks.Where(b => b.Kind == kind && !b.Stack).Select(b => b.ToRequest(slave))];

    /// <summary>The reads that describe the whole stack (<see cref="ModbusBlock.Stack"/>), asked of <paramref name="slave"/>; empty when the family has none.</summary>
    public ImmutableArray<ModbusRead> StackRequests(byte slave) => [.. Blocks.Where(b => b.Stack).Select(b => b.ToRequest(slave))];

    /// <summary>The command kinds the family answers, in the order a poller would ask them.</summary>
    public ImmutableArray<CommandKind> Commands => [.. Blocks.Where(b => !b.Stack).Select(b => b.Kind).Distinct()];

    /// <summary>Checks a reply against its request (<see cref="ModbusFraming.Validate"/>).</summary>
    /// <exception cref="PaceProtocolException">The first check that fails.</exception>
    public ModbusReply Validate(ReadOnlySpan<byte> frame, ModbusRead request) => ModbusFraming.Validate(frame, request);

    /// <summary>Every field the replies hold, by the family's register map.</summary>
    public ModbusReading Read(IEnumerable<ModbusReply> replies)
    {
        ArgumentNullException.ThrowIfNull(replies);
        var pack = new ModbusValues();
        ModbusValues? stack = null;
        foreach (var reply in replies)
        {
            Map(reply, pack, ref stack);
        }

        return new ModbusReading(pack, stack);
    }

    /// <summary>Reads the registers of <paramref name="reply"/> this family knows into the pack's or the stack's values.</summary>
    /// <exception cref="PaceProtocolException"><see cref="FrameError.Decode"/> when the registers cannot be this family's map.</exception>
    protected abstract void Map(ModbusReply reply, ModbusValues pack, ref ModbusValues? stack);

    /// <summary>
    /// The analog reading of the pack at the slave asked, from the replies of <see cref="CommandKind.Analog"/>; a bank
    /// master's replies (an EG4 master's bank registers) give no pack and the stack's values in <see cref="AnalogReading.Stack"/>.
    /// </summary>
    /// <exception cref="PaceProtocolException">
    /// <see cref="FrameError.Decode"/> when a field a pack needs is missing or the values fail the family's sanity rule.
    /// </exception>
    public AnalogReading DecodeAnalog(IReadOnlyList<ModbusReply> replies)
    {
        var reading = Read(replies);
        if (!reading.Pack.HasAnalog && reading.Stack is { } stack)
        {
            return new AnalogReading(0, []) { Protocol = Name, Stack = ToStackReading(stack) };
        }

        var pack = ToAnalogPack(reading.Pack, PackNumber(replies));
        return new AnalogReading(1, [Plausibility.Check(pack)]) { Protocol = Name };
    }

    /// <summary>The alarm reading of the pack at the slave asked.</summary>
    /// <exception cref="PaceProtocolException"><see cref="FrameError.Decode"/> when the replies hold no status.</exception>
    public AlarmReading DecodeAlarm(IReadOnlyList<ModbusReply> replies)
    {
        var reading = Read(replies);
        var values = reading.Pack;
        if (!values.HasStatus && !values.HasAnalog && reading.Stack is not null)
        {
            // A bank master's status words are the stack's (read with its summary), not a pack's alarms.
            return new AlarmReading(0, []) { Protocol = Name };
        }

        if (!values.HasStatus)
        {
            throw new PaceProtocolException(FrameError.Decode, $"the replies hold none of the {Name} status registers");
        }

        var pack = new AlarmPack
        {
            Pack = PackNumber(replies),
            CellWarnings = values.CellWarnings ?? [],
            TemperatureWarnings = values.TemperatureWarnings ?? [],
            TailHex = "",
            Status = [.. values.Status],
            FlagDefinitions = Flags,
            BalancingCells = values.BalancingCells ?? [],
        };
        return new AlarmReading(1, [pack]) { Protocol = Name };
    }

    /// <summary>The stack's values as the shared reading: the same names as a pack's, the status words raw.</summary>
    public static StackReading ToStackReading(ModbusValues stack)
    {
        ArgumentNullException.ThrowIfNull(stack);
        return new StackReading
        {
            VoltageVolts = stack.VoltageVolts,
            CurrentAmperes = stack.CurrentAmperes,
            StateOfChargeRatio = stack.StateOfChargeRatio,
            StateOfHealthRatio = stack.StateOfHealthRatio,
            RemainingAmpHours = stack.RemainingAmpHours,
            FullAmpHours = stack.FullAmpHours,
            DesignAmpHours = stack.DesignAmpHours,
            CycleCount = stack.CycleCount,
            PackCount = stack.PackCount,
            DialectValues = [.. stack.DialectValues],
            Status = [.. stack.Status],
        };
    }

    /// <summary>Versions and serials, from the replies of <see cref="CommandKind.SoftwareVersion"/>.</summary>
    public IdentityReading DecodeIdentity(IReadOnlyList<ModbusReply> replies)
    {
        var values = Read(replies).Pack;
        return new IdentityReading
        {
            SoftwareVersion = values.SoftwareVersion,
            BmsSerial = values.BmsSerial,
            PackSerial = values.PackSerial,
            DeviceName = values.DeviceName,
            Manufacturer = values.Manufacturer,
        };
    }

    /// <summary>The family's sanity rule (MODBUS.md section 4): whether analog values can be this family's map at all.</summary>
    /// <returns>null when plausible, else why not.</returns>
    protected abstract string? Implausibility(ModbusValues values);

    /// <summary>
    /// Why <paramref name="values"/> cannot be this family's map (a board set to another map answers the same
    /// function), or null when they can or hold too little to tell (no cells and pack voltage).
    /// </summary>
    public string? WhyNotOurs(ModbusValues values)
    {
        ArgumentNullException.ThrowIfNull(values);
        return values.CellVoltagesVolts is null || values.VoltageVolts is null ? null : Implausibility(values);
    }

    /// <summary>Whether one of the family's blocks covers <paramref name="request"/> (the read could be this family's).</summary>
    public bool Reads(ModbusRead request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Blocks.Any(b => b.Function == request.Function && request.Start >= b.Start && request.End <= b.Start + b.Count);
    }

    private AnalogPack ToAnalogPack(ModbusValues values, int packNumber)
    {
        if (values.CellVoltagesVolts is not { } cells || values.VoltageVolts is not { } voltage || values.CurrentAmperes is not { } current
            || values.RemainingAmpHours is not { } remaining || values.FullAmpHours is not { } full || values.CycleCount is not { } cycles)
        {
            throw new PaceProtocolException(FrameError.Decode,
                $"the replies lack a field a {Name} pack needs (cells, voltage, current, capacities, cycles)");
        }

        if (WhyNotOurs(values) is { } why)
        {
            throw new PaceProtocolException(FrameError.Decode, $"not the {Name} register map: {why}");
        }

        bool offline = voltage == 0 && cells.All(c => c == 0);
        double? calculatedSoc = offline || full <= 0 ? null : remaining / full;
        double? calculatedSoh = offline || values.DesignAmpHours is not > 0 ? null : full / values.DesignAmpHours;
        return new AnalogPack
        {
            Pack = packNumber,
            Offline = offline,
            CellVoltagesVolts = cells,
            TemperaturesCelsius = values.TemperaturesCelsius ?? [],
            CurrentAmperes = current,
            VoltageVolts = voltage,
            RemainingAmpHours = remaining,
            FullAmpHours = full,
            DesignAmpHours = values.DesignAmpHours,
            CycleCount = cycles,
            UserDefinedP = 0,
            TailHex = "",
            Tail = null,
            StateOfChargeRatio = offline ? null : values.StateOfChargeRatio ?? calculatedSoc,
            StateOfHealthRatio = offline ? null : values.StateOfHealthRatio ?? calculatedSoh,
            StateOfChargeCalculatedRatio = calculatedSoc,
            StateOfHealthCalculatedRatio = calculatedSoh,
            DialectValues = [.. values.DialectValues],
            TemperatureRoles = values.TemperatureRoles.IsDefaultOrEmpty ? default : values.TemperatureRoles,
        };
    }

    /// <summary>
    /// Lithium cells (1-5 V each) that add up to the pack voltage within 3 % (0.5 V at least): the check that tells
    /// a family's map from another map on the same function (MODBUS.md section 4, the Gobel dump).
    /// </summary>
    protected static string? CellSumImplausibility(ModbusValues values)
    {
        if (values.CellVoltagesVolts is not { Length: > 0 } cells || values.VoltageVolts is not { } voltage)
        {
            return "no cell voltages";
        }

        int odd = cells.IndexOf(cells.FirstOrDefault(c => c is < 1.0 or > 5.0, double.NaN));
        if (odd >= 0)
        {
            return $"cell {odd + 1} reads {cells[odd]:0.000} V, no lithium cell";
        }

        double sum = cells.Sum();
        return Math.Abs(sum - voltage) <= Math.Max(0.5, 0.03 * voltage)
            ? null
            : $"the cells add up to {sum:0.000} V, the pack voltage register reads {voltage:0.00} V";
    }

    /// <summary>A pack is numbered by its slave address; slave 0 (a stand-alone Seplos V3 pack) is pack 1.</summary>
    private static int PackNumber(IReadOnlyList<ModbusReply> replies) => replies.Count == 0 ? 1 : Math.Max(1, (int)replies[0].Slave);

    /// <summary>A text of the family's identity block: its registers, and the identity value it fills.</summary>
    protected readonly record struct IdentityText(int Register, int Count, Action<ModbusValues, string?> Fill);

    /// <summary>
    /// Fills every text of <paramref name="texts"/> that the reply holds (read with <paramref name="function"/>); a
    /// blank text (some firmwares answer zeros or 0xFFFF there, MODBUS.md quirk f) is no identity.
    /// </summary>
    protected static void MapIdentity(ModbusReply reply, ModbusFunction function, ModbusValues values, IEnumerable<IdentityText> texts)
    {
        ArgumentNullException.ThrowIfNull(reply);
        ArgumentNullException.ThrowIfNull(texts);
        foreach (var text in texts.Where(t => reply.Holds(function, t.Register, t.Count)))
        {
            text.Fill(values, reply.Ascii(text.Register, text.Count) is { Length: > 0 } ascii ? ascii : null);
        }
    }

    /// <summary>Millivolt registers as volts, trailing zero registers (no cell fitted: a 15S pack) dropped.</summary>
    protected static ImmutableArray<double> CellsOf(ModbusReply reply, int first, int count)
    {
        int fitted = count;
        while (fitted > 0 && reply.Word(first + fitted - 1) == 0)
        {
            fitted--;
        }

        return [.. Enumerable.Range(first, fitted).Select(r => reply.Word(r) / 1000.0)];
    }
}
