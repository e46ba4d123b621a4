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

    /// <summary>0x51 of the 0x20 family: device name, software version, manufacturer.</summary>
    ManufacturerInfo,

    /// <summary>0x4F of the 0x20 family: the protocol version, carried in the reply's VER.</summary>
    ProtocolVersion,

    /// <summary>0x93 of Pylontech: the module serial number.</summary>
    ModuleSerial,

    /// <summary>The bank blocks a bus master answers for the whole stack (Seplos V3's EIA and EIC at address 0).</summary>
    Stack,
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
        CommandKind.ManufacturerInfo => "manufacturer_info",
        CommandKind.ProtocolVersion => "protocol_version",
        CommandKind.ModuleSerial => "module_serial",
        CommandKind.Stack => "stack",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown command kind"),
    };

    /// <summary>
    /// The CID2 of a kind in PACE numbering (PROTOCOL.md section 9; the 0x20-family identity reads keep their own
    /// codes). A dialect may use another code for the same kind (EG4 reads its clock with 0x4D): ask
    /// <see cref="Dialects.IBmsDialect.Cid2Of"/> when the dialect is known.
    /// </summary>
    public static byte ToCid2(this CommandKind kind) => kind switch
    {
        CommandKind.Analog => 0x42,
        CommandKind.Alarm => 0x44,
        CommandKind.SoftwareVersion => 0xC1,
        CommandKind.SerialNumber => 0xC2,
        CommandKind.PackCount => 0x90,
        CommandKind.Capacity => 0xA6,
        CommandKind.DateTime => 0xB1,
        CommandKind.ManufacturerInfo => 0x51,
        CommandKind.ProtocolVersion => 0x4F,
        CommandKind.ModuleSerial => 0x93,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown command kind"),
    };

    /// <summary>Whether the request for this kind carries the one-byte COMMAND (pack selector) in INFO.</summary>
    public static bool CarriesPackByte(this CommandKind kind) => kind is CommandKind.Analog or CommandKind.Alarm;

    /// <summary>The kinds of the PACE dialect (every kind up to <see cref="CommandKind.DateTime"/>), in enum order.</summary>
    public static IReadOnlyList<CommandKind> All { get; } = [.. Enum.GetValues<CommandKind>().Where(k => k <= CommandKind.DateTime)];

    /// <summary>Every kind a frame can answer (<c>decode --command</c>): <see cref="All"/> plus the 0x20-family identity reads.</summary>
    public static IReadOnlyList<CommandKind> Every { get; } = [.. Enum.GetValues<CommandKind>().Where(k => k != CommandKind.Stack)];

    public static bool TryParse(string label, out CommandKind kind)
    {
        foreach (var candidate in Every)
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
}
