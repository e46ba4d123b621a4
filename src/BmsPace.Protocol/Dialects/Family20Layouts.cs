namespace BmsPace.Protocol.Dialects;

/// <summary>
/// The parts of the 0x42/0x44 layouts every VER 0x20 dialect shares (PROTOCOL.md 13): each analog block opens with
/// the cells, the temperatures, the current and the pack voltage; each alarm block with the cell and temperature
/// warnings. What follows, and the units, are each dialect's own.
/// </summary>
internal abstract partial class Family20Dialect
{
    /// <summary>Reads the temperature count and returns how many sensors follow (a dialect may send more than it says).</summary>
    protected delegate int SensorCountReader(ref InfoReader reader);

    /// <summary>The opening of an analog block, current and voltage still raw (their units are the dialect's).</summary>
    protected readonly record struct AnalogOpening(ImmutableArray<double> Cells, bool AllCellsZero, ImmutableArray<double> Temperatures, int Current, int Voltage)
    {
        /// <summary>All cells and the pack voltage at zero: a pack slot with no pack in it.</summary>
        public bool Offline => AllCellsZero && Voltage == 0;
    }

    /// <summary>Cells, temperatures (the count read by <paramref name="sensors"/>, else as sent), current (signed) and pack voltage.</summary>
    protected static AnalogOpening ReadAnalogOpening(ref InfoReader reader, DecoderOptions options, SensorCountReader? sensors = null)
    {
        var cells = ReadCells(ref reader, out bool allCellsZero);
        int temperatureCount = sensors is null ? ReadTemperatureCount(ref reader) : sensors(ref reader);
        var temperatures = ReadTemperatures(ref reader, temperatureCount, options);
        int current = reader.S16("current");
        int voltage = reader.U16("pack voltage");
        return new AnalogOpening(cells, allCellsZero, temperatures, current, voltage);
    }

    /// <summary>The cell warnings, then the temperature warnings (their count read by <paramref name="sensors"/>, else as sent).</summary>
    protected static (ImmutableArray<byte> Cells, ImmutableArray<byte> Temperatures) ReadWarnings(ref InfoReader reader, SensorCountReader? sensors = null)
    {
        var cellWarnings = ReadCellWarnings(ref reader);
        int temperatureCount = sensors is null ? ReadTemperatureCount(ref reader) : sensors(ref reader);
        var temperatureWarnings = reader.Bytes(temperatureCount, "temperature alarms").ToImmutableArray();
        return (cellWarnings, temperatureWarnings);
    }

    /// <summary>
    /// A pack of an analog block in SI units with what the three layouts agree on: no design capacity, no tail, the
    /// calculated state of charge; the dialect adds its own ratios and values with <c>with</c>.
    /// </summary>
    protected AnalogPack AnalogPackOf(int pack, AnalogOpening opening, double currentAmperes, double voltageVolts, double remainingAh, double fullAh, int cycles, int userDefinedP) => new()
    {
        Pack = pack,
        Offline = opening.Offline,
        CellVoltagesVolts = opening.Cells,
        TemperaturesCelsius = opening.Temperatures,
        CurrentAmperes = currentAmperes,
        VoltageVolts = voltageVolts,
        RemainingAmpHours = remainingAh,
        FullAmpHours = fullAh,
        DesignAmpHours = null,
        CycleCount = cycles,
        UserDefinedP = userDefinedP,
        TailHex = "",
        Tail = null,
        StateOfChargeRatio = null,
        StateOfHealthRatio = null,
        StateOfChargeCalculatedRatio = opening.Offline ? null : Ratio(remainingAh, fullAh),
        StateOfHealthCalculatedRatio = null,
        TemperatureRoles = RolesOfSensors(opening.Temperatures.Length),
    };

    /// <summary>A pack of an alarm block, its flags named by this dialect's table.</summary>
    protected AlarmPack AlarmPackOf(int pack, (ImmutableArray<byte> Cells, ImmutableArray<byte> Temperatures) warnings, ImmutableArray<StatusField> status, ReadOnlySpan<byte> tail, ImmutableArray<int> balancingCells) => new()
    {
        Pack = pack,
        CellWarnings = warnings.Cells,
        TemperatureWarnings = warnings.Temperatures,
        TailHex = Convert.ToHexString(tail),
        Status = status,
        FlagDefinitions = Flags,
        BalancingCells = balancingCells,
    };
}
