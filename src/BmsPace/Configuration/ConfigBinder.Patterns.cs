using System.Text.RegularExpressions;

namespace BmsPace.Configuration;

/// <summary>The text shapes the scalar parsers accept, compiled at build time (no runtime regex compilation under NativeAOT).</summary>
internal sealed partial class ConfigBinder
{
    [GeneratedRegex(@"^(?<amount>[-+]?[0-9]+(\.[0-9]+)?)\s*(?<unit>ms|s|m|h)?$")]
    private static partial Regex DurationPattern();

    [GeneratedRegex(@"^[A-Za-z0-9_.-]+$")]
    private static partial Regex BatteryNamePattern();

    [GeneratedRegex(@"^[A-Za-z0-9_-]+$")]
    private static partial Regex NodeIdPattern();

    [GeneratedRegex(@"^[A-Za-z0-9_.-]{1,64}$")]
    private static partial Regex ClientIdPattern();

    [GeneratedRegex(@"^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$")]
    private static partial Regex TopicPattern();
}
