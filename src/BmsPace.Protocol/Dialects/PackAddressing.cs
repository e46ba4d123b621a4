namespace BmsPace.Protocol.Dialects;

/// <summary>
/// How a dialect reaches the packs of a battery (PROTOCOL.md 8.1, 8.2 and 13.4), and so what the configuration's
/// <c>address</c> and <c>packs</c> mean for it. Configuration validation, the poller and <c>probe</c> all ask this,
/// so the lines <c>probe</c> prints are the lines the program accepts and reads.
/// </summary>
public sealed record PackAddressing
{
    /// <summary>
    /// PACE: the master (DIP address 1, or the pack on the RS232 port, which answers any ADR) answers for every pack in
    /// one request (COMMAND FF). A listed pack n is asked at ADR n with COMMAND n (an RS485 bus without a master).
    /// </summary>
    public static PackAddressing MasterAnswersForTheStack { get; } = new()
    {
        MasterAnswersForEveryPack = true,
        LowestPackAddress = 1,
        AllPacksMeaning = "one request to the master at `address` (COMMAND FF) answers for every pack",
    };

    /// <summary>
    /// The 0x20 family: one pack per answer, each pack at its own ADR (0 is a stand-alone pack). <c>packs: all</c> reads
    /// the packs at consecutive addresses from <c>address</c> up, found by asking until one stays silent.
    /// </summary>
    public static PackAddressing EachPackAtItsAddress { get; } = new()
    {
        MasterAnswersForEveryPack = false,
        LowestPackAddress = 0,
        AllPacksMeaning = "every pack at consecutive addresses from `address` up (each answers for itself), found when polling starts",
    };

    /// <summary>
    /// The addresses some dialect of <paramref name="dialects"/> reaches: what <c>address</c> and <c>packs</c> may hold
    /// before the protocol is known (<c>auto</c>), each dialect checking its own range once it is.
    /// </summary>
    public static PackAddressing AnyOf(IEnumerable<IBmsDialect> dialects)
    {
        var each = dialects.Select(d => d.Addressing).ToList();
        return new PackAddressing
        {
            MasterAnswersForEveryPack = false,
            LowestPackAddress = each.Min(a => a.LowestPackAddress),
            HighestPackAddress = each.Max(a => a.HighestPackAddress),
            SelfAssignedAddresses = [.. each.SelectMany(a => a.SelfAssignedAddresses).Distinct().Order()],
            AllPacksMeaning = "",
        };
    }

    /// <summary>The dialects of <paramref name="dialects"/> whose packs may sit at self-assigned <paramref name="address"/>.</summary>
    public static IEnumerable<IBmsDialect> SelfAssigning(IEnumerable<IBmsDialect> dialects, int address) =>
        dialects.Where(d => d.Addressing.SelfAssignedAddresses.Contains(address));

    /// <summary>Whether one request to the master answers for every pack; otherwise every pack is asked at its own address.</summary>
    public required bool MasterAnswersForEveryPack { get; init; }

    /// <summary>The lowest address a pack may have in a <c>packs</c> list (0 = a stand-alone pack).</summary>
    public required int LowestPackAddress { get; init; }

    /// <summary>The highest address (the DIP switches of these packs reach 15).</summary>
    public int HighestPackAddress { get; init; } = 15;

    /// <summary>
    /// Addresses beyond the DIP range that packs take by themselves when no switch sets one (EG4's auto-ID packs sit at
    /// 64, MODBUS.md section 2); empty for most dialects.
    /// </summary>
    public IReadOnlyList<int> SelfAssignedAddresses { get; init; } = [];

    /// <summary>Every address a pack of this dialect can answer at, lowest first: <c>probe</c> asks them all.</summary>
    public IEnumerable<int> EveryAddress =>
        Enumerable.Range(0, HighestPackAddress + 1).Concat(SelfAssignedAddresses.Where(a => a > HighestPackAddress)).Distinct().Order();

    /// <summary>Whether a pack (or, for <c>address</c>, the BMS asked) can sit at <paramref name="address"/>.</summary>
    public bool Reaches(int address) => (address >= 0 && address <= HighestPackAddress) || SelfAssignedAddresses.Contains(address);

    /// <summary>The addresses a <c>packs</c> list may hold, in words: "1 to 15", "0 to 15 or 64".</summary>
    public string PackAddressesAllowed => Allowed(LowestPackAddress);

    /// <summary>The addresses <c>address</c> may take, in words: "0 to 15", "0 to 15 or 64".</summary>
    public string AddressesAllowed => Allowed(0);

    /// <summary>What <c>packs: all</c> reads, in words for the configuration reference and messages.</summary>
    public required string AllPacksMeaning { get; init; }

    /// <summary>What is wrong with a <c>packs</c> list for dialect <paramref name="dialect"/> (empty when nothing is).</summary>
    public IEnumerable<string> Problems(IReadOnlyList<int> packs, string dialect)
    {
        ArgumentNullException.ThrowIfNull(packs);
        foreach (int pack in packs.Where(p => p < LowestPackAddress || !Reaches(p)))
        {
            yield return string.Create(CultureInfo.InvariantCulture, $"pack {pack} is out of range for protocol {dialect}; allowed: {PackAddressesAllowed}");
        }

        if (LowestPackAddress == 0 && packs.Contains(0) && packs.Count > 1)
        {
            yield return "0 is the address of a stand-alone pack, which shares its bus with no other; allowed: [0] alone, or addresses from 1";
        }
    }

    /// <summary>What is wrong with <c>address</c> <paramref name="address"/> for dialect <paramref name="dialect"/> (null when nothing is).</summary>
    public string? AddressProblem(int address, string dialect) => Reaches(address)
        ? null
        : string.Create(CultureInfo.InvariantCulture, $"address {address} is out of range for protocol {dialect}; allowed: {AddressesAllowed}");

    private string Allowed(int lowest)
    {
        string range = string.Create(CultureInfo.InvariantCulture, $"{lowest} to {HighestPackAddress}");
        var beyond = SelfAssignedAddresses.Where(a => a > HighestPackAddress).Order().ToList();
        return beyond.Count == 0 ? range : $"{range} or {string.Join(" or ", beyond.Select(a => a.ToString(CultureInfo.InvariantCulture)))}";
    }

    /// <summary>The <c>pack</c> label of the pack at <paramref name="address"/> asked for itself (a stand-alone pack at 0 is pack 1).</summary>
    public static int PackNumberAt(int address) => Math.Max(1, address);
}
