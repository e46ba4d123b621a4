namespace BmsPace.Protocol.Dialects.PaceModbus;

/// <summary>
/// A PACE board with its RS485 port set to PACE_MODBUS, written from PACE's "Modbus protocol for RS485" V1.3 table
/// (MODBUS.md section 1; decimal registers), not from BmsPace's decoder: registers 0-179, settings and reserved
/// registers read zero.
/// </summary>
internal static class PaceModbusReplyEncoder
{
    public static RegisterImage Pack(PackSample pack, ISimulatedBattery options)
    {
        var r = new ushort[180];
        r[0] = RegisterImage.Signed(RegisterImage.Round(pack.CurrentAmperes * 100));
        r[1] = (ushort)RegisterImage.Round(pack.PackMillivolts / 10.0);
        r[2] = (ushort)RegisterImage.Round(pack.StateOfCharge * 100);
        r[3] = (ushort)pack.StateOfHealthIn(100);
        r[4] = (ushort)RegisterImage.Round(pack.RemainingAmpHours * 100);
        r[5] = (ushort)RegisterImage.Round(pack.FullAmpHours * 100);
        r[6] = (ushort)RegisterImage.Round(pack.DesignAmpHours * 100);
        r[7] = (ushort)pack.CycleCount;

        // 9 warnings, 10 protections (none modelled); 11 faults and status: bits 8 charging, 9 discharging, 10 charge FET
        // on, 11 discharge FET on.
        r[9] = (ushort)pack.Flags(0, 16);
        r[10] = (ushort)pack.Flags(0, 16);
        r[11] = (ushort)pack.Flags((pack.Charging ? 1 << 8 : 0) | (pack.Discharging ? 1 << 9 : 0) | (1 << 10) | (1 << 11), 16);
        r[12] = (ushort)pack.BalancingBits;
        RegisterImage.Words(r, 15, pack.CellMillivolts, 16);

        // 31-34 cell sensors, 35 MOSFET, 36 environment, 0.1 C; the model keeps the same order.
        var temps = pack.TemperaturesCelsius;
        for (int i = 0; i < Math.Min(6, temps.Length); i++)
        {
            r[31 + i] = RegisterImage.Signed(RegisterImage.Round(temps[i] * 10));
        }

        var (bmsSerial, packSerial) = options.SerialsOf(pack.Number);
        RegisterImage.Text(r, 150, 10, options.SoftwareVersion);
        RegisterImage.Text(r, 160, 10, bmsSerial);
        RegisterImage.Text(r, 170, 10, packSerial);
        return new RegisterImage().Registers(ModbusFunction.ReadHoldingRegisters, 0, r);
    }
}
