namespace BmsPace.Outputs.Mqtt;

/// <summary>
/// The dialect name and maker of a battery's packs, for the link state (<c>protocol</c>) and the discovery
/// <c>manufacturer</c>, from the dialect the poller uses. Before <c>protocol: auto</c> has found one, both say
/// <c>unknown</c> rather than guess; the link's discovery is sent again once the dialect is known.
/// </summary>
internal static class PackMaker
{
    public const string Unknown = "unknown";

    public static string ProtocolOf(Polling.BatterySnapshot snapshot) => snapshot.Protocol ?? Unknown;

    public static string ManufacturerOf(string protocol) => protocol switch
    {
        "pace" => "PACE",
        "eg4" => "EG4",
        "seplos" => "Seplos",
        "pylontech" => "Pylontech",
        _ => protocol,
    };
}
