namespace BmsPace.Protocol.Simulation;

/// <summary>
/// How a simulated pack of one dialect answers (<see cref="Dialects.IBmsDialect.Replies"/>): written from the dialect's
/// documents, never from our decoders, so the end-to-end tests check the decoders against an independent encoding.
/// </summary>
public interface IReplyEncoder
{
    /// <summary>
    /// The reply to one request, as the dialect's wire format cut it, from the battery's current state; null when a
    /// real pack would stay silent (a frame of another dialect, bytes that are no frame, a pack that does not exist).
    /// </summary>
    byte[]? Answer(ReadOnlySpan<byte> request, ISimulatedBattery battery);

    /// <summary>Why a battery of this shape cannot speak the dialect (a problem line for the options), or null.</summary>
    string? RefuseShape(int packs, int cells, int temperatures);

    /// <summary>Whether the packs can be placed at chosen addresses (<see cref="ISimulatedBattery.PackAddresses"/>): a bus where each answers its own.</summary>
    bool PlacesPacksAtAddresses => false;

    /// <summary>Whether a bus of this dialect can have a bank master that answers the bank's summary at its own address (<see cref="SimulatedBus.BankMaster"/>).</summary>
    bool HasBankMaster => false;
}

/// <summary>The simulated battery as a reply encoder reads it: its packs right now, its clock, and what it says about itself.</summary>
public interface ISimulatedBattery
{
    /// <summary>Packs behind the master (1-16).</summary>
    int Packs { get; }

    /// <summary>The VER requests must carry and replies carry (the dialect's own unless firmware reports another).</summary>
    byte Version { get; }

    /// <summary>How the packs share the line: a master answering for the stack, or an RS485 bus where each answers its own address.</summary>
    SimulatedBus Bus { get; }

    /// <summary>Extra bytes after design capacity in each analog block (PACE: 0, 1, 14 or 22; PROTOCOL.md 10.4).</summary>
    int TailBytes { get; }

    /// <summary>The "user-defined count" P written in every analog block (PROTOCOL.md 8.3).</summary>
    int UserDefinedP { get; }

    /// <summary>Extra zero bytes after the last status byte of each alarm block (PROTOCOL.md 11.3).</summary>
    int AlarmTailBytes { get; }

    /// <summary>The firmware text the pack reports.</summary>
    string SoftwareVersion { get; }

    /// <summary>The local time of the BMS clock.</summary>
    DateTime LocalNow { get; }

    /// <summary>Every pack as its BMS measures it at this moment (pack 1 first). Each call is one measurement.</summary>
    IReadOnlyList<PackSample> Sample();

    /// <summary>The serials pack <paramref name="pack"/> (1-based) reports for itself.</summary>
    (string BmsSerial, string PackSerial) SerialsOf(int pack);

    /// <summary>
    /// The slave address of each pack (pack 1 first) where the simulator was told where to place them (<c>simulate
    /// --addresses</c>); empty when the dialect places them itself.
    /// </summary>
    IReadOnlyList<byte> PackAddresses => [];
}
