namespace BmsPace.Protocol.Modbus;

/// <summary>
/// A Modbus family read with function 0x03 only, one slave per pack at 9600 baud (EG4 LL, PACE_MODBUS; MODBUS.md
/// sections 1 and 2): one live block from register 0 answers both the analog and the alarm read, one block the identity.
/// </summary>
public abstract class HoldingRegisterDialect : ModbusDialect
{
    protected HoldingRegisterDialect(int liveCount, int identityRegister, int identityCount)
    {
        Blocks =
        [
            new(CommandKind.Analog, ModbusFunction.ReadHoldingRegisters, 0, liveCount),
            new(CommandKind.Alarm, ModbusFunction.ReadHoldingRegisters, 0, liveCount),
            new(CommandKind.SoftwareVersion, ModbusFunction.ReadHoldingRegisters, identityRegister, identityCount),
        ];
    }

    public override int DefaultBaudRate => 9600;

    public override ImmutableArray<ModbusBlock> Blocks { get; }

    protected sealed override void Map(ModbusReply reply, ModbusValues pack, ref ModbusValues? stack)
    {
        if (reply.Function != ModbusFunction.ReadHoldingRegisters)
        {
            throw new PaceProtocolException(FrameError.Decode, $"{Name} is read with function 0x03, not 0x{(byte)reply.Function:X2}");
        }

        MapHoldingRegisters(reply, pack, ref stack);
    }

    /// <summary>Fills <paramref name="pack"/> (or the <paramref name="stack"/>) from the holding registers of one reply.</summary>
    protected abstract void MapHoldingRegisters(ModbusReply reply, ModbusValues pack, ref ModbusValues? stack);
}
