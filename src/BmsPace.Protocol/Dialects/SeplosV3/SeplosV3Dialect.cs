using static BmsPace.Protocol.Readings.FlagBits;

namespace BmsPace.Protocol.Dialects.SeplosV3;

/// <summary>
/// Seplos BMS 3.0 boards (XZH "BMS Modbus-RTU protocol" V0.1; MODBUS.md section 3): input registers (0x04) for the
/// live blocks PIA and PIB, coils (0x01) for the alarm block PIC, the identity block VIA, and at the bus master's
/// address (0) the bank blocks EIA and EIC, read as the stack's values.
/// </summary>
public sealed class SeplosV3Dialect : ModbusDialect
{
    private const int Pia = 0x1000;
    private const int Pib = 0x1100;
    private const int Pic = 0x1200;
    private const int Via = 0x1700;
    private const int Eia = 0x2000;
    private const int Eic = 0x2200;

    /// <summary>PIB slots 0x1110-0x1117 are cell sensors 1-8; 0x1114-0x1117 are reserved and read 2731 (0 C) when unused.</summary>
    private const int SensorSlots = 8;

    private const int UnusedSensorRaw = 2731;

    public override string Name => "seplos-v3";

    public override string Manufacturer => "Seplos";


    public override string SoldAs => "Seplos BMS 3.0 (Modbus RTU)";

    public override int DefaultBaudRate => 19200;

    public override ImmutableArray<ModbusBlock> Blocks { get; } =
    [
        new(CommandKind.Analog, ModbusFunction.ReadInputRegisters, Pia, 0x11),
        new(CommandKind.Analog, ModbusFunction.ReadInputRegisters, Pib, 0x1A),
        new(CommandKind.Alarm, ModbusFunction.ReadCoils, Pic, 0x90),
        new(CommandKind.SoftwareVersion, ModbusFunction.ReadInputRegisters, Via, 0x33),
        new(CommandKind.Analog, ModbusFunction.ReadInputRegisters, Eia, 0x1A, Stack: true),
        new(CommandKind.Alarm, ModbusFunction.ReadCoils, Eic, 0x50, Stack: true),
    ];

    public override ImmutableArray<FlagDefinition> Flags { get; } = BuildFlags();

    /// <summary>The 0.1 K temperatures with the offset of the document (MODBUS.md section 3).</summary>
    internal static double Celsius(int deciKelvin) => Math.Round((deciKelvin - 2731.5) / 10.0, 2);

    protected override void Map(ModbusReply reply, ModbusValues pack, ref ModbusValues? stack)
    {
        if (reply.Function == ModbusFunction.ReadCoils)
        {
            MapCoils(reply, pack, ref stack);
            return;
        }

        if (reply.Function != ModbusFunction.ReadInputRegisters)
        {
            throw new PaceProtocolException(FrameError.Decode, $"{Name} is read with functions 0x04 and 0x01, not 0x{(byte)reply.Function:X2}");
        }

        MapPia(reply, pack);
        MapPib(reply, pack);
        MapIdentity(reply, ModbusFunction.ReadInputRegisters, pack, ViaTexts);
        if (reply.Request.Start < Eia + 0x1A && reply.Request.End > Eia)
        {
            stack ??= new ModbusValues();
            MapEia(reply, stack);
        }
    }

    private static void MapPia(ModbusReply reply, ModbusValues pack)
    {
        bool Has(int register, int count = 1) => reply.Holds(ModbusFunction.ReadInputRegisters, register, count);

        if (Has(0x1000)) pack.VoltageVolts = reply.Word(0x1000) / 100.0;
        if (Has(0x1001)) pack.CurrentAmperes = reply.SignedWord(0x1001) / 100.0;
        if (Has(0x1002)) pack.RemainingAmpHours = reply.Word(0x1002) / 100.0;
        if (Has(0x1003)) pack.FullAmpHours = reply.Word(0x1003) / 100.0;
        if (Has(0x1004)) pack.Add("total_discharged_amp_hours", reply.Word(0x1004) * 10.0);
        if (Has(0x1005)) pack.StateOfChargeRatio = reply.Word(0x1005) / 1000.0;
        if (Has(0x1006)) pack.StateOfHealthRatio = reply.Word(0x1006) / 1000.0;
        if (Has(0x1007)) pack.CycleCount = reply.Word(0x1007);
        if (Has(0x1008)) pack.Add("average_cell_voltage_volts", reply.Word(0x1008) / 1000.0);
        if (Has(0x1009)) pack.Add("average_cell_temperature_celsius", Celsius(reply.Word(0x1009)));
        if (Has(0x100A)) pack.Add("max_cell_voltage_volts", reply.Word(0x100A) / 1000.0);
        if (Has(0x100B)) pack.Add("min_cell_voltage_volts", reply.Word(0x100B) / 1000.0);
        if (Has(0x100C)) pack.Add("max_cell_temperature_celsius", Celsius(reply.Word(0x100C)));
        if (Has(0x100D)) pack.Add("min_cell_temperature_celsius", Celsius(reply.Word(0x100D)));
        if (Has(0x100F)) pack.Add("max_discharge_current_amperes", reply.Word(0x100F));
        if (Has(0x1010)) pack.Add("max_charge_current_amperes", reply.Word(0x1010));
    }

