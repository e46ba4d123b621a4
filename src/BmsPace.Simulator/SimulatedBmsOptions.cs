using BmsPace.Protocol.Dialects;
using BmsPace.Protocol.Simulation;

namespace BmsPace.Simulator;

/// <summary>What the simulated BMS looks like and how it behaves on the line.</summary>
public sealed record SimulatedBmsOptions
{
    private readonly byte? _version;

    /// <summary>Packs behind the master (1-16); COMMAND FF answers all of them.</summary>
    public int Packs { get; init; } = 3;

    /// <summary>Cells per pack (1-32; balancing bits cover cells 1-16).</summary>
    public int Cells { get; init; } = 16;

    /// <summary>Temperature sensors per pack (0-16; 6 = cells 1-4, MOSFET, environment).</summary>
    public int Temperatures { get; init; } = 6;

    /// <summary>Extra bytes after design capacity in each 0x42 block: 0, 1 (SOC), 14 or 22 (PROTOCOL.md 10.4).</summary>
    public int TailBytes { get; init; } = 14;

    /// <summary>Extra bytes after warn_state_2 in each 0x44 block (0 or 1 seen in captures).</summary>
    public int AlarmTailBytes { get; init; }

    /// <summary>The "user-defined count" P written in every 0x42 block; it does not describe the layout, as on real packs.</summary>
    public int UserDefinedP { get; init; } = 3;

    public int Seed { get; init; } = 1;

    /// <summary>The dialect the pack speaks (PROTOCOL.md 13), the registry's first unless chosen; it answers only its own frames.</summary>
    public IBmsDialect Dialect { get; init; } = BmsDialects.All[0];

    /// <summary>VER expected in requests and written in replies: the dialect's own unless firmware reports another.</summary>
    public byte Version
    {
        get => _version ?? Dialect.DefaultVersion;
        init => _version = value;
    }

    /// <summary>
    /// Every alarm and status bit of the dialect's 0x44 answer set, as a pack in the worst trouble would send them, so that
    /// an output can be seen to show every flag (<c>simulate --every-flag</c>); false = the bits the model's state raises.
    /// </summary>
    public bool EveryFlagRaised { get; init; }

    /// <summary>Nominal capacity of every pack.</summary>
    public double DesignAmpHours { get; init; } = 100;

    /// <summary>
    /// How the packs are wired: <see cref="SimulatedBus.Master"/> (the master, or the pack on the RS232 port, answers
    /// every ADR and COMMAND FF for the stack), <see cref="SimulatedBus.OwnAddress"/> (a PACE RS485 bus without a master)
    /// or <see cref="SimulatedBus.BankMaster"/> (an EG4 LL v2 bank whose unit 1 answers the bank's summary).
    /// </summary>
    public SimulatedBus Bus { get; init; } = SimulatedBus.Master;

    /// <summary>
    /// The slave address of each pack, pack 1 first (<c>simulate --addresses 2,3,4,64</c>), for a dialect whose packs each
    /// answer their own address; empty = where the dialect's documents place them. Its length is <see cref="Packs"/>.
    /// </summary>
    public IReadOnlyList<byte> Addresses { get; init; } = [];

    /// <summary>Line speed for pacing (10 bits per byte); 0 = bytes leave at once.</summary>
    public int BaudRate { get; init; }

    /// <summary>Time between a request having fully arrived and the first reply byte; null = 20 ms when paced, else 0.</summary>
    public TimeSpan? ThinkTime { get; init; }

    /// <summary>
    /// How much faster than real time the battery's day passes (1 = real time): the default 24 makes a day of solar
    /// charging and evening discharge last an hour.
    /// </summary>
    public double TimeScale { get; init; } = 24;

    /// <summary>The 0xC1 text (up to 20 characters).</summary>
    public string SoftwareVersion { get; init; } = "P16S100A-SIM01-1.00";

    public string BmsSerial { get; init; } = "SIMBMS0000000001";

    public string PackSerial { get; init; } = "SIMPACK000000000001";

    /// <summary>
    /// The serials pack <paramref name="pack"/> reports for itself: the master (pack 1) the configured ones, every other
    /// pack its own (the configured ones with the last two characters replaced by its number), as on an RS485 bus.
    /// </summary>
    public (string BmsSerial, string PackSerial) SerialsOf(int pack) =>
        pack <= 1 ? (BmsSerial, PackSerial) : (Numbered(BmsSerial, pack), Numbered(PackSerial, pack));

    private IEnumerable<string> AddressProblems()
    {
        string given = string.Join(",", Addresses);
        if (!Dialect.Replies.PlacesPacksAtAddresses)
        {
            yield return $"addresses={given} is not allowed for {Dialect.Name}: its packs answer where the dialect places them";
            yield break;
        }

        if (Bus == SimulatedBus.BankMaster)
        {
            yield return $"addresses={given} is not allowed with bus={SimulatedBuses.Name(Bus)}: a bank master places the packs itself";
        }

        if (Addresses.Count != Packs)
        {
            yield return $"addresses={given} places {Addresses.Count} packs, but packs={Packs}";
        }

        foreach (byte address in Addresses.Where(a => !Dialect.Addressing.Reaches(a)).Distinct())
        {
            yield return $"address {address} is not allowed for {Dialect.Name}: expected {Dialect.Addressing.AddressesAllowed}";
        }

        if (Addresses.Distinct().Count() != Addresses.Count)
        {
            yield return $"addresses={given} places two packs at one address";
        }
    }

    private static string Numbered(string serial, int pack) =>
        (serial.Length >= 2 ? serial[..^2] : serial) + pack.ToString("D2", System.Globalization.CultureInfo.InvariantCulture);

    public TimeSpan EffectiveThinkTime => ThinkTime ?? (BaudRate > 0 ? TimeSpan.FromMilliseconds(20) : TimeSpan.Zero);

    /// <summary>The problems with these options (empty when valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (Packs is < 1 or > 16)
        {
            problems.Add($"packs={Packs} is not allowed: expected 1 to 16");
        }

        if (Cells is < 1 or > 32)
        {
            problems.Add($"cells={Cells} is not allowed: expected 1 to 32");
        }

        if (Temperatures is < 0 or > 16)
        {
            problems.Add($"temps={Temperatures} is not allowed: expected 0 to 16");
        }

        if (TailBytes is not (0 or 1 or 14 or 22))
        {
            problems.Add($"tail={TailBytes} is not allowed: expected 0, 1, 14 or 22");
        }

        if (AlarmTailBytes is < 0 or > 5)
        {
            problems.Add($"alarm tail={AlarmTailBytes} is not allowed: expected 0 to 5");
        }

        if (UserDefinedP is < 0 or > 255)
        {
            problems.Add($"user-defined-p={UserDefinedP} is not allowed: expected 0 to 255");
        }

        if (BaudRate < 0)
        {
            problems.Add($"baud={BaudRate} is not allowed: expected 0 (no pacing) or more");
        }

        if (ThinkTime is { } think && think < TimeSpan.Zero)
        {
            problems.Add("think time must not be negative");
        }

        if (DesignAmpHours is <= 0 or > 600)
        {
            problems.Add($"design capacity {DesignAmpHours} Ah is not allowed: expected more than 0 and at most 600");
        }

        if (SimulatedBuses.Refusal(Bus, Dialect) is { } busRefusal)
        {
            problems.Add(busRefusal);
        }

        if (Addresses.Count > 0)
        {
            problems.AddRange(AddressProblems());
        }

        if (Dialect.Replies.RefuseShape(Packs, Cells, Temperatures) is { } refusal)
        {
            problems.Add(refusal);
        }

        return problems;
    }
}
