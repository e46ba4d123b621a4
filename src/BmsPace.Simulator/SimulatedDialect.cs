namespace BmsPace.Simulator;

/// <summary>
/// The protocol family a simulated pack speaks (PROTOCOL.md 1 and 13): its name as CLI.md spells it, and the VER and
/// CID1 of its frames. A pack answers only frames with its own VER and CID1, like a real one.
/// </summary>
public sealed record SimulatedDialect(string Name, byte Version, byte Cid1)
{
    public static SimulatedDialect Pace { get; } = new("pace", 0x25, 0x46);

    public static SimulatedDialect Eg4 { get; } = new("eg4", 0x20, 0x4A);

    public static SimulatedDialect Seplos { get; } = new("seplos", 0x20, 0x46);

    public static SimulatedDialect Pylontech { get; } = new("pylontech", 0x20, 0x46);

    /// <summary>The Modbus RTU families (MODBUS.md): no VER or CID1; their slaves are <see cref="Modbus.ModbusSlaves"/>.</summary>
    public static IReadOnlyList<SimulatedDialect> Modbus { get; } = [.. BmsPace.Simulator.Modbus.ModbusSlaves.Families.Select(name => new SimulatedDialect(name, 0, 0))];

    public static IReadOnlyList<SimulatedDialect> All { get; } = [Pace, Eg4, Seplos, Pylontech, .. Modbus];

    /// <summary>Whether this is a Modbus RTU family (answered by register maps, framed by CRC).</summary>
    public bool IsModbus => Modbus.Any(m => m.Name == Name);

    /// <summary>The dialect called <paramref name="name"/>, case-insensitive.</summary>
    public static bool TryFind(string? name, out SimulatedDialect dialect)
    {
        dialect = All.FirstOrDefault(d => string.Equals(d.Name, name, StringComparison.OrdinalIgnoreCase))!;
        return dialect is not null;
    }

    public override string ToString() => Name;
}
