namespace BmsPace;

/// <summary>
/// Log categories that are not a class name, so that <c>debug_output</c> can switch each on by name
/// (<see cref="Hosting.BmsPaceHost.AddLogFilters"/>).
/// </summary>
public static class LogCategories
{
    /// <summary>Every frame sent and received (Debug, as text and hex) and the raw bytes read (Trace).</summary>
    public const string Frames = "BmsPace.Frames";

    /// <summary>The prefix of each battery's poller category (<c>BmsPace.Battery.garage</c>): link state, failures, decoding.</summary>
    public const string Battery = "BmsPace.Battery";

    /// <summary>The transports' own categories (connects, echoes, stale frames), one per transport class.</summary>
    public const string Transport = "BmsPace.Transport";
}
