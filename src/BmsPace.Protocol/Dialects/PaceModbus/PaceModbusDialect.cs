using static BmsPace.Protocol.Readings.FlagBits;

namespace BmsPace.Protocol.Dialects.PaceModbus;

/// <summary>
/// PACE boards whose RS485 port is set to PACE_MODBUS in PbmsTools (PACE "Modbus protocol for RS485" V1.3, 2017;
/// MODBUS.md section 1): holding registers read with 0x03, one slave per pack (DIP address 1-15). Registers are
/// decimal in the document. No real reply has been published: this map is tested against the document only.
/// </summary>
public sealed class PaceModbusDialect() : HoldingRegisterDialect(
    LiveCount,
    new(150, 10, (pack, version) => pack.SoftwareVersion = version),
    new(160, 10, (pack, serial) => pack.BmsSerial = serial),
    new(170, 10, (pack, serial) => pack.PackSerial = serial))
{
    /// <summary>Registers 0-36: current to the environment sensor.</summary>
    private const int LiveCount = 37;

    public override string Name => "pace-modbus";

    public override string Manufacturer => "PACE";

    public override string SoldAs => "PACE boards whose RS485 port is set to PACE_MODBUS";

    public override ImmutableArray<FlagDefinition> Flags { get; } = BuildFlags();

    protected override void MapHoldingRegisters(ModbusReply reply, ModbusValues pack, ref ModbusValues? stack)
    {
        bool Has(int register, int count = 1) => reply.Holds(ModbusFunction.ReadHoldingRegisters, register, count);

        if (Has(0)) pack.CurrentAmperes = reply.SignedWord(0) / 100.0;
        if (Has(1)) pack.VoltageVolts = reply.Word(1) / 100.0;

        // SOC and SOH: the value is in the low byte (MODBUS.md section 1).
        if (Has(2)) pack.StateOfChargeRatio = (reply.Word(2) & 0xFF) / 100.0;
        if (Has(3)) pack.StateOfHealthRatio = (reply.Word(3) & 0xFF) / 100.0;
        if (Has(4)) pack.RemainingAmpHours = reply.Word(4) / 100.0;
        if (Has(5)) pack.FullAmpHours = reply.Word(5) / 100.0;
        if (Has(6)) pack.DesignAmpHours = reply.Word(6) / 100.0;
        if (Has(7)) pack.CycleCount = reply.Word(7);
        if (Has(9)) pack.AddStatus("warning", reply.Word(9));
        if (Has(10)) pack.AddStatus("protection", reply.Word(10));
        if (Has(11)) pack.AddStatus("status_fault", reply.Word(11));
        if (Has(15, 16)) pack.CellVoltagesVolts = CellsOf(reply, 15, 16);
        if (Has(12))
        {
            pack.AddStatus("balance", reply.Word(12));
            pack.BalancingCells = AlarmPack.CellsOfBits(reply.Word(12), pack.CellVoltagesVolts?.Length ?? 16);
        }

        if (Has(31, 6))
        {
            pack.TemperaturesCelsius = [.. Enumerable.Range(31, 6).Select(r => reply.SignedWord(r) / 10.0)];
            pack.TemperatureRoles = [.. Enumerable.Repeat(TemperatureRole.Cell, 4), TemperatureRole.Mosfet, TemperatureRole.Environment];
        }
    }

    /// <summary>
    /// MODBUS.md section 4: SOC and SOH within 100 % and cells that add up to the pack voltage; a board set to
    /// another RS485 protocol (Gobel's ModbusC1636) answers function 0x03 with another map and fails this.
    /// </summary>
    protected override string? Implausibility(ModbusValues values)
    {
        if (values.StateOfChargeRatio > 1 || values.StateOfHealthRatio > 1)
        {
            return $"SOC {values.StateOfChargeRatio:P0} or SOH {values.StateOfHealthRatio:P0} above 100 %";
        }

        return CellSumImplausibility(values);
    }

    private static ImmutableArray<FlagDefinition> BuildFlags()
    {
        (int, string)[] common =
        [
            (0, "cell_overvoltage"), (1, "cell_undervoltage"), (2, "pack_overvoltage"), (3, "pack_undervoltage"),
            (4, "charge_overcurrent"), (5, "discharge_overcurrent"), (8, "charge_overtemperature"),
            (9, "discharge_overtemperature"), (10, "charge_undertemperature"), (11, "discharge_undertemperature"),
        ];
        return
        [
            .. Numbered(FlagFamily.Warning, "warning", [.. common, (12, "environment_overtemperature"), (13, "environment_undertemperature"), (14, "mosfet_overtemperature"), (15, "low_capacity")]),
            .. Numbered(FlagFamily.Protection, "protection", [.. common, (6, "short_circuit"), (7, "charger_overvoltage"), (12, "mosfet_overtemperature"), (13, "environment_overtemperature"), (14, "environment_undertemperature")]),
            .. Numbered(FlagFamily.Fault, "status_fault", (0, "charge_mosfet"), (1, "discharge_mosfet"), (2, "temperature_sensor"), (4, "cell"), (5, "sampling")),
            .. Numbered(FlagFamily.Status, "status_fault", (8, "charging"), (9, "discharging"), (10, "charge_fet"), (11, "discharge_fet"), (12, "current_limit"), (14, "reverse_connection"), (15, "heater")),
        ];
    }

    public override RegisterImage SimulatedImage(byte slave, int position, IReadOnlyList<PackSample> stack, ISimulatedBattery options, bool bankMaster) =>
        PaceModbusReplyEncoder.Pack(stack[position], options);
}
