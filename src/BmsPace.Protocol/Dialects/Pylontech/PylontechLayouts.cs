using static BmsPace.Protocol.Readings.FlagBits;

namespace BmsPace.Protocol.Dialects.Pylontech;

/// <summary>The Pylontech 0x42/0x44 layouts and status bits (Pylon RS232 V2.8, RS485 V3.3; PROTOCOL.md 13.3).</summary>
/// <remarks>
/// Units. The Pylon documents give capacities in mAh, with P = 4 meaning "the 16-bit remaining and full are FFFF, two
/// 3-byte fields follow the cycle count". Pylon-compatible firmware (the Itel pack of vector
/// <c>itel-issue58-42-v20</c>) keeps the Pylon field order with P = 2 but sends 10 mAh, as PACE does. The two are told
/// apart by INFOFLAG: the Pylon documents' frames carry 0x10/0x11, the compatible pack 0x00; a P = 4 block is always
/// mAh. Current: Pylon V3.3 documents 100 mA units (-4.0 A = 0xFFD8), so the mAh variant reads 100 mA and the 10 mAh
/// variant 10 mA like PACE. This is a field-test item (PROTOCOL.md 13.3 calls the current unit firmware dependent).
/// </remarks>
internal sealed partial class PylontechDialect
{
    private const int ThreeByteCapacitiesP = 4;
    private const int PlainCapacitiesP = 2;
    private const int StatusBytesCount = 5;

    /// <summary>Pylon's sensors are the BMS board, then averages of cell groups: none maps onto PACE's roles.</summary>
    public override TemperatureRole RoleOfSensor(int index, int count) => TemperatureRole.Unknown;

    protected override ImmutableArray<double> PlaceholderAmpHours { get; } =
        [Plausibility.PlaceholderMilliampHours, Plausibility.PlaceholderTenMilliampHours];

    /// <summary>
    /// INFOFLAG, COMMAND echo (or the module count when all modules were asked with FF), then per module: cells,
    /// temperatures (0.1 K), current, voltage (mV), remaining, P, full, cycles, and for P = 4 remaining and full as
    /// 3-byte mAh. No design capacity.
    /// </summary>
    internal override AnalogReading DecodeAnalogLayout(ResponseFrame frame, byte packByte, DecoderOptions options) =>
        ModuleCounts(frame, packByte).Select<int, Func<AnalogReading>>(modules => () => DecodeAnalogModules(frame, packByte, modules, options)).FirstFitting();

    internal override AlarmReading DecodeAlarmLayout(ResponseFrame frame, byte packByte, DecoderOptions options) =>
        ModuleCounts(frame, packByte).Select<int, Func<AlarmReading>>(modules => () => DecodeAlarmModules(frame, packByte, modules)).FirstFitting();

    /// <summary>
    /// After an all-modules request (FF) the second INFO byte is the module count; a single module that echoes its
    /// address instead is read too, so a frame decoded without its request (the default pack byte FF) still fits.
    /// </summary>
    private static int[] ModuleCounts(ResponseFrame frame, byte packByte)
    {
        if (packByte != RequestBuilder.AllPacks || frame.Info.Length < 2 || frame.Info[1] <= 1)
        {
            return [1];
        }

        return [frame.Info[1], 1];
    }

    private AnalogReading DecodeAnalogModules(ResponseFrame frame, byte packByte, int modules, DecoderOptions options)
    {
        var info = frame.Info.AsSpan();
        var reader = new InfoReader(info);
        int infoFlag = reader.U8("INFOFLAG");
        reader.U8("COMMAND");
        byte packNumbering = modules == 1 && packByte == RequestBuilder.AllPacks ? frame.Info[1] : packByte;
        bool pylonUnits = (infoFlag & 0x10) != 0;
        var packs = ImmutableArray.CreateBuilder<AnalogPack>(modules);
        for (int module = 0; module < modules; module++)
        {
            packs.Add(DecodeModule(ref reader, PackBlockOpening.PackNumber(packNumbering, module), pylonUnits, options));
        }

        if (reader.Remaining != 0)
        {
            throw DecodeError($"{reader.Remaining} bytes follow the last of {modules} module block(s); the {Name} layout ends at the cycle count (P = 2) or the 3-byte capacities (P = 4)");
        }

        return new AnalogReading(modules, packs.MoveToImmutable()) { Protocol = Name };
    }

