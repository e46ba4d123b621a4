namespace BmsPace.Protocol.Dialects.Pace;

/// <summary>PACE 0x25 INFO of valid frames to readings (PROTOCOL.md sections 8-12). Every method throws <see cref="Framing.PaceProtocolException"/> with <see cref="Framing.FrameError.Decode"/> when INFO does not fit.</summary>
public static class PaceDecoders
{
    /// <summary>Bytes of an analog block besides the cell and temperature values: the two counts, current, voltage, remaining, P, full, cycles, design.</summary>
    private const int AnalogFixedBytes = 15;

    /// <summary>Bytes of an alarm block besides the per-cell and per-sensor codes: the two counts, three warnings, nine status bytes.</summary>
    private const int AlarmFixedBytes = 14;

    /// <param name="packByte">The COMMAND byte of the request: FF makes the second INFO byte a pack count, anything else an echo.</param>
    public static AnalogReading DecodeAnalog(ReadOnlySpan<byte> info, byte packByte, DecoderOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        int packCount = DeclaredPackCount(info, packByte);
        var blocks = PackLayout.Find(info, packCount, MeasureAnalogBlock, options.ForcePackOffsetCharacters / 2);
        var packs = ImmutableArray.CreateBuilder<AnalogPack>(blocks.Length);
        for (int i = 0; i < blocks.Length; i++)
        {
            packs.Add(DecodeAnalogPack(info, blocks[i], PackBlockOpening.PackNumber(packByte, i), options));
        }

        return new AnalogReading(packCount, packs.MoveToImmutable()) { Protocol = PaceDialect.DialectName, LastTailDiffers = PackLayout.LastTailDiffers(blocks) };
    }

    /// <remarks>
    /// The alarm blocks are always sized by the tail search: <see cref="DecoderOptions.ForcePackOffsetCharacters"/> describes
    /// the analog answer's tail (often 14 bytes), while the alarm answer's is another length (0 or 1 byte in captures).
    /// </remarks>
    public static AlarmReading DecodeAlarm(ReadOnlySpan<byte> info, byte packByte, DecoderOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        int packCount = DeclaredPackCount(info, packByte);
        var blocks = PackLayout.Find(info, packCount, MeasureAlarmBlock, forcedTailBytes: 0);
        var packs = ImmutableArray.CreateBuilder<AlarmPack>(blocks.Length);
        for (int i = 0; i < blocks.Length; i++)
        {
            packs.Add(DecodeAlarmPack(info, blocks[i], PackBlockOpening.PackNumber(packByte, i)));
        }

        return new AlarmReading(packCount, packs.MoveToImmutable()) { Protocol = PaceDialect.DialectName, LastTailDiffers = PackLayout.LastTailDiffers(blocks) };
    }

    /// <summary>0xC1: the first 20 characters (V3.1 may append a 20-character Bluetooth name), trailing spaces and NULs trimmed.</summary>
    public static string DecodeSoftwareVersion(ReadOnlySpan<byte> info)
    {
        if (info.IsEmpty)
        {
            throw Decode($"the software version answer carries no INFO");
        }

        return InfoFields.Text(info[..Math.Min(info.Length, 20)]);
    }

    /// <summary>0xC2: BMS serial (first 20 characters) and pack serial (next 20; empty when INFO holds only the BMS serial).</summary>
    public static SerialNumbers DecodeSerialNumbers(ReadOnlySpan<byte> info)
    {
        if (info.IsEmpty)
        {
            throw Decode($"the serial number answer carries no INFO");
        }

        var bms = info[..Math.Min(info.Length, 20)];
        var pack = info.Length > 20 ? info[20..Math.Min(info.Length, 40)] : [];
        return new SerialNumbers(InfoFields.Text(bms), InfoFields.Text(pack));
    }

    /// <summary>0x90; null when the firmware answers with no INFO.</summary>
    public static int? DecodePackCount(ReadOnlySpan<byte> info) => info.IsEmpty ? null : info[0];

