namespace BmsPace.Sinks.Mqtt;

/// <summary>
/// The dialect name and maker of a battery's packs, for the link state (<c>protocol</c>) and the discovery
/// <c>manufacturer</c>. Snapshots do not name their dialect yet, so every battery is <c>pace</c>; once they do, only
/// <see cref="ProtocolOf"/> changes.
/// </summary>
internal static class PackMaker
{
    public static string ProtocolOf(Polling.BatterySnapshot snapshot) => "pace";

    public static string ManufacturerOf(string protocol) => protocol switch
    {
        "pace" => "PACE",
        "eg4" => "EG4",
        "seplos" => "Seplos",
        "pylontech" => "Pylontech",
        _ => protocol,
    };
}
