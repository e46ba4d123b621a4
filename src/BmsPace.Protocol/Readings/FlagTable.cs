using System.Collections.Immutable;

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

/// <summary>
/// The PACE flag table of METRICS.md (other dialects carry their own, <see cref="Dialects.IBmsDialect.Flags"/>): every defined bit, by family. Undefined bits are absent. protect_state_2 bit 7
/// ("Fully") is the status flag <c>fully_charged</c>, not a protection (PROTOCOL.md 11.2).
/// </summary>
public static class FlagTable
{
    public static ImmutableArray<FlagDefinition> All { get; } = Build();

    public static string ToLabel(this FlagFamily family) => family switch
    {
        FlagFamily.Protection => "protection",
        FlagFamily.Warning => "warning",
        FlagFamily.Fault => "fault",
        FlagFamily.Status => "status",
        _ => throw new ArgumentOutOfRangeException(nameof(family), family, "unknown flag family"),
    };

    private static ImmutableArray<FlagDefinition> Build()
    {
        var all = ImmutableArray.CreateBuilder<FlagDefinition>();
        void Byte(FlagFamily family, StatusByte source, params string?[] namesByBit)
        {
            for (int bit = 0; bit < namesByBit.Length; bit++)
            {
                if (namesByBit[bit] is { } name)
                {
                    all.Add(new FlagDefinition(family, name, source, bit));
                }
            }
        }

        Byte(FlagFamily.Protection, StatusByte.ProtectState1,
            "cell_overvoltage", "cell_undervoltage", "pack_overvoltage", "pack_undervoltage",
            "charge_overcurrent", "discharge_overcurrent", "short_circuit", "charger_overvoltage");
        Byte(FlagFamily.Protection, StatusByte.ProtectState2,
            "charge_overtemperature", "discharge_overtemperature", "charge_undertemperature", "discharge_undertemperature",
            "mosfet_overtemperature", "environment_overtemperature", "environment_undertemperature", null);
        Byte(FlagFamily.Warning, StatusByte.WarnState1,
            "cell_overvoltage", "cell_undervoltage", "pack_overvoltage", "pack_undervoltage",
            "charge_overcurrent", "discharge_overcurrent", null, null);
        Byte(FlagFamily.Warning, StatusByte.WarnState2,
            "charge_overtemperature", "discharge_overtemperature", "charge_undertemperature", "discharge_undertemperature",
            "environment_overtemperature", "environment_undertemperature", "mosfet_overtemperature", "low_capacity");
        Byte(FlagFamily.Fault, StatusByte.FaultState,
            "charge_mosfet", "discharge_mosfet", "temperature_sensor", "communication",
            "cell", "sampling", "current_limiting", "heating_film");
        Byte(FlagFamily.Status, StatusByte.InstructionState,
            "current_limit", "charge_fet", "discharge_fet", "discharging",
            "reverse_connection", "charging", "shutdown", "heater");
        Byte(FlagFamily.Status, StatusByte.ProtectState2, null, null, null, null, null, null, null, "fully_charged");
        return all.ToImmutable();
    }
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
