namespace BmsPace.Protocol.Readings;

/// <summary>A decoded 0x44 answer.</summary>
public sealed record AlarmReading(int PackCount, ImmutableArray<AlarmPack> Packs)
{
    /// <summary>The dialect whose layout decoded the answer (<see cref="Dialects.IBmsDialect.Name"/>).</summary>
    public required string Protocol { get; init; }

    /// <summary>No tail length fitted every block, so the last one kept a different tail (PROTOCOL.md 8.3).</summary>
    public bool LastTailDiffers { get; init; }
}

/// <summary>A raw status byte (or word) of an alarm answer under its dialect's snake_case name.</summary>
public readonly record struct StatusField(string Name, long Value);

/// <summary>
/// One pack of a 0x44 answer: raw bytes as sent, with named views (PROTOCOL.md 11.2 and 13, METRICS.md flag table).
/// Every dialect's decoder lists its raw status bytes in <see cref="Status"/>, its named bits in
/// <see cref="FlagDefinitions"/> and its balancing cells in <see cref="BalancingCells"/>; a pack that sets none has no
/// status. The twelve bytes of the 0x25 layout also keep their own properties (0 for the other layouts, whose bytes are
/// in <see cref="Status"/> only); what they mean is that dialect's decoder's business.
/// </summary>
public sealed record AlarmPack
{
    public required int Pack { get; init; }

    /// <summary>Per-cell warning codes: 00 normal, 01 low, 02 high, 80-EF user-defined, F0 other; unknown codes kept.</summary>
    public required ImmutableArray<byte> CellWarnings { get; init; }

    public required ImmutableArray<byte> TemperatureWarnings { get; init; }

    public byte ChargeCurrentWarning { get; init; }

    public byte PackVoltageWarning { get; init; }

    public byte DischargeCurrentWarning { get; init; }

    public byte ProtectState1 { get; init; }

    public byte ProtectState2 { get; init; }

    public byte InstructionState { get; init; }

    /// <summary>Exported raw only: the polarity of bits 4/5 is disputed (PROTOCOL.md 11.2).</summary>
    public byte ControlState { get; init; }

    public byte FaultState { get; init; }

    /// <summary>Cells 1-8, bit 0 = cell 1 (PACE documents).</summary>
    public byte BalanceState1 { get; init; }

    /// <summary>Cells 9-16, bit 0 = cell 9.</summary>
    public byte BalanceState2 { get; init; }

    public byte WarnState1 { get; init; }

    public byte WarnState2 { get; init; }

    /// <summary>Extra bytes after warn_state_2 as uppercase hex ("" when none).</summary>
    public required string TailHex { get; init; }

    public int CellCount => CellWarnings.Length;

    public int TemperatureCount => TemperatureWarnings.Length;

    /// <summary>The dialect's raw status bytes in wire order, by their own names.</summary>
    public ImmutableArray<StatusField> Status { get; init; } = [];

    /// <summary>The dialect's flag table, which the <see cref="Status"/> bytes are read with.</summary>
    public ImmutableArray<FlagDefinition> FlagDefinitions { get; init; } = [];

    /// <summary>1-based numbers of the cells whose balance bit is set, limited to the pack's cell count.</summary>
    public ImmutableArray<int> BalancingCells { get; init; } = [];

    /// <summary>The raw value of the status byte named <paramref name="field"/>; null when the dialect has none.</summary>
    public long? StatusValue(string field)
    {
        foreach (var status in Status)
        {
            if (status.Name == field)
            {
                return status.Value;
            }
        }

        return null;
    }

    /// <summary>1-based numbers of the cells whose bit is set in <paramref name="bits"/> (bit 0 = cell 1), up to <paramref name="cellCount"/>.</summary>
    public static ImmutableArray<int> CellsOfBits(long bits, int cellCount)
    {
        var cells = ImmutableArray.CreateBuilder<int>();
        for (int bit = 0; bit < cellCount && bit < 64; bit++)
        {
            if (((bits >> bit) & 1) != 0)
            {
                cells.Add(bit + 1);
            }
        }

        return cells.ToImmutable();
    }

    public bool IsCellBalancing(int cell) => BalancingCells.Contains(cell);

    public bool IsSet(FlagDefinition flag)
    {
        ArgumentNullException.ThrowIfNull(flag);
        return StatusValue(flag.Field) is { } value && ((value >> flag.Bit) & 1) != 0;
    }

    /// <summary>Names of the set flags of one family, in table order.</summary>
    public ImmutableArray<string> ActiveFlags(FlagFamily family) =>
        [.. FlagDefinitions.Where(f => f.Family == family && IsSet(f)).Select(f => f.Name)];
}
