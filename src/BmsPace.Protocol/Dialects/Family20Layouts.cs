namespace BmsPace.Protocol.Dialects;

/// <summary>
/// The parts of the 0x42/0x44 layouts every VER 0x20 dialect shares (PROTOCOL.md 13): the pack a block becomes. The
/// opening of each block (<see cref="PackBlockOpening"/>) is PACE's too; what follows, and the units, are each dialect's own.
/// </summary>
internal abstract partial class Family20Dialect
{
    /// <summary>The INFO of a one-pack answer after its two header bytes, DATA FLAG and the pack group (EG4, Seplos).</summary>
    protected static InfoReader AfterDataFlagAndGroup(ResponseFrame frame)
    {
        var reader = new InfoReader(frame.Info.AsSpan());
        reader.U8("DATA FLAG");
        reader.U8("pack group");
        return reader;
    }

    /// <summary>
    /// A pack of an analog block in SI units with what the three layouts agree on: no design capacity, no tail, the
    /// calculated state of charge; the dialect adds its own ratios and values with <c>with</c>.
    /// </summary>
    protected AnalogPack AnalogPackOf(int pack, PackBlockOpening.Analog opening, double currentAmperes, double voltageVolts, double remainingAh, double fullAh, int cycles, int userDefinedP) => new()
    {
        Pack = pack,
        Offline = opening.Offline,
        CellVoltagesVolts = opening.Cells,
        TemperaturesCelsius = opening.Temperatures,
        CurrentAmperes = currentAmperes,
        VoltageVolts = voltageVolts,
        RemainingAmpHours = remainingAh,
        FullAmpHours = fullAh,
        DesignAmpHours = null,
        CycleCount = cycles,
        UserDefinedP = userDefinedP,
        TailHex = "",
        Tail = null,
        StateOfChargeRatio = null,
        StateOfHealthRatio = null,
        StateOfChargeCalculatedRatio = opening.Offline ? null : Ratio(remainingAh, fullAh),
        StateOfHealthCalculatedRatio = null,
        TemperatureRoles = RolesOfSensors(opening.Temperatures.Length),
    };

    /// <summary>A pack of an alarm block, its flags named by this dialect's table.</summary>
    protected AlarmPack AlarmPackOf(int pack, (ImmutableArray<byte> Cells, ImmutableArray<byte> Temperatures) warnings, ImmutableArray<StatusField> status, ReadOnlySpan<byte> tail, ImmutableArray<int> balancingCells) => new()
    {
        Pack = pack,
        CellWarnings = warnings.Cells,
        TemperatureWarnings = warnings.Temperatures,
        TailHex = Convert.ToHexString(tail),
        Status = status,
        FlagDefinitions = Flags,
        BalancingCells = balancingCells,
    };
}
