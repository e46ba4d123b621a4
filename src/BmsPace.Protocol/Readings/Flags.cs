namespace BmsPace.Protocol.Readings;

public enum FlagFamily
{
    Protection,
    Warning,
    Fault,
    Status,
}

public enum StatusByte
{
    ProtectState1,
    ProtectState2,
    WarnState1,
    WarnState2,
    FaultState,
    InstructionState,
}

/// <summary>
/// One named bit of a status byte of an alarm answer. <see cref="Field"/> is the byte's snake_case name in its
/// dialect (<c>protect_state_1</c>, <c>fet_status</c>, <c>alarm_event_3</c>, ...); the same name keys
/// <see cref="AlarmPack.Status"/>.
/// </summary>
public sealed record FlagDefinition(FlagFamily Family, string Name, string Field, int Bit)
{
    /// <summary>A bit of one of the PACE status bytes (METRICS.md flag table).</summary>
    public FlagDefinition(FlagFamily family, string name, StatusByte source, int bit)
        : this(family, name, source.ToField(), bit)
    {
    }

    /// <summary>The PACE status byte behind the flag, or null when <see cref="Field"/> is another dialect's byte.</summary>
    public StatusByte? PaceSource { get; } = StatusBytes.TryFromField(Field, out var source) ? source : null;

    /// <summary>The PACE status byte behind the flag; only for flags of the PACE table.</summary>
    /// <exception cref="InvalidOperationException">The flag belongs to another dialect's byte.</exception>
    public StatusByte Source => PaceSource ?? throw new InvalidOperationException($"{Field} is not a PACE status byte");
}

public static class StatusBytes
{
    /// <summary>The snake_case name of a PACE status byte, as CLI.md's JSON writes it.</summary>
    public static string ToField(this StatusByte source) => source switch
    {
        StatusByte.ProtectState1 => "protect_state_1",
        StatusByte.ProtectState2 => "protect_state_2",
        StatusByte.WarnState1 => "warn_state_1",
        StatusByte.WarnState2 => "warn_state_2",
        StatusByte.FaultState => "fault_state",
        StatusByte.InstructionState => "instruction_state",
        _ => throw new ArgumentOutOfRangeException(nameof(source), source, "unknown status byte"),
    };

    public static bool TryFromField(string field, out StatusByte source)
    {
        foreach (var candidate in Enum.GetValues<StatusByte>())
        {
            if (candidate.ToField() == field)
            {
                source = candidate;
                return true;
            }
        }

        source = default;
        return false;
    }
}

/// <summary>The <c>flag</c> family labels of METRICS.md.</summary>
public static class FlagFamilies
{
    public static string ToLabel(this FlagFamily family) => family switch
    {
        FlagFamily.Protection => "protection",
        FlagFamily.Warning => "warning",
        FlagFamily.Fault => "fault",
        FlagFamily.Status => "status",
        _ => throw new ArgumentOutOfRangeException(nameof(family), family, "unknown flag family"),
    };
}

/// <summary>The per-cell and per-sensor warning codes mapped to the <c>flag</c> label (METRICS.md).</summary>
public static class WarningCodes
{
    public static ImmutableArray<string> FlagNames { get; } = ["low", "high", "other"];

    /// <summary>01 low, 02 high, F0 and 80-EF other; 00 and undocumented codes set none.</summary>
    public static bool IsSet(byte code, string flag) => flag switch
    {
        "low" => code == 0x01,
        "high" => code == 0x02,
        "other" => code == 0xF0 || code is >= 0x80 and <= 0xEF,
        _ => false,
    };
}
