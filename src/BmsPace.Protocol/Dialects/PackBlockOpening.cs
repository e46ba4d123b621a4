namespace BmsPace.Protocol.Dialects;

/// <summary>
/// What every pack block of an ASCII dialect opens with (PROTOCOL.md 10, 11 and 13): an analog block with the cells,
/// the temperatures, the current and the pack voltage; an alarm block with the cell and temperature warnings. PACE and
/// the 0x20 family read them here; what follows, and the units of current and voltage, are each dialect's own.
/// </summary>
internal static class PackBlockOpening
{
    /// <summary>Most cells any of these packs has; a larger count is not a pack block.</summary>
    public const int MaxCells = 32;

    /// <summary>Most temperature sensors any of these packs reports.</summary>
    public const int MaxTemperatures = 16;

    /// <summary>Reads the temperature count and returns how many sensors follow (a dialect may send more than it says).</summary>
    public delegate int SensorCountReader(ref InfoReader reader);

    /// <summary>The opening of an analog block, current and voltage still raw (their units are the dialect's).</summary>
    public readonly record struct Analog(ImmutableArray<double> Cells, bool AllCellsZero, ImmutableArray<double> Temperatures, int Current, int Voltage)
    {
        /// <summary>All cells and the pack voltage at zero: a pack slot with no pack in it (PROTOCOL.md 8.4).</summary>
        public bool Offline => AllCellsZero && Voltage == 0;
    }

    /// <summary>Cells, temperatures (the count read by <paramref name="sensors"/>, else as sent), current (signed) and pack voltage.</summary>
    public static Analog ReadAnalog(ref InfoReader reader, DecoderOptions options, SensorCountReader? sensors = null)
    {
        var cells = ReadCells(ref reader, out bool allCellsZero);
        int temperatureCount = sensors is null ? ReadTemperatureCount(ref reader) : sensors(ref reader);
        var temperatures = ImmutableArray.CreateBuilder<double>(temperatureCount);
        for (int i = 0; i < temperatureCount; i++)
        {
            temperatures.Add(Celsius(reader.U16("temperature"), options));
        }

        int current = reader.S16("current");
        int voltage = reader.U16("pack voltage");
        return new Analog(cells, allCellsZero, temperatures.MoveToImmutable(), current, voltage);
    }

    /// <summary>The cell warnings, then the temperature warnings (their count read by <paramref name="sensors"/>, else as sent).</summary>
    public static (ImmutableArray<byte> Cells, ImmutableArray<byte> Temperatures) ReadWarnings(ref InfoReader reader, SensorCountReader? sensors = null)
    {
        var cellWarnings = reader.Bytes(ReadCellCount(ref reader), "cell alarms").ToImmutableArray();
        int temperatureCount = sensors is null ? ReadTemperatureCount(ref reader) : sensors(ref reader);
        var temperatureWarnings = reader.Bytes(temperatureCount, "temperature alarms").ToImmutableArray();
        return (cellWarnings, temperatureWarnings);
    }

    /// <summary>Sensor temperature in C from 0.1 K; PACE V3.1's marker of a sensor that is not fitted (0x8000) is no temperature.</summary>
    public static double Celsius(int deciKelvin, DecoderOptions options) =>
        deciKelvin == InfoFields.AbsentSensor ? double.NaN : (deciKelvin - options.TemperatureOffsetDeciKelvin) / 10.0;

    /// <summary>1-based pack number: the position for an all-packs request, else the pack asked for (an echo of 0 is 1).</summary>
    public static int PackNumber(byte packByte, int position) => packByte switch
    {
        RequestBuilder.AllPacks => position + 1,
        0 => 1,
        _ => packByte,
    };

    /// <summary>Reads a cell count, refusing what no pack sends.</summary>
    private static int ReadCellCount(ref InfoReader reader)
    {
        int count = reader.U8("cell count");
        return count is < 1 or > MaxCells ? throw DecodeError($"cell count {count} is outside 1..{MaxCells}") : count;
    }

    /// <summary>Reads a temperature count that is the number of sensors sent.</summary>
    private static int ReadTemperatureCount(ref InfoReader reader)
    {
        int count = reader.U8("temperature count");
        return count > MaxTemperatures ? throw DecodeError($"temperature count {count} is above {MaxTemperatures}") : count;
    }

    /// <summary>Reads a cell count and the cell voltages (mV), refusing a voltage no cell reads.</summary>
    private static ImmutableArray<double> ReadCells(ref InfoReader reader, out bool allZero)
    {
        int count = ReadCellCount(ref reader);
        var cells = ImmutableArray.CreateBuilder<double>(count);
        allZero = true;
        for (int i = 0; i < count; i++)
        {
            int millivolts = reader.U16("cell voltage");
            if (millivolts > Plausibility.MaxCellMillivolts)
            {
                // Below 1 V is an open sense wire or a dead cell, a reading the owner must see; above 5 V no cell reads.
                throw DecodeError($"cell {i + 1} reads {millivolts} mV, above {Plausibility.MaxCellMillivolts} mV");
            }

            allZero &= millivolts == 0;
            cells.Add(millivolts / 1000.0);
        }

        return cells.MoveToImmutable();
    }

    private static PaceProtocolException DecodeError(FormattableString detail) =>
        new(FrameError.Decode, detail.ToString(CultureInfo.InvariantCulture));
}
