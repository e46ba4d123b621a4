namespace BmsPace.Protocol.Simulation;

/// <summary>How simulated PACE packs share their line (PROTOCOL.md 8.1).</summary>
public enum SimulatedBus
{
    /// <summary>The pack on the port is the master: it answers any ADR, COMMAND FF for the whole stack (RS232).</summary>
    Master,

    /// <summary>
    /// An RS485 bus of packs without a master: pack n answers only ADR n, a 0x42/0x44 only with COMMAND n or 00 (never
    /// FF), and a question in another VER with RTN 01 (version error) in its own VER 25 header, as the PACE
    /// specification says.
    /// </summary>
    OwnAddress,

    /// <summary>
    /// A Modbus bank whose unit 1 is a bank master (EG4 LL v2 / WallMount firmware): it answers the bank's summary at its
    /// own address (registers 0-18 zero), and the packs answer their own from address 2.
    /// </summary>
    BankMaster,
}

/// <summary>The names of <see cref="SimulatedBus"/> in <c>simulate --bus</c> and <c>simulator?bus=</c>.</summary>
public static class SimulatedBuses
{
    public static IReadOnlyList<string> Names { get; } = ["master", "own-address", "bank-master"];

    public static string Name(SimulatedBus bus) => bus switch
    {
        SimulatedBus.OwnAddress => "own-address",
        SimulatedBus.BankMaster => "bank-master",
        _ => "master",
    };

    public static bool TryParse(string? text, out SimulatedBus bus)
    {
        foreach (var candidate in Enum.GetValues<SimulatedBus>())
        {
            if (string.Equals(text, Name(candidate), StringComparison.OrdinalIgnoreCase))
            {
                bus = candidate;
                return true;
            }
        }

        bus = SimulatedBus.Master;
        return false;
    }

    /// <summary>Why a battery of <paramref name="dialect"/> cannot be simulated on <paramref name="bus"/>, or null.</summary>
    public static string? Refusal(SimulatedBus bus, Dialects.IBmsDialect dialect)
    {
        ArgumentNullException.ThrowIfNull(dialect);
        return bus switch
        {
            SimulatedBus.OwnAddress when !dialect.Addressing.MasterAnswersForEveryPack =>
                $"bus=own-address is not allowed for {dialect.Name}: its packs already answer only their own address",
            SimulatedBus.BankMaster when !dialect.Replies.HasBankMaster =>
                $"bus=bank-master is not allowed for {dialect.Name}: its packs have no bank master that answers the bank's summary",
            _ => null,
        };
    }
}
