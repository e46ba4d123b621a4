namespace BmsPace.Protocol.Dialects.Pace;

/// <summary>
/// What the twelve status bytes of a PACE 0x44 pack mean (PROTOCOL.md 11.2): their names in wire order, the flag table
/// they are read with, and the balance bytes' cells. The decoder completes every pack with them.
/// </summary>
public static class PaceStatusBytes
{
    /// <summary><paramref name="pack"/> with its <see cref="AlarmPack.Status"/>, flag table and balancing cells taken from its PACE bytes.</summary>
    public static AlarmPack WithNamedViews(AlarmPack pack)
    {
        ArgumentNullException.ThrowIfNull(pack);
        return pack with
        {
            Status =
            [
                new("charge_current_warning", pack.ChargeCurrentWarning),
                new("pack_voltage_warning", pack.PackVoltageWarning),
                new("discharge_current_warning", pack.DischargeCurrentWarning),
                new("protect_state_1", pack.ProtectState1),
                new("protect_state_2", pack.ProtectState2),
                new("instruction_state", pack.InstructionState),
                new("control_state", pack.ControlState),
                new("fault_state", pack.FaultState),
                new("balance_state_1", pack.BalanceState1),
                new("balance_state_2", pack.BalanceState2),
                new("warn_state_1", pack.WarnState1),
                new("warn_state_2", pack.WarnState2),
            ],
            FlagDefinitions = PaceFlagTable.All,
            BalancingCells = AlarmPack.CellsOfBits(pack.BalanceState1 | (pack.BalanceState2 << 8), pack.CellCount),
        };
    }
}
