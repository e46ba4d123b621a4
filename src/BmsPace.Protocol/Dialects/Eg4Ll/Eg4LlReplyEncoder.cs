namespace BmsPace.Protocol.Dialects.Eg4Ll;

/// <summary>
/// The holding registers of an EG4 LL pack and of an LL v2 bank master, written from the EG4-LL Modbus protocol
/// V01.06 table and the master map of MODBUS.md section 2 (not from BmsPace's decoder).
/// </summary>
internal static class Eg4LlReplyEncoder
{
    /// <summary>Registers 0-127: live block, settings (zero here) and identity.</summary>
    public static RegisterImage Pack(PackSample pack, ISimulatedBattery options)
    {
        var r = new ushort[128];
        r[0] = (ushort)RegisterImage.Round(pack.PackMillivolts / 10.0);
        r[1] = RegisterImage.Signed(RegisterImage.Round(pack.CurrentAmperes * 100));
        RegisterImage.Words(r, 2, pack.CellMillivolts, 16);

        // The model keeps PACE's sensor order: cells 1-4, MOSFET 5, environment 6.
        var temps = pack.TemperaturesCelsius;
        double[] cellTemps = [.. temps.Take(Math.Min(4, temps.Length))];
        double mosfet = temps.Length > 4 ? temps[4] : cellTemps.DefaultIfEmpty(25).Max();
        r[18] = RegisterImage.Signed(RegisterImage.Round(mosfet));
        r[19] = RegisterImage.Signed(RegisterImage.Round(cellTemps.DefaultIfEmpty(25).Average()));
        r[20] = RegisterImage.Signed(RegisterImage.Round(cellTemps.DefaultIfEmpty(25).Max()));
        r[21] = (ushort)RegisterImage.Round(pack.RemainingAmpHours);
        r[22] = (ushort)RegisterImage.Round(pack.DesignAmpHours);
        r[23] = (ushort)pack.StateOfHealthIn(100);
        r[24] = (ushort)RegisterImage.Round(100 * pack.StateOfCharge);
        // 25 status (bit 0 charging, 1 discharging), 26 warnings, 27 protections, 28 errors (none modelled).
        r[25] = (ushort)pack.Flags(pack.Charging ? 1 : pack.Discharging ? 2 : 0, 16);
        r[26] = (ushort)pack.Flags(0, 16);
        r[27] = (ushort)pack.Flags(0, 16);
        r[28] = (ushort)pack.Flags(0, 16);
        r[29] = (ushort)(pack.CycleCount >> 16);
        r[30] = (ushort)pack.CycleCount;
        long fullMilliampSeconds = (long)Math.Round(pack.FullAmpHours * 3_600_000);
        r[31] = (ushort)(fullMilliampSeconds >> 16);
        r[32] = (ushort)fullMilliampSeconds;
        for (int sensor = 0; sensor < cellTemps.Length; sensor++)
        {
            int value = (byte)(sbyte)Math.Clamp(RegisterImage.Round(cellTemps[sensor]), sbyte.MinValue, sbyte.MaxValue);
            r[33 + sensor / 2] |= (ushort)(sensor % 2 == 0 ? value << 8 : value);
        }

        r[36] = (ushort)pack.CellVoltagesVolts.Length;
        r[37] = (ushort)RegisterImage.Round(pack.DesignAmpHours * 10);
        r[38] = (ushort)pack.BalancingBits;
        RegisterImage.Text(r, 105, 12, $"LFP-51.2V{RegisterImage.Round(pack.DesignAmpHours)}Ah-SIM");
        RegisterImage.Text(r, 117, 3, "Z02T04");
        RegisterImage.Text(r, 120, 8, options.SerialsOf(pack.Number).BmsSerial);
        return new RegisterImage().Registers(ModbusFunction.ReadHoldingRegisters, 0, r);
    }

    /// <summary>
    /// A bank master (unit 1 of LL v2 / WallMount firmware): registers 0-18 zero, the bank in 19-38 with the
    /// remaining and full capacities wrapping at 65536 x 0.01 Ah, its own cells in 113-128.
    /// </summary>
    public static RegisterImage Master(IReadOnlyList<PackSample> bank)
    {
        var r = new ushort[129];
        double remaining = bank.Sum(p => p.RemainingAmpHours);
        double full = bank.Sum(p => p.FullAmpHours);
        r[19] = (ushort)((1 << 5) | (1 << 6));
        r[21] = (ushort)RegisterImage.Round(100 * remaining / full);
        r[22] = (ushort)bank.Min(p => RegisterImage.Round(p.CellVoltagesVolts.Sum() * 100));
        r[23] = RegisterImage.Signed(RegisterImage.Round(bank.Sum(p => p.CurrentAmperes) * 100));
        r[24] = RegisterImage.Signed(RegisterImage.Round(bank.Max(p => p.TemperaturesCelsius.DefaultIfEmpty(25).Max())));
        r[26] = unchecked((ushort)RegisterImage.Round(remaining * 100));
        r[27] = unchecked((ushort)RegisterImage.Round(full * 100));
        r[30] = (ushort)bank.Max(p => p.CycleCount);
        r[37] = (ushort)bank.Max(p => RegisterImage.Round(p.CellVoltagesVolts.Max() * 1000));
        r[38] = (ushort)bank.Min(p => RegisterImage.Round(p.CellVoltagesVolts.Min() * 1000));
        r[41] = (ushort)bank[0].CellVoltagesVolts.Length;
        for (int i = 0; i < Math.Min(16, bank[0].CellVoltagesVolts.Length); i++)
        {
            r[113 + i] = (ushort)RegisterImage.Round(bank[0].CellVoltagesVolts[i] * 1000);
        }

        return new RegisterImage().Registers(ModbusFunction.ReadHoldingRegisters, 0, r);
    }
}
