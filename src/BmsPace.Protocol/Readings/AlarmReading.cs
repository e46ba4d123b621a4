using BmsPace.Protocol.Dialects.Pace;

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
/// The PACE bytes have their own properties; every dialect (PACE included) lists its raw status bytes in
/// <see cref="Status"/> and its named bits in <see cref="FlagDefinitions"/>. The PACE properties stay 0 for the
/// other dialects: read <see cref="Status"/> there.
/// </summary>
public sealed record AlarmPack
{
    private readonly ImmutableArray<StatusField> _status;
    private readonly ImmutableArray<int> _balancingCells;

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

    /// <summary>The dialect's raw status bytes in wire order, by their own names; the PACE bytes when not set.</summary>
    public ImmutableArray<StatusField> Status
    {
        get => _status.IsDefault ? PaceStatus() : _status;
        init => _status = value;
    }

    /// <summary>The flag table the <see cref="Status"/> bytes are read with: PACE's unless the dialect sets its own.</summary>
    public ImmutableArray<FlagDefinition> FlagDefinitions { get; init; } = PaceFlagTable.All;

    /// <summary>1-based numbers of the cells whose balance bit is set, limited to the pack's cell count.</summary>
    public ImmutableArray<int> BalancingCells
    {
        get => _balancingCells.IsDefault ? PaceBalancingCells() : _balancingCells;
        init => _balancingCells = value;
    }

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

    private ImmutableArray<StatusField> PaceStatus() =>
    [
        new("charge_current_warning", ChargeCurrentWarning),
        new("pack_voltage_warning", PackVoltageWarning),
        new("discharge_current_warning", DischargeCurrentWarning),
        new("protect_state_1", ProtectState1),
        new("protect_state_2", ProtectState2),
        new("instruction_state", InstructionState),
        new("control_state", ControlState),
        new("fault_state", FaultState),
        new("balance_state_1", BalanceState1),
        new("balance_state_2", BalanceState2),
        new("warn_state_1", WarnState1),
        new("warn_state_2", WarnState2),
    ];

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

    private ImmutableArray<int> PaceBalancingCells() => CellsOfBits(BalanceState1 | (BalanceState2 << 8), CellCount);

    public bool IsCellBalancing(int cell) => _balancingCells.IsDefault
        ? cell is >= 1 and <= 16 && ((BalanceState1 | (BalanceState2 << 8)) & (1 << (cell - 1))) != 0
        : _balancingCells.Contains(cell);

    public byte ValueOf(StatusByte source) => source switch
    {
        StatusByte.ProtectState1 => ProtectState1,
        StatusByte.ProtectState2 => ProtectState2,
        StatusByte.InstructionState => InstructionState,
        StatusByte.FaultState => FaultState,
        StatusByte.WarnState1 => WarnState1,
        StatusByte.WarnState2 => WarnState2,
        _ => throw new ArgumentOutOfRangeException(nameof(source), source, "unknown status byte"),
    };

    public bool IsSet(FlagDefinition flag)
    {
        ArgumentNullException.ThrowIfNull(flag);
        if (_status.IsDefault && flag.PaceSource is { } source)
        {
            return (ValueOf(source) & (1 << flag.Bit)) != 0;
        }

        return StatusValue(flag.Field) is { } value && ((value >> flag.Bit) & 1) != 0;
    }

    /// <summary>Names of the set flags of one family, in table order.</summary>
    public ImmutableArray<string> ActiveFlags(FlagFamily family) =>
        [.. FlagDefinitions.Where(f => f.Family == family && IsSet(f)).Select(f => f.Name)];
}
