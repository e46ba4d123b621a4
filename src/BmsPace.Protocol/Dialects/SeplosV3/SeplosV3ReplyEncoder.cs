namespace BmsPace.Protocol.Dialects.SeplosV3;

/// <summary>
/// A Seplos BMS 3.0 board, written from the XZH "BMS Modbus-RTU protocol" tables of MODBUS.md section 3 (not from
/// BmsPace's decoder): input registers PIA 0x1000, PIB 0x1100 and VIA 0x1700, coils PIC 0x1200, and for a pack at
/// address 0 the bank blocks EIA 0x2000 and EIC 0x2200.
/// </summary>
internal static class SeplosV3ReplyEncoder
{
    /// <summary>0.1 K with 2731.5 for 0 C (the document's offset).</summary>
    private static ushort DeciKelvin(double celsius) => (ushort)RegisterImage.Round(celsius * 10 + 2731.5);

    public static RegisterImage Pack(PackSample pack, ISimulatedBattery options, IReadOnlyList<PackSample>? bank = null)
    {
        var cellsMv = pack.CellMillivolts;
        var temps = pack.TemperaturesCelsius;
        double[] cellTemps = [.. temps.Take(Math.Min(4, temps.Length))];

        var pia = new ushort[0x12];
        pia[0x00] = (ushort)RegisterImage.Round(pack.PackMillivolts / 10.0);
        pia[0x01] = RegisterImage.Signed(RegisterImage.Round(pack.CurrentAmperes * 100));
        pia[0x02] = (ushort)RegisterImage.Round(pack.RemainingAmpHours * 100);
        pia[0x03] = (ushort)RegisterImage.Round(pack.FullAmpHours * 100);
        pia[0x04] = (ushort)RegisterImage.Round(pack.CycleCount * pack.FullAmpHours / 10);
        pia[0x05] = (ushort)RegisterImage.Round(pack.StateOfCharge * 1000);
        pia[0x06] = (ushort)pack.StateOfHealthIn(1000);
        pia[0x07] = (ushort)pack.CycleCount;
        pia[0x08] = (ushort)RegisterImage.Round(cellsMv.Average());
        pia[0x09] = DeciKelvin(cellTemps.DefaultIfEmpty(25).Average());
        pia[0x0A] = (ushort)cellsMv.Max();
        pia[0x0B] = (ushort)cellsMv.Min();
        pia[0x0C] = DeciKelvin(cellTemps.DefaultIfEmpty(25).Max());
        pia[0x0D] = DeciKelvin(cellTemps.DefaultIfEmpty(25).Min());
        pia[0x0F] = (ushort)RegisterImage.Round(pack.DesignAmpHours);
        pia[0x10] = (ushort)RegisterImage.Round(pack.DesignAmpHours);

        var pib = new ushort[0x1A];
        RegisterImage.Words(pib, 0, cellsMv, 16);

        // Sensor slots 0x1110-0x1117: cells on 1-4, the reserved slots read 2731; then ambient and power (MOSFET).
        for (int slot = 0; slot < 8; slot++)
        {
            pib[0x10 + slot] = slot < cellTemps.Length ? DeciKelvin(cellTemps[slot]) : (ushort)2731;
        }

        pib[0x18] = DeciKelvin(temps.Length > 5 ? temps[5] : 25);
        pib[0x19] = DeciKelvin(temps.Length > 4 ? temps[4] : 25);

        var via = new ushort[0x33];
        RegisterImage.Text(via, 0x00, 10, "XZH-ElecTech Co.,Ltd");
        RegisterImage.Text(via, 0x0A, 10, "SP16S-SIM");
        RegisterImage.Text(via, 0x14, 1, "15");
        var (bmsSerial, packSerial) = options.SerialsOf(pack.Number);
        RegisterImage.Text(via, 0x15, 15, bmsSerial);
        RegisterImage.Text(via, 0x24, 15, packSerial);

        var image = new RegisterImage()
            .Registers(ModbusFunction.ReadInputRegisters, 0x1000, pia)
            .Registers(ModbusFunction.ReadInputRegisters, 0x1100, pib)
            .Registers(ModbusFunction.ReadInputRegisters, 0x1700, via)
            .Coils(0x1200, Pic(pack));
        return bank is null ? image : image
            .Registers(ModbusFunction.ReadInputRegisters, 0x2000, Eia(bank))
            .Coils(0x2200, Pic(bank[0])[8..]);
    }

    /// <summary>PIC: 18 bytes of coils (MODBUS.md section 3).</summary>
    private static byte[] Pic(PackSample pack)
    {
        var pic = new byte[18];
        int balance = pack.BalancingBits;
        pic[6] = (byte)balance;
        pic[7] = (byte)(balance >> 8);
        pic[8] = (byte)(pack.Discharging ? 0x01 : pack.Charging ? 0x02 : 0x10);
        pic[15] = 0x03; // discharge and charge FETs on
        for (int i = 0; i < pic.Length; i++)
        {
            // Bytes 6 and 7 are the balancing cells, not alarms.
            pic[i] = i is 6 or 7 ? pic[i] : (byte)pack.Flags(pic[i]);
        }

        return pic;
    }

    /// <summary>EIA: 32-bit values low word first, current in 0.1 A.</summary>
    private static ushort[] Eia(IReadOnlyList<PackSample> bank)
    {
        var eia = new ushort[0x1A];
        void U32(int offset, long value)
        {
            eia[offset] = unchecked((ushort)value);
            eia[offset + 1] = unchecked((ushort)(value >> 16));
        }

        double remaining = bank.Sum(p => p.RemainingAmpHours);
        double full = bank.Sum(p => p.FullAmpHours);
        double design = bank.Sum(p => p.DesignAmpHours);
        U32(0x00, RegisterImage.Round(bank.Average(p => p.CellVoltagesVolts.Sum()) * 100));
        U32(0x02, RegisterImage.Round(bank.Sum(p => p.CurrentAmperes) * 10));
        U32(0x04, RegisterImage.Round(remaining * 100));
        U32(0x06, RegisterImage.Round(full * 100));
        U32(0x08, RegisterImage.Round(bank.Sum(p => p.CycleCount * p.FullAmpHours) / 10));
        U32(0x0A, RegisterImage.Round(design * 100));
        U32(0x0C, (1L << bank.Count) - 1);
        U32(0x10, RegisterImage.Round(bank.Sum(p => p.DesignAmpHours) * 10));
        U32(0x12, RegisterImage.Round(bank.Sum(p => p.DesignAmpHours) * 10));
        eia[0x14] = (ushort)RegisterImage.Round(bank[0].CellVoltagesVolts.Length * 3.6 * 10);
        eia[0x15] = (ushort)RegisterImage.Round(bank[0].CellVoltagesVolts.Length * 2.9 * 10);
        eia[0x16] = (ushort)bank.Count;
        eia[0x17] = (ushort)bank.Max(p => p.CycleCount);
        eia[0x18] = (ushort)RegisterImage.Round(1000 * remaining / full);
        eia[0x19] = (ushort)Math.Min(1000, RegisterImage.Round(1000 * full / design));
        return eia;
    }
}