    /// <summary>0xA6: remaining, full and design capacity, each u16 in 10 mAh.</summary>
    public static CapacityReading DecodeCapacity(ReadOnlySpan<byte> info)
    {
        var reader = new InfoReader(info);
        double remaining = reader.U16("remaining capacity") / 100.0;
        double full = reader.U16("full capacity") / 100.0;
        double design = reader.U16("design capacity") / 100.0;
        return new CapacityReading(remaining, full, design);
    }

    /// <summary>0xB1: year - 2000, month, day, hour, minute, second (the BMS clock, no zone).</summary>
    public static DateTime DecodeDateTime(ReadOnlySpan<byte> info)
    {
        var reader = new InfoReader(info);
        int year = 2000 + reader.U8("year");
        return reader.DateTimeAfterYear(year);
    }

    /// <summary>The tail of an analog block interpreted by its length (PROTOCOL.md 10.4); null when there is none.</summary>
    /// <remarks>
    /// The two 4-byte fields the V3.1 table calls cumulative charge and discharge carry filler in every capture so far
    /// (the design capacity twice, <c>6D606D60</c>): they are kept as raw hex and never read as a quantity.
    /// </remarks>
    public static AnalogTail? DecodeAnalogTail(ReadOnlySpan<byte> tail)
    {
        if (tail.IsEmpty)
        {
            return null;
        }

        if (tail.Length is not (1 or 14 or 22))
        {
            return new AnalogTail(tail.Length, null, null, null, null, null, null, null, null);
        }

        var reader = new InfoReader(tail);
        double stateOfCharge = reader.U8("tail SOC") / 100.0;
        if (tail.Length == 1)
        {
            return new AnalogTail(1, stateOfCharge, null, null, null, null, null, null, null);
        }

        string cumulativeCharge = Convert.ToHexString(reader.Bytes(4, "tail cumulative charge"));
        string cumulativeDischarge = Convert.ToHexString(reader.Bytes(4, "tail cumulative discharge"));
        double stateOfHealth = reader.U8("tail SOH") / 100.0;
        double voltage = reader.U16("tail independent voltage") / 1000.0;
        double current = reader.S16("tail independent current") / 100.0;
        double? summaryRemaining = null;
        double? summaryFull = null;
        if (tail.Length == 22)
        {
            summaryRemaining = reader.U32("tail summary remaining capacity") / 100.0;
            summaryFull = reader.U32("tail summary full capacity") / 100.0;
        }

        return new AnalogTail(tail.Length, stateOfCharge, cumulativeCharge, cumulativeDischarge, stateOfHealth, voltage, current, summaryRemaining, summaryFull);
    }

    private static int DeclaredPackCount(ReadOnlySpan<byte> info, byte packByte)
    {
        if (info.Length < PackLayout.HeaderLength)
        {
            throw Decode($"INFO has {info.Length} bytes, the header alone needs {PackLayout.HeaderLength}");
        }

        if (packByte != RequestBuilder.AllPacks)
        {
            return 1;
        }

        return info[1] == 0 ? 1 : info[1];
    }

    private static int? MeasureAnalogBlock(ReadOnlySpan<byte> info, int start) =>
        MeasureBlock(info, start, bytesPerValue: 2, AnalogFixedBytes);

    private static int? MeasureAlarmBlock(ReadOnlySpan<byte> info, int start) =>
        MeasureBlock(info, start, bytesPerValue: 1, AlarmFixedBytes);

    /// <summary>
    /// The length of the standard fields of a block at <paramref name="start"/> whose cells and sensors carry
    /// <paramref name="bytesPerValue"/> each (2: voltages and temperatures, 1: warning codes), or null when no plausible
    /// block starts there: counts out of range, a cell voltage no cell reads, or a block that runs past INFO.
    /// </summary>
    private static int? MeasureBlock(ReadOnlySpan<byte> info, int start, int bytesPerValue, int fixedBytes)
    {
        if (start >= info.Length)
        {
            return null;
        }

        int cells = info[start];
        if (cells is < 1 or > PackBlockOpening.MaxCells)
        {
            return null;
        }

        int temperatureCountAt = start + 1 + (bytesPerValue * cells);
        if (temperatureCountAt >= info.Length)
        {
            return null;
        }

        if (bytesPerValue == 2 && AnyCellAboveMax(info, start + 1, cells))
        {
            return null;
        }

        int temperatures = info[temperatureCountAt];
        if (temperatures > PackBlockOpening.MaxTemperatures)
        {
            return null;
        }

        int length = fixedBytes + (bytesPerValue * cells) + (bytesPerValue * temperatures);
        return start + length <= info.Length ? length : null;
    }

