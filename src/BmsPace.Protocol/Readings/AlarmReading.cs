using System.Collections.Immutable;

namespace BmsPace.Protocol.Readings;

/// <summary>A decoded 0x44 answer.</summary>
public sealed record AlarmReading(int PackCount, ImmutableArray<AlarmPack> Packs)
{
    /// <summary>No tail length fitted every block, so the last one kept a different tail (PROTOCOL.md 8.3).</summary>
    public bool LastTailDiffers { get; init; }
}

/// <summary>One pack of a 0x44 answer: raw bytes as sent, with named views (PROTOCOL.md 11.2, METRICS.md flag table).</summary>
public sealed record AlarmPack
{
    public required int Pack { get; init; }

    /// <summary>Per-cell warning codes: 00 normal, 01 low, 02 high, 80-EF user-defined, F0 other; unknown codes kept.</summary>
    public required ImmutableArray<byte> CellWarnings { get; init; }

    public required ImmutableArray<byte> TemperatureWarnings { get; init; }

    public required byte ChargeCurrentWarning { get; init; }

    public required byte PackVoltageWarning { get; init; }

    public required byte DischargeCurrentWarning { get; init; }

    public required byte ProtectState1 { get; init; }

    public required byte ProtectState2 { get; init; }

    public required byte InstructionState { get; init; }

    /// <summary>Exported raw only: the polarity of bits 4/5 is disputed (PROTOCOL.md 11.2).</summary>
    public required byte ControlState { get; init; }

    public required byte FaultState { get; init; }

    /// <summary>Cells 1-8, bit 0 = cell 1 (PACE documents).</summary>
    public required byte BalanceState1 { get; init; }

    /// <summary>Cells 9-16, bit 0 = cell 9.</summary>
    public required byte BalanceState2 { get; init; }

    public required byte WarnState1 { get; init; }

    public required byte WarnState2 { get; init; }

    /// <summary>Extra bytes after warn_state_2 as uppercase hex ("" when none).</summary>
    public required string TailHex { get; init; }

    public int CellCount => CellWarnings.Length;

    public int TemperatureCount => TemperatureWarnings.Length;

    /// <summary>1-based numbers of the cells whose balance bit is set, limited to the pack's cell count.</summary>
    public ImmutableArray<int> BalancingCells
    {
        get
        {
            var cells = ImmutableArray.CreateBuilder<int>();
            int word = BalanceState1 | (BalanceState2 << 8);
            for (int bit = 0; bit < 16 && bit < CellCount; bit++)
            {
                if ((word & (1 << bit)) != 0)
                {
                    cells.Add(bit + 1);
                }
            }

            return cells.ToImmutable();
        }
    }

    public bool IsCellBalancing(int cell) => cell is >= 1 and <= 16 && ((BalanceState1 | (BalanceState2 << 8)) & (1 << (cell - 1))) != 0;

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

    public bool IsSet(FlagDefinition flag) => (ValueOf(flag.Source) & (1 << flag.Bit)) != 0;

    /// <summary>Names of the set flags of one family, in table order.</summary>
    public ImmutableArray<string> ActiveFlags(FlagFamily family) =>
        [.. FlagTable.All.Where(f => f.Family == family && IsSet(f)).Select(f => f.Name)];
}
