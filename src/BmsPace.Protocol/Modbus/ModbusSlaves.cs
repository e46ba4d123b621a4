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
    /// <summary>The protocol names this bus speaks.</summary>
    public static IReadOnlyList<string> Families { get; } = [.. BmsDialects.All.OfType<ModbusDialect>().Select(d => d.Name)];

    /// <summary>The slave addresses the packs answer at (MODBUS.md: EG4 and PACE from 1; one Seplos V3 pack at 0, several from 1).</summary>
    /// <param name="eg4Master">An EG4 LL v2 bank: unit 1 is the master and answers the bank summary, the others their own packs.</param>
    public static IReadOnlyList<byte> Addresses(string family, int packs, bool eg4Master = false) => Family(family).SimulatedSlaves(packs, eg4Master);

    /// <returns>The reply frame, or null when nobody on the bus answers.</returns>
    public static byte[]? Answer(string family, ReadOnlySpan<byte> frame, IReadOnlyList<PackSample> stack, ISimulatedBattery options, bool eg4Master = false) =>
        Answer(Family(family), frame, stack, options, eg4Master);

    internal static byte[]? Answer(ModbusDialect family, ReadOnlySpan<byte> frame, IReadOnlyList<PackSample> stack, ISimulatedBattery options, bool eg4Master = false)
    {
        ArgumentNullException.ThrowIfNull(stack);
        if (frame.Length < 2 || !ModbusCrc.Holds(frame))
        {
            return null;
        }

        byte slave = frame[0];
        if (!family.SimulatedSlaves(stack.Count, eg4Master).Contains(slave))
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

        return family.SimulatedImage(slave, stack, options, eg4Master).Answer(request);
    }

    private static ModbusDialect Family(string name) =>
        BmsDialects.All.OfType<ModbusDialect>().FirstOrDefault(d => d.Name == name)
        ?? throw new ArgumentException($"no Modbus family {name}", nameof(name));
}

/// <summary>A Modbus family's simulated bus behind <see cref="Dialects.IBmsDialect.Replies"/>.</summary>
internal sealed class ModbusReplies(ModbusDialect family) : IReplyEncoder
{
    public byte[]? Answer(ReadOnlySpan<byte> request, ISimulatedBattery battery)
    {
        ArgumentNullException.ThrowIfNull(battery);
        return ModbusSlaves.Answer(family, request, battery.Sample(), battery, battery.Bus == SimulatedBus.BankMaster);
    }

    public bool HasBankMaster => family.HasBankMaster;

    /// <summary>The register maps hold 16 cells at most.</summary>
    public string? RefuseShape(int packs, int cells, int temperatures) =>
        cells > 16 ? $"cells={cells} is not allowed for {family.Name}: its register map holds at most 16" : null;
}
