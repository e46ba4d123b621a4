using System.Globalization;

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

    /// <summary>Whether one request to the master answers for every pack; otherwise every pack is asked at its own address.</summary>
    public required bool MasterAnswersForEveryPack { get; init; }

    /// <summary>The lowest address a pack may have in a <c>packs</c> list (0 = a stand-alone pack).</summary>
    public required int LowestPackAddress { get; init; }

    /// <summary>The highest address (the DIP switches of these packs reach 15).</summary>
    public int HighestPackAddress { get; init; } = 15;

    /// <summary>What <c>packs: all</c> reads, in words for the configuration reference and messages.</summary>
    public required string AllPacksMeaning { get; init; }

    /// <summary>What is wrong with a <c>packs</c> list for dialect <paramref name="dialect"/> (empty when nothing is).</summary>
    public IEnumerable<string> Problems(IReadOnlyList<int> packs, string dialect)
    {
        ArgumentNullException.ThrowIfNull(packs);
        foreach (int pack in packs.Where(p => p < LowestPackAddress || p > HighestPackAddress))
        {
            yield return string.Create(CultureInfo.InvariantCulture, $"pack {pack} is out of range for protocol {dialect}; allowed: {LowestPackAddress} to {HighestPackAddress}");
        }

        if (LowestPackAddress == 0 && packs.Contains(0) && packs.Count > 1)
        {
            yield return "0 is the address of a stand-alone pack, which shares its bus with no other; allowed: [0] alone, or addresses from 1";
        }
    }

    /// <summary>The <c>pack</c> label of the pack at <paramref name="address"/> asked for itself (a stand-alone pack at 0 is pack 1).</summary>
    public static int PackNumberAt(int address) => Math.Max(1, address);
}
