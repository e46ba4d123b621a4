using System.Collections.Immutable;
using BmsPace.Protocol.Dialects;
using BmsPace.Protocol.Readings;

namespace BmsPace.Outputs.Mqtt;

/// <summary>
/// What the discovery of a battery's packs takes from the dialect the poller uses: its name for the link state
/// (<c>protocol</c>), its maker for the discovery <c>manufacturer</c> and its flag table for the flag entities. Before
/// <c>protocol: auto</c> has found one, the name and maker say <c>unknown</c> rather than guess and no flag is
/// announced; the discovery is sent again once the dialect is known.
/// </summary>
internal static class PackMaker
{
    public const string Unknown = "unknown";

    public static string ProtocolOf(Polling.BatterySnapshot snapshot) => snapshot.Protocol ?? Unknown;

    public static string ManufacturerOf(string protocol) =>
        BmsDialects.TryFind(protocol, out var dialect) ? dialect.Manufacturer : protocol;

    /// <summary>The named bits of the dialect's alarm answers, the ones its packs can raise; none for an unknown dialect.</summary>
    public static ImmutableArray<FlagDefinition> FlagsOf(string protocol) =>
        BmsDialects.TryFind(protocol, out var dialect) ? dialect.Flags : [];
}
