namespace BmsPace.Protocol.Readings;

public enum FlagFamily
{
    Protection,
    Warning,
    Fault,
    Status,
}

/// <summary>
/// One named bit of a status byte of an alarm answer. <see cref="Field"/> is the byte's snake_case name in its
/// dialect (<c>protect_state_1</c>, <c>fet_status</c>, <c>alarm_event_3</c>, ...); the same name keys
/// <see cref="AlarmPack.Status"/>.
/// </summary>
public sealed record FlagDefinition(FlagFamily Family, string Name, string Field, int Bit);

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

/// <summary>
/// How a dialect writes its flag table (<see cref="Dialects.IBmsDialect.Flags"/>), field by field in bit order, so
/// that the table's order is the order of the bits on the wire.
/// </summary>
public static class FlagBits
{
    /// <summary>One flag per named bit of <paramref name="field"/>, bit 0 first (null = an undefined bit).</summary>
    public static IEnumerable<FlagDefinition> ByPosition(string field, params (FlagFamily Family, string Name)?[] namesByBit)
    {
        for (int bit = 0; bit < namesByBit.Length; bit++)
        {
            if (namesByBit[bit] is { } flag)
            {
                yield return new FlagDefinition(flag.Family, flag.Name, field, bit);
            }
        }
    }

    /// <summary>The named bits of <paramref name="field"/> of one family, each at its number.</summary>
    public static IEnumerable<FlagDefinition> Numbered(FlagFamily family, string field, params (int Bit, string Name)[] bits) =>
        bits.Select(b => new FlagDefinition(family, b.Name, field, b.Bit));

    /// <summary>
    /// The event bytes of EG4, Seplos and Seplos V3: for each of <paramref name="names"/> in turn, a warning bit, then
    /// the protection bit of the same name, from bit 0.
    /// </summary>
    public static IEnumerable<FlagDefinition> WarningThenProtection(string field, params string[] names) => names.SelectMany((name, i) => new[]
    {
        new FlagDefinition(FlagFamily.Warning, name, field, 2 * i),
        new FlagDefinition(FlagFamily.Protection, name, field, (2 * i) + 1),
    });

    public static (FlagFamily, string)? Protection(string name) => (FlagFamily.Protection, name);

    public static (FlagFamily, string)? Warning(string name) => (FlagFamily.Warning, name);

    public static (FlagFamily, string)? Fault(string name) => (FlagFamily.Fault, name);

    public static (FlagFamily, string)? Status(string name) => (FlagFamily.Status, name);
}
