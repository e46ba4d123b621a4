using System.Globalization;

namespace BmsPace.Configuration;

/// <summary>
/// Lays environment variables and command-line flags over the file's tree before binding, so a value from any source
/// is checked by the same rules and its error names where it came from.
/// </summary>
internal static class ConfigOverlay
{
    public const string EnvironmentPrefix = "BMSPACE_";

    /// <summary><c>BMSPACE_INFLUXDB__URL</c> sets influxdb.url; <c>BMSPACE_BATTERIES__0__CONNECTION</c> sets batteries.0.connection.</summary>
    public static void ApplyEnvironment(ConfigMapping root, IReadOnlyDictionary<string, string> environment, List<string> errors)
    {
        var variables = environment
            .Where(pair => pair.Key.StartsWith(EnvironmentPrefix, StringComparison.Ordinal))
            .OrderBy(pair => pair.Key, StringComparer.Ordinal);
        foreach (var (name, value) in variables)
        {
            string[] segments = name[EnvironmentPrefix.Length..].ToLowerInvariant().Split("__");
            if (segments.Any(segment => segment.Length == 0))
            {
                errors.Add($"{name}: names no configuration key; allowed: BMSPACE_ followed by a key path with __ between levels, such as BMSPACE_INFLUXDB__URL or BMSPACE_BATTERIES__0__CONNECTION");
                continue;
            }

            SetPath(root, segments, name, new ConfigScalar(value, isNull: false, $"from {name}"), errors);
        }
    }

    /// <summary><c>--connect</c>: the connection of the single battery; with no batteries configured, a battery named main.</summary>
    public static void ApplyConnect(ConfigMapping root, string connect, string flag, List<string> errors) =>
        SetOnSingleBattery(root, "connection", connect, flag, errors);

    /// <summary><c>--protocol NAME</c>: the dialect of the single battery, like <c>--connect</c>.</summary>
    public static void ApplyProtocol(ConfigMapping root, string protocol, List<string> errors)
    {
        const string flag = "--protocol";
        string name = protocol.Trim().ToLowerInvariant();
        if (!ConfigBinder.Protocols.Contains(name, StringComparer.Ordinal))
        {
            errors.Add($"{flag}: '{protocol}' is not a protocol; allowed: {ConfigBinder.ProtocolsAllowed}");
            return;
        }

        SetOnSingleBattery(root, "protocol", name, flag, errors);
    }

    private static void SetOnSingleBattery(ConfigMapping root, string key, string text, string flag, List<string> errors)
    {
        string origin = $"from {flag}";
        var value = new ConfigScalar(text, isNull: false, origin);
        switch (root.Get("batteries"))
        {
            case null or ConfigScalar { IsNull: true }:
                var list = new ConfigSequence(origin);
                var battery = new ConfigMapping(origin);
                battery.Set(key, value);
                list.Items.Add(battery);
                root.Set("batteries", list);
                break;
            case ConfigSequence { Items.Count: 1 } single when single.Items[0] is ConfigMapping only:
                only.Set(key, value);
                if (key == "connection")
                {
                    // A flag's connection replaces the battery's whole link, a device given by path included.
                    only.Entries.RemoveAll(entry => entry.Key == "device");
                }

                break;
            case ConfigSequence { Items.Count: 0 } empty:
                var added = new ConfigMapping(origin);
                added.Set(key, value);
                empty.Items.Add(added);
                break;
            case ConfigSequence many when many.Items.Count > 1:
                errors.Add($"{flag}: the configuration has {many.Items.Count} batteries; allowed: {flag} only when one battery is configured");
                break;
            default:
                // The binder reports the malformed batteries entry itself.
                break;
        }
    }

    /// <summary><c>--listen HOST:PORT</c>: where /metrics is served; asking for it switches the endpoint on.</summary>
    public static void ApplyListen(ConfigMapping root, string listen, List<string> errors)
    {
        const string origin = "from --listen";
        if (ConfigBinder.HostPort(listen.Trim(), out _) is { } problem)
        {
            errors.Add($"--listen: {problem}; allowed: {ConfigKeys.HostPortAllowed}");
            return;
        }

        var prometheus = root.Get("prometheus") as ConfigMapping;
        if (prometheus is null)
        {
            if (root.Get("prometheus") is ConfigScalar { IsNull: false })
            {
                return;
            }

            prometheus = new ConfigMapping(origin);
            root.Set("prometheus", prometheus);
        }

        prometheus.Set("listen", new ConfigScalar(listen.Trim(), isNull: false, origin));
        prometheus.Set("enabled", new ConfigScalar("true", isNull: false, origin));
    }

    private static void SetPath(ConfigMapping root, string[] segments, string variable, ConfigScalar value, List<string> errors)
    {
        string origin = value.Origin;
        ConfigNode current = root;
        string path = "";
        for (int i = 0; i < segments.Length; i++)
        {
            bool last = i == segments.Length - 1;
            string segment = segments[i];
            ConfigNode? next = null;
            ConfigNode MakeContainer() =>
                last ? value : IsIndex(segments[i + 1]) ? new ConfigSequence(origin) : new ConfigMapping(origin);

            switch (current)
            {
                case ConfigMapping map:
                    next = map.Get(segment);
                    if (last || next is null || !Fits(next, segments[i + 1]))
                    {
                        next = MakeContainer();
                        map.Set(segment, next);
                    }

                    break;
                case ConfigSequence list:
                    if (!int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out int index) || index > list.Items.Count)
                    {
                        errors.Add($"{ConfigPath.Display(path)}: {variable} asks for entry '{segment}' of a list with {list.Items.Count} entries; allowed: an index from 0 to {list.Items.Count} ({origin})");
                        return;
                    }

                    if (index == list.Items.Count)
                    {
                        next = MakeContainer();
                        list.Items.Add(next);
                    }
                    else
                    {
                        next = list.Items[index];
                        if (last || !Fits(next, segments[i + 1]))
                        {
                            next = MakeContainer();
                            list.Items[index] = next;
                        }
                    }

                    break;
            }

            if (next is null)
            {
                return;
            }

            path = ConfigPath.Child(path, segment);
            current = next;
        }
    }

    private static bool IsIndex(string segment) => segment.All(char.IsAsciiDigit);

    private static bool Fits(ConfigNode node, string nextSegment) =>
        IsIndex(nextSegment) ? node is ConfigSequence : node is ConfigMapping;
}
