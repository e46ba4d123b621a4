namespace BmsPace.Protocol.Dialects.Pace;

/// <summary>
/// The PACE flag table of METRICS.md (other dialects carry their own, <see cref="Dialects.IBmsDialect.Flags"/>): every defined bit, by family. Undefined bits are absent. protect_state_2 bit 7
/// ("Fully") is the status flag <c>fully_charged</c>, not a protection (PROTOCOL.md 11.2).
/// </summary>
public static class PaceFlagTable
{
    public static ImmutableArray<FlagDefinition> All { get; } = Build();

    public static IEnumerable<FlagDefinition> Of(FlagFamily family) => All.Where(f => f.Family == family);

    private static ImmutableArray<FlagDefinition> Build()
    {
        var all = ImmutableArray.CreateBuilder<FlagDefinition>();
        void Byte(FlagFamily family, string field, params string?[] namesByBit)
        {
            for (int bit = 0; bit < namesByBit.Length; bit++)
            {
                if (namesByBit[bit] is { } name)
                {
                    all.Add(new FlagDefinition(family, name, field, bit));
                }
            }
        }

        Byte(FlagFamily.Protection, "protect_state_1",
            "cell_overvoltage", "cell_undervoltage", "pack_overvoltage", "pack_undervoltage",
            "charge_overcurrent", "discharge_overcurrent", "short_circuit", "charger_overvoltage");
        Byte(FlagFamily.Protection, "protect_state_2",
            "charge_overtemperature", "discharge_overtemperature", "charge_undertemperature", "discharge_undertemperature",
            "mosfet_overtemperature", "environment_overtemperature", "environment_undertemperature", null);
        Byte(FlagFamily.Warning, "warn_state_1",
            "cell_overvoltage", "cell_undervoltage", "pack_overvoltage", "pack_undervoltage",
            "charge_overcurrent", "discharge_overcurrent", null, null);
        Byte(FlagFamily.Warning, "warn_state_2",
            "charge_overtemperature", "discharge_overtemperature", "charge_undertemperature", "discharge_undertemperature",
            "environment_overtemperature", "environment_undertemperature", "mosfet_overtemperature", "low_capacity");
        Byte(FlagFamily.Fault, "fault_state",
            "charge_mosfet", "discharge_mosfet", "temperature_sensor", "communication",
            "cell", "sampling", "current_limiting", "heating_film");
        Byte(FlagFamily.Status, "instruction_state",
            "current_limit", "charge_fet", "discharge_fet", "discharging",
            "reverse_connection", "charging", "shutdown", "heater");
        Byte(FlagFamily.Status, "protect_state_2", null, null, null, null, null, null, null, "fully_charged");
        return all.ToImmutable();
    }
}
