using BmsPace.Protocol.Dialects.Eg4Ll;
using BmsPace.Protocol.Dialects.PaceModbus;
using BmsPace.Protocol.Dialects.SeplosV3;
using BmsPace.Protocol.Simulation;

namespace BmsPace.Protocol.Modbus;

/// <summary>
/// The packs of a simulated Modbus bus, each at its slave address as the family's documents place them, answering
/// one request frame from a sample of the battery model. A slave that does not exist, a broadcast and a damaged
/// frame get no answer, like on a real bus; a write gets exception 01 (the simulator is read-only too).
/// </summary>
public static class ModbusSlaves
{
    /// <summary>The protocol names this bus speaks.</summary>
    public static IReadOnlyList<string> Families { get; } = ["eg4-ll", "seplos-v3", "pace-modbus"];

    /// <summary>The slave addresses the packs answer at (MODBUS.md: EG4 and PACE from 1; one Seplos V3 pack at 0, several from 1).</summary>
    /// <param name="eg4Master">An EG4 LL v2 bank: unit 1 is the master and answers the bank summary, the others their own packs.</param>
    public static IReadOnlyList<byte> Addresses(string family, int packs, bool eg4Master = false) => family switch
    {
        "seplos-v3" when packs == 1 => [0],
        "eg4-ll" when eg4Master => [.. Enumerable.Range(1, packs + 1).Select(a => (byte)a)],
        _ => [.. Enumerable.Range(1, packs).Select(a => (byte)a)],
    };

    /// <returns>The reply frame, or null when nobody on the bus answers.</returns>
    public static byte[]? Answer(string family, ReadOnlySpan<byte> frame, IReadOnlyList<PackSample> stack, ISimulatedBattery options, bool eg4Master = false)
    {
        ArgumentNullException.ThrowIfNull(stack);
        if (frame.Length < 2 || !ModbusCrc.Holds(frame))
        {
            return null;
        }

        byte slave = frame[0];
        if (!Addresses(family, stack.Count, eg4Master).Contains(slave))
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

        return ImageOf(family, slave, stack, options, eg4Master).Answer(request);
    }

    private static RegisterImage ImageOf(string family, byte slave, IReadOnlyList<PackSample> stack, ISimulatedBattery options, bool eg4Master) => family switch
    {
        "eg4-ll" when eg4Master && slave == 1 => Eg4LlReplyEncoder.Master(stack),
        "eg4-ll" when eg4Master => Eg4LlReplyEncoder.Pack(stack[slave - 2], options),
        "eg4-ll" => Eg4LlReplyEncoder.Pack(stack[slave - 1], options),
        "seplos-v3" when slave == 0 => SeplosV3ReplyEncoder.Pack(stack[0], options, stack),
        "seplos-v3" => SeplosV3ReplyEncoder.Pack(stack[slave - 1], options),
        "pace-modbus" => PaceModbusReplyEncoder.Pack(stack[slave - 1], options),
        _ => throw new ArgumentException($"no Modbus family {family}", nameof(family)),
    };
}

/// <summary>A Modbus family's simulated bus behind <see cref="Dialects.IBmsDialect.Replies"/>.</summary>
internal sealed class ModbusReplies(string family) : IReplyEncoder
{
    public byte[]? Answer(ReadOnlySpan<byte> request, ISimulatedBattery battery)
    {
        ArgumentNullException.ThrowIfNull(battery);
        return ModbusSlaves.Answer(family, request, battery.Sample(), battery);
    }

    /// <summary>The register maps hold 16 cells at most.</summary>
    public string? RefuseShape(int packs, int cells, int temperatures) =>
        cells > 16 ? $"cells={cells} is not allowed for {family}: its register map holds at most 16" : null;
}