    /// <summary>
    /// Whether one of the <paramref name="cells"/> voltages (mV) from <paramref name="at"/> is above what a cell reads:
    /// below 1 V is an open sense wire or a dead cell (exported); above 5 V is no cell, so no block starts there.
    /// </summary>
    private static bool AnyCellAboveMax(ReadOnlySpan<byte> info, int at, int cells)
    {
        for (int i = 0; i < cells; i++)
        {
            if (((info[at + (2 * i)] << 8) | info[at + 1 + (2 * i)]) > Plausibility.MaxCellMillivolts)
            {
                return true;
            }
        }

        return false;
    }

    private static AnalogPack DecodeAnalogPack(ReadOnlySpan<byte> info, PackBlock block, int pack, DecoderOptions options)
    {
        var reader = new InfoReader(info, block.Start);
        var opening = PackBlockOpening.ReadAnalog(ref reader, options);
        int remaining = reader.U16("remaining capacity");
        int userDefinedP = reader.U8("user-defined count P");
        int full = reader.U16("full capacity");
        int cycles = reader.U16("cycle count");
        int design = reader.U16("design capacity");
        var tailBytes = reader.Bytes(block.TailLength, "tail");
        var tail = DecodeAnalogTail(tailBytes);

        bool offline = opening.Offline;
        double? socCalculated = offline ? null : Ratio(remaining, full);
        double? sohCalculated = offline ? null : Ratio(full, design);
        double? soc = offline ? null : tail?.StateOfChargeRatio ?? socCalculated;
        double? soh = offline ? null : tail?.StateOfHealthRatio ?? sohCalculated;

        return new AnalogPack
        {
            Pack = pack,
            Offline = offline,
            CellVoltagesVolts = opening.Cells,
            TemperaturesCelsius = opening.Temperatures,
            CurrentAmperes = opening.Current / 100.0,
            VoltageVolts = opening.Voltage / 1000.0,
            RemainingAmpHours = remaining / 100.0,
            FullAmpHours = full / 100.0,
            DesignAmpHours = design / 100.0,
            CycleCount = cycles,
            UserDefinedP = userDefinedP,
            TailHex = Convert.ToHexString(tailBytes),
            Tail = tail,
            StateOfChargeRatio = soc,
            StateOfHealthRatio = soh,
            StateOfChargeCalculatedRatio = socCalculated,
            StateOfHealthCalculatedRatio = sohCalculated,
        };
    }

    private static AlarmPack DecodeAlarmPack(ReadOnlySpan<byte> info, PackBlock block, int pack)
    {
        var reader = new InfoReader(info, block.Start);
        var warnings = PackBlockOpening.ReadWarnings(ref reader);
        return PaceStatusBytes.WithNamedViews(new AlarmPack
        {
            Pack = pack,
            CellWarnings = warnings.Cells,
            TemperatureWarnings = warnings.Temperatures,
            ChargeCurrentWarning = reader.U8("charge current warning"),
            PackVoltageWarning = reader.U8("pack voltage warning"),
            DischargeCurrentWarning = reader.U8("discharge current warning"),
            ProtectState1 = reader.U8("protect state 1"),
            ProtectState2 = reader.U8("protect state 2"),
            InstructionState = reader.U8("instruction state"),
            ControlState = reader.U8("control state"),
            FaultState = reader.U8("fault state"),
            BalanceState1 = reader.U8("balance state 1"),
            BalanceState2 = reader.U8("balance state 2"),
            WarnState1 = reader.U8("warn state 1"),
            WarnState2 = reader.U8("warn state 2"),
            TailHex = Convert.ToHexString(reader.Bytes(block.TailLength, "tail")),
        });
    }

    private static double? Ratio(int numerator, int denominator) => Resolution.Ratio(numerator, denominator);

    private static PaceProtocolException Decode(FormattableString detail) =>
        new(FrameError.Decode, detail.ToString(CultureInfo.InvariantCulture));
}
