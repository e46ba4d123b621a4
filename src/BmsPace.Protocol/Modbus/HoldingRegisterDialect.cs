namespace BmsPace.Protocol.Modbus;

/// <summary>
/// A Modbus family read with function 0x03 only, one slave per pack at 9600 baud (EG4 LL, PACE_MODBUS; MODBUS.md
/// sections 1 and 2): one live block from register 0 answers both the analog and the alarm read, one block of texts the
/// identity.
/// </summary>
public abstract class HoldingRegisterDialect : ModbusDialect
{
    private readonly ImmutableArray<IdentityText> _identity;

    /// <param name="liveCount">The registers of the live block, from 0.</param>
    /// <param name="identity">The texts of the identity block, which is read from the first to the end of the last.</param>
    protected HoldingRegisterDialect(int liveCount, params IdentityText[] identity)
    {
        _identity = [.. identity];
        int first = identity.Min(t => t.Register);
        Blocks =
        [
            new(CommandKind.Analog, ModbusFunction.ReadHoldingRegisters, 0, liveCount),
            new(CommandKind.Alarm, ModbusFunction.ReadHoldingRegisters, 0, liveCount),
            new(CommandKind.SoftwareVersion, ModbusFunction.ReadHoldingRegisters, first, identity.Max(t => t.Register + t.Count) - first),
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
        MapIdentity(reply, ModbusFunction.ReadHoldingRegisters, pack, _identity);
    }

    /// <summary>Fills <paramref name="pack"/> (or the <paramref name="stack"/>) from the live registers of one reply.</summary>
    protected abstract void MapHoldingRegisters(ModbusReply reply, ModbusValues pack, ref ModbusValues? stack);
}
