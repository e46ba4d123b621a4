namespace BmsPace.Protocol.Commands;

/// <summary>The read requests the poller and <c>bmspace decode</c> know by name (CLI.md <c>--command</c> kinds).</summary>
public enum CommandKind
{
    Analog,
    Alarm,
    SoftwareVersion,
    SerialNumber,
    PackCount,
    Capacity,
    DateTime,
}

public static class CommandKinds
{
    /// <summary>The <c>command</c> label / <c>--command</c> name of a kind.</summary>
    public static string ToLabel(this CommandKind kind) => kind switch
    {
        CommandKind.Analog => "analog",
        CommandKind.Alarm => "alarm",
        CommandKind.SoftwareVersion => "software_version",
        CommandKind.SerialNumber => "serial_number",
        CommandKind.PackCount => "pack_count",
        CommandKind.Capacity => "capacity",
        CommandKind.DateTime => "datetime",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown command kind"),
    };

    /// <summary>The PACE 0x25 CID2 of a kind (PROTOCOL.md section 9).</summary>
    public static byte ToCid2(this CommandKind kind) => kind switch
    {
        CommandKind.Analog => 0x42,
        CommandKind.Alarm => 0x44,
        CommandKind.SoftwareVersion => 0xC1,
        CommandKind.SerialNumber => 0xC2,
        CommandKind.PackCount => 0x90,
        CommandKind.Capacity => 0xA6,
        CommandKind.DateTime => 0xB1,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown command kind"),
    };

    /// <summary>Whether the request for this kind carries the one-byte COMMAND (pack selector) in INFO.</summary>
    public static bool CarriesPackByte(this CommandKind kind) => kind is CommandKind.Analog or CommandKind.Alarm;

    public static IReadOnlyList<CommandKind> All { get; } = Enum.GetValues<CommandKind>();

    public static bool TryParse(string label, out CommandKind kind)
    {
        foreach (var candidate in All)
        {
            if (string.Equals(candidate.ToLabel(), label, StringComparison.Ordinal))
            {
                kind = candidate;
                return true;
            }
        }

        kind = default;
        return false;
    }

    public static bool TryFromCid2(byte cid2, out CommandKind kind)
    {
        foreach (var candidate in All)
        {
            if (candidate.ToCid2() == cid2)
            {
                kind = candidate;
                return true;
            }
        }

        kind = default;
        return false;
    }
}