    private static void MapPib(ModbusReply reply, ModbusValues pack)
    {
        if (reply.Holds(ModbusFunction.ReadInputRegisters, Pib, 16))
        {
            pack.CellVoltagesVolts = CellsOf(reply, Pib, 16);
        }

        if (reply.Holds(ModbusFunction.ReadInputRegisters, 0x1110, SensorSlots + 2))
        {
            // Slots that read exactly 2731 (0 C) are unused sensors (MODBUS.md, the SG16 capture): no reading, and
            // they keep their numbers so the ambient and power sensors stay 9 and 10.
            var slots = Enumerable.Range(0x1110, SensorSlots).Select(r => reply.Word(r) == UnusedSensorRaw ? double.NaN : Celsius(reply.Word(r)));
            pack.TemperaturesCelsius = [.. slots, Celsius(reply.Word(0x1118)), Celsius(reply.Word(0x1119))];
            pack.TemperatureRoles = [.. Enumerable.Repeat(TemperatureRole.Cell, SensorSlots), TemperatureRole.Environment, TemperatureRole.Mosfet];
        }
    }

    /// <summary>The texts of VIA.</summary>
    private static readonly IdentityText[] ViaTexts =
    [
        new(Via, 10, (pack, manufacturer) => pack.Manufacturer = manufacturer),
        new(0x170A, 10, (pack, model) => pack.DeviceName = model),
        new(0x1714, 1, (pack, version) => pack.SoftwareVersion = version),
        new(0x1715, 15, (pack, serial) => pack.BmsSerial = serial),
        new(0x1724, 15, (pack, serial) => pack.PackSerial = serial),
    ];

    /// <summary>The bank block: 32-bit values low word first (MODBUS.md section 3, the SG16 capture), current in 0.1 A.</summary>
    private static void MapEia(ModbusReply reply, ModbusValues stack)
    {
        bool Has(int register, int count = 1) => reply.Holds(ModbusFunction.ReadInputRegisters, register, count);

        if (Has(0x2000, 2)) stack.VoltageVolts = reply.LowWordFirst(0x2000) / 100.0;
        if (Has(0x2002, 2)) stack.CurrentAmperes = unchecked((int)reply.LowWordFirst(0x2002)) / 10.0;
        if (Has(0x2004, 2)) stack.RemainingAmpHours = reply.LowWordFirst(0x2004) / 100.0;
        if (Has(0x2006, 2)) stack.FullAmpHours = reply.LowWordFirst(0x2006) / 100.0;
        if (Has(0x2008, 2)) stack.Add("total_discharged_amp_hours", reply.LowWordFirst(0x2008) * 10.0);
        if (Has(0x200A, 2)) stack.DesignAmpHours = reply.LowWordFirst(0x200A) / 100.0;
        if (Has(0x200C, 2)) stack.AddStatus("online_packs", reply.LowWordFirst(0x200C));
        if (Has(0x200E, 2)) stack.AddStatus("protected_packs", reply.LowWordFirst(0x200E));
        if (Has(0x2010, 2)) stack.Add("max_discharge_current_amperes", reply.LowWordFirst(0x2010) / 10.0);
        if (Has(0x2012, 2)) stack.Add("max_charge_current_amperes", reply.LowWordFirst(0x2012) / 10.0);
        if (Has(0x2014)) stack.Add("suggested_max_voltage_volts", reply.Word(0x2014) / 10.0);
        if (Has(0x2015)) stack.Add("suggested_min_voltage_volts", reply.Word(0x2015) / 10.0);
        if (Has(0x2016)) stack.PackCount = reply.Word(0x2016);
        if (Has(0x2017)) stack.CycleCount = reply.Word(0x2017);
        if (Has(0x2018)) stack.StateOfChargeRatio = reply.Word(0x2018) / 1000.0;
        if (Has(0x2019)) stack.StateOfHealthRatio = reply.Word(0x2019) / 1000.0;
    }

    /// <summary>The names of PIC bytes 8-17, which EIC repeats for the bank.</summary>
    private static readonly string[] EventBytes =
    [
        "system_state", "voltage_event", "cell_temperature_event", "environment_event", "current_event",
        "latch_event", "soc_event", "fet_state", "equalisation_event", "fault_event",
    ];

