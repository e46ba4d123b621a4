using BmsPace.Protocol.Dialects;

namespace BmsPace.Protocol.Modbus;

/// <summary>
/// The packs of a simulated Modbus bus, each at its slave address as the family's documents place them, answering
/// one request frame from a sample of the battery model. A slave that does not exist, a broadcast and a damaged
/// frame get no answer, like on a real bus; a write gets exception 01 (the simulator is read-only too). Where the
/// packs sit and what they hold is each family's (<see cref="ModbusDialect.SimulatedSlaves"/>,
/// <see cref="ModbusDialect.SimulatedImage"/>).
/// </summary>
public static class ModbusSlaves
{
    /// <summary>The answer of the slave <paramref name="frame"/> asks, on the bus of <paramref name="family"/> with these packs.</summary>
    /// <param name="bankMaster">An EG4 LL v2 bank: unit 1 is the master and answers the bank summary, the others their own packs.</param>
    /// <returns>The reply frame, or null when nobody on the bus answers.</returns>
    public static byte[]? Answer(ModbusDialect family, ReadOnlySpan<byte> frame, IReadOnlyList<PackSample> stack, ISimulatedBattery options, bool bankMaster = false)
    {
        ArgumentNullException.ThrowIfNull(family);
        ArgumentNullException.ThrowIfNull(stack);
        ArgumentNullException.ThrowIfNull(options);
        if (frame.Length < 2 || !ModbusCrc.Holds(frame))
        {
            return null;
        }

        byte slave = frame[0];
        var placed = options.PackAddresses;
        var slaves = placed.Count > 0 ? placed : family.SimulatedSlaves(stack.Count, bankMaster);
        int position = IndexOf(slaves, slave);
        if (position < 0)
        {
            return null;
        }

        if (!ModbusRead.IsRead(frame[1]))
        {
            return ModbusFraming.Exception(slave, frame[1], 0x01);
        }

        ModbusRead request;
        try
        {
            request = ModbusRead.Parse(frame);
        }
        catch (Framing.PaceProtocolException)
        {
            return ModbusFraming.Exception(slave, frame[1], 0x03);
        }

        return family.SimulatedImage(slave, position, stack, options, bankMaster && placed.Count == 0).Answer(request);
    }

    private static int IndexOf(IReadOnlyList<byte> slaves, byte slave)
    {
        for (int i = 0; i < slaves.Count; i++)
        {
            if (slaves[i] == slave)
            {
                return i;
            }
        }

        return -1;
    }
}

/// <summary>A Modbus family's simulated bus behind <see cref="Dialects.IBmsDialect.Replies"/>.</summary>
internal sealed class ModbusReplies(ModbusDialect family) : IReplyEncoder
{
    public byte[]? Answer(ReadOnlySpan<byte> request, ISimulatedBattery battery)
    {
        ArgumentNullException.ThrowIfNull(battery);
        return ModbusSlaves.Answer(family, request, battery.Sample(), battery, battery.Bus == SimulatedBus.BankMaster);
    }

    /// <summary>Every pack is a slave at its own address, wherever it is placed.</summary>
    public bool PlacesPacksAtAddresses => true;

    public bool HasBankMaster => family.HasBankMaster;

    /// <summary>The register maps hold 16 cells at most.</summary>
    public string? RefuseShape(int packs, int cells, int temperatures) =>
        cells > 16 ? $"cells={cells} is not allowed for {family.Name}: its register map holds at most 16" : null;
}