    private AnalogPack DecodeModule(ref InfoReader reader, int packNumber, bool pylonUnits, DecoderOptions options)
    {
        var opening = PackBlockOpening.ReadAnalog(ref reader, options);
        int remaining = reader.U16("remaining capacity");
        int userDefinedP = reader.U8("user-defined count P");
        int full = reader.U16("full capacity");
        int cycles = reader.U16("cycle count");
        double remainingAh;
        double fullAh;
        double amperesPerUnit;
        switch (userDefinedP)
        {
            case ThreeByteCapacitiesP:
                int remaining24 = (reader.U8("remaining capacity (3 bytes)") << 16) | reader.U16("remaining capacity (3 bytes)");
                int full24 = (reader.U8("full capacity (3 bytes)") << 16) | reader.U16("full capacity (3 bytes)");
                remainingAh = remaining24 / 1000.0;
                fullAh = full24 / 1000.0;
                amperesPerUnit = 0.1;
                break;
            case PlainCapacitiesP:
                double ampHoursPerUnit = pylonUnits ? 0.001 : 0.01;
                remainingAh = Math.Round(remaining * ampHoursPerUnit, 3);
                fullAh = Math.Round(full * ampHoursPerUnit, 3);
                amperesPerUnit = pylonUnits ? 0.1 : 0.01;
                break;
            default:
                throw DecodeError($"user-defined count P is {userDefinedP}; the {Name} layout has 2 (16-bit capacities) or 4 (3-byte capacities)");
        }

        var pack = AnalogPackOf(packNumber, opening, Math.Round(opening.Current * amperesPerUnit, 2), opening.Voltage / 1000.0, remainingAh, fullAh, cycles, userDefinedP);
        return pack with { StateOfChargeRatio = pack.StateOfChargeCalculatedRatio };
    }

    /// <summary>
    /// INFOFLAG, COMMAND echo (or module count), then per module: cell alarms, temperature alarms, charge current,
    /// pack voltage and discharge current alarms, status 1-5; extra bytes after the last module are kept as its tail.
    /// </summary>
    private AlarmReading DecodeAlarmModules(ResponseFrame frame, byte packByte, int modules)
    {
        var info = frame.Info.AsSpan();
        var reader = new InfoReader(info);
        reader.U8("INFOFLAG");
        reader.U8("COMMAND");
        byte packNumbering = modules == 1 && packByte == RequestBuilder.AllPacks ? frame.Info[1] : packByte;
        var packs = ImmutableArray.CreateBuilder<AlarmPack>(modules);
        for (int module = 0; module < modules; module++)
        {
            var warnings = PackBlockOpening.ReadWarnings(ref reader);
            var status = ImmutableArray.CreateBuilder<StatusField>();
            status.Add(new("charge_current_alarm", reader.U8("charge current alarm")));
            status.Add(new("pack_voltage_alarm", reader.U8("pack voltage alarm")));
            status.Add(new("discharge_current_alarm", reader.U8("discharge current alarm")));
            for (int i = 1; i <= StatusBytesCount; i++)
            {
                status.Add(new(Invariant($"status_{i}"), reader.U8("status")));
            }

            bool last = module == modules - 1;

            // One trailing byte after status 5 is seen in captures (PROTOCOL.md 13.3); more is not this layout.
            if (last && reader.Remaining > 1)
            {
                throw DecodeError($"{reader.Remaining} bytes follow status 5 of the last module; the {Name} layout allows at most 1");
            }

            var tail = last ? reader.Bytes(reader.Remaining, "trailing bytes") : [];
            packs.Add(AlarmPackOf(PackBlockOpening.PackNumber(packNumbering, module), warnings, status.ToImmutable(), tail, []));
        }

        return new AlarmReading(modules, packs.MoveToImmutable()) { Protocol = Name };
    }

    /// <summary>The named bits of status 1-5 (Pylon RS485 V3.3); status 4 and 5 are the cell faults of cells 1-16.</summary>
    public override ImmutableArray<FlagDefinition> Flags { get; } =
    [
        .. ByPosition("status_1",
            Protection("pack_overvoltage"), Protection("cell_undervoltage"), Protection("charge_overcurrent"), null,
            Protection("discharge_overcurrent"), Protection("discharge_overtemperature"), Protection("charge_overtemperature"), Protection("pack_undervoltage")),
        .. ByPosition("status_2", Status("precharge_fet"), Status("charge_fet"), Status("discharge_fet"), Status("pack_power")),
        .. ByPosition("status_3",
            Status("buzzer"), null, null, Status("fully_charged"), null, Status("heater"), Status("discharging"), Status("charging")),
        .. Enumerable.Range(1, 16).Select(cell => new FlagDefinition(FlagFamily.Fault, Invariant($"cell_{cell}"), cell <= 8 ? "status_4" : "status_5", (cell - 1) % 8)),
    ];
}
