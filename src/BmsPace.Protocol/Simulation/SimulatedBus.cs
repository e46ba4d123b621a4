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
}

/// <summary>The names of <see cref="SimulatedBus"/> in <c>simulate --bus</c> and <c>simulator?bus=</c>.</summary>
public static class SimulatedBuses
{
    public static IReadOnlyList<string> Names { get; } = ["master", "own-address"];

    public static string Name(SimulatedBus bus) => bus == SimulatedBus.OwnAddress ? "own-address" : "master";

    public static bool TryParse(string? text, out SimulatedBus bus)
    {
        bus = string.Equals(text, "own-address", StringComparison.OrdinalIgnoreCase) ? SimulatedBus.OwnAddress : SimulatedBus.Master;
        return string.Equals(text, "own-address", StringComparison.OrdinalIgnoreCase) || string.Equals(text, "master", StringComparison.OrdinalIgnoreCase);
    }
}
