namespace BmsPace.Probe;

/// <summary>A serial device present on this machine, with the stable /dev/serial/by-id names that point to it.</summary>
internal sealed record SerialDevice(string Path, IReadOnlyList<string> ByIdNames)
{
    /// <summary>The name a configuration should use: the by-id link survives replugging and renumbering.</summary>
    public string PreferredPath => ByIdNames.Count > 0 ? ByIdNames[0] : Path;
}

/// <summary>A process that has a device open.</summary>
internal sealed record DeviceHolder(int ProcessId, string Name);

/// <summary>Finds the serial devices present (USB adapters, CDC-ACM, on-board UARTs) and who holds a device open.</summary>
internal static class SerialDevices
{
    private static readonly string[] Patterns = ["ttyUSB*", "ttyACM*", "ttyS*"];

    /// <summary>
    /// /dev/ttyUSB*, ttyACM* and ttyS* that exist, in that order; a ttyS without a UART behind it (the kernel reports
    /// type 0) is left out, as most PCs have 4-32 such nodes. Each carries the by-id names that resolve to it.
    /// </summary>
    public static IReadOnlyList<SerialDevice> Find()
    {
        var byId = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        const string byIdDirectory = "/dev/serial/by-id";
        if (Directory.Exists(byIdDirectory))
        {
            foreach (string link in Directory.GetFiles(byIdDirectory).Order(StringComparer.Ordinal))
            {
                string? target = Resolve(link);
                if (target is not null)
                {
                    (byId.TryGetValue(target, out var names) ? names : byId[target] = []).Add(link);
                }
            }
        }

        var devices = new List<SerialDevice>();
        foreach (string pattern in Patterns)
        {
            foreach (string path in Directory.GetFiles("/dev", pattern).OrderBy(NumberOf).ThenBy(p => p, StringComparer.Ordinal))
            {
                if (pattern == "ttyS*" && !HasUart(Path.GetFileName(path)))
                {
                    continue;
                }

                devices.Add(new SerialDevice(path, byId.GetValueOrDefault(path) ?? []));
            }
        }

        // A by-id link to a device none of the patterns names (rare, but it is what the user sees): keep it.
        foreach (var (target, names) in byId)
        {
            if (devices.All(d => d.Path != target) && File.Exists(target))
            {
                devices.Add(new SerialDevice(target, names));
            }
        }

        return devices;
    }

    /// <summary>
    /// The other processes that have <paramref name="path"/> (or what it links to) open, read from /proc/*/fd. A process
    /// that also holds /dev/ptmx is the server of a pseudo-terminal (socat, a simulator), not a rival user of it.
    /// </summary>
    public static IReadOnlyList<DeviceHolder> Holders(string path)
    {
        string? device = Resolve(path);
        if (device is null || !Directory.Exists("/proc"))
        {
            return [];
        }

        bool pseudoTerminal = device.StartsWith("/dev/pts/", StringComparison.Ordinal);
        int self = Environment.ProcessId;
        var holders = new List<DeviceHolder>();
        foreach (string process in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(process), out int pid) || pid == self)
            {
                continue;
            }

            string[] targets;
            try
            {
                targets = [.. Directory.EnumerateFileSystemEntries(Path.Combine(process, "fd")).Select(fd => new FileInfo(fd).LinkTarget ?? "")];
            }
            catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
            {
                // Another user's process, or one that just ended.
                continue;
            }

            if (targets.Contains(device) && !(pseudoTerminal && targets.Contains("/dev/ptmx")))
            {
                holders.Add(new DeviceHolder(pid, ProcessName(process)));
            }
        }

        return holders;
    }

    private static string ProcessName(string process)
    {
        try
        {
            return File.ReadAllText(Path.Combine(process, "comm")).Trim();
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            return "?";
        }
    }

    private static string? Resolve(string path)
    {
        try
        {
            var info = new FileInfo(path);
            if (info.LinkTarget is null)
            {
                return info.Exists ? info.FullName : null;
            }

            var target = info.ResolveLinkTarget(returnFinalTarget: true);
            return target is { Exists: true } ? target.FullName : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static bool HasUart(string name)
    {
        try
        {
            return File.ReadAllText($"/sys/class/tty/{name}/type").Trim() != "0";
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return true;
        }
    }

    private static int NumberOf(string path)
    {
        string digits = new([.. Path.GetFileName(path).Reverse().TakeWhile(char.IsAsciiDigit).Reverse()]);
        return int.TryParse(digits, out int number) ? number : int.MaxValue;
    }
}