    private static void MapCoils(ModbusReply reply, ModbusValues pack, ref ModbusValues? stack)
    {
        bool Has(int coil) => reply.Holds(ModbusFunction.ReadCoils, coil, 8) && (coil - reply.Request.Start) % 8 == 0;

        if (Enumerable.Range(0, 6).All(k => Has(Pic + 8 * k)))
        {
            // Bytes 0-5: per-cell low/high voltage alarms (cells 1-16) and per-sensor low/high temperature alarms
            // (sensors 1-8), written as the PACE warning codes 01 low, 02 high.
            int Word(int firstByte) => reply.CoilByte(Pic + 8 * firstByte) | (reply.CoilByte(Pic + 8 * (firstByte + 1)) << 8);
            int low = Word(0), high = Word(2);
            pack.CellWarnings = [.. Enumerable.Range(0, 16).Select(i => Code(low, high, i))];
            int tempLow = reply.CoilByte(Pic + 32), tempHigh = reply.CoilByte(Pic + 40);
            pack.TemperatureWarnings = [.. Enumerable.Range(0, SensorSlots).Select(i => Code(tempLow, tempHigh, i))];
        }

        if (Has(Pic + 48) && Has(Pic + 56))
        {
            int balance = reply.CoilByte(Pic + 48) | (reply.CoilByte(Pic + 56) << 8);
            pack.AddStatus("balance", balance);
            pack.BalancingCells = AlarmPack.CellsOfBits(balance, 16);
        }

        for (int k = 0; k < EventBytes.Length; k++)
        {
            if (Has(Pic + 64 + 8 * k))
            {
                pack.AddStatus(EventBytes[k], reply.CoilByte(Pic + 64 + 8 * k));
            }

            if (Has(Eic + 8 * k))
            {
                stack ??= new ModbusValues();
                stack.AddStatus(EventBytes[k], reply.CoilByte(Eic + 8 * k));
            }
        }
    }

    private static byte Code(int low, int high, int bit) =>
        ((high >> bit) & 1) != 0 ? (byte)0x02 : ((low >> bit) & 1) != 0 ? (byte)0x01 : (byte)0x00;

    protected override string? Implausibility(ModbusValues values) => CellSumImplausibility(values);

    private static ImmutableArray<FlagDefinition> BuildFlags()
    {
        return
        [
            .. Numbered(FlagFamily.Status, "system_state", (0, "discharging"), (1, "charging"), (2, "float_charging"), (3, "fully_charged"), (4, "standby"), (5, "shutdown")),
            .. WarningThenProtection("voltage_event", "cell_overvoltage", "cell_undervoltage", "pack_overvoltage", "pack_undervoltage"),
            .. WarningThenProtection("cell_temperature_event", "charge_overtemperature", "charge_undertemperature", "discharge_overtemperature", "discharge_undertemperature"),
            .. WarningThenProtection("environment_event", "environment_overtemperature", "environment_undertemperature", "mosfet_overtemperature"),
            .. Numbered(FlagFamily.Status, "environment_event", (6, "heating")),
            .. Numbered(FlagFamily.Warning, "current_event", (0, "charge_overcurrent"), (3, "discharge_overcurrent")),
            .. Numbered(FlagFamily.Protection, "current_event", (1, "charge_overcurrent"), (2, "charge_overcurrent_level_2"), (4, "discharge_overcurrent"), (5, "discharge_overcurrent_level_2"), (6, "short_circuit")),
            .. Numbered(FlagFamily.Warning, "soc_event", (2, "low_capacity"), (4, "cell_voltage_difference")),
            .. Numbered(FlagFamily.Protection, "soc_event", (3, "low_capacity")),
            .. Numbered(FlagFamily.Status, "fet_state", (0, "discharge_fet"), (1, "charge_fet"), (2, "current_limit"), (3, "heater")),
            .. Numbered(FlagFamily.Fault, "fault_event", (0, "temperature_sensor"), (1, "sampling"), (2, "charge_mosfet"), (3, "discharge_mosfet"), (4, "cell"), (5, "sensing_wire")),
        ];
    }

    /// <summary>The bank blocks are the bus master's, at address 0 (MODBUS.md section 3).</summary>
    protected override bool AnswersStackAt(byte slave) => slave == 0;

    /// <summary>One pack alone answers at 0 (with the bank blocks); several from 1.</summary>
    public override IReadOnlyList<byte> SimulatedSlaves(int packs, bool bankMaster) => packs == 1 ? [0] : base.SimulatedSlaves(packs, bankMaster);

    /// <summary>The pack at address 0 is the bus master and also answers the bank blocks.</summary>
    public override RegisterImage SimulatedImage(byte slave, int position, IReadOnlyList<PackSample> stack, ISimulatedBattery options, bool bankMaster) =>
        slave == 0 ? SeplosV3ReplyEncoder.Pack(stack[position], options, stack) : SeplosV3ReplyEncoder.Pack(stack[position], options);
}
