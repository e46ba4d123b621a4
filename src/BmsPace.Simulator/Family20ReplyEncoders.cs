namespace BmsPace.Simulator;

/// <summary>Units shared by the 0x20 family's encoders (PROTOCOL.md 10.3 and 13).</summary>
internal static class Family20Units
{
    /// <summary>Temperatures in 0.1 K with 2731 for 0 degrees C (EG4, Seplos and Pylontech documents).</summary>
    public const int KelvinOffsetTenths = 2731;

    public static int Milli(double value) => (int)Math.Round(value * 1000, MidpointRounding.AwayFromZero);

    public static int Centi(double value) => (int)Math.Round(value * 100, MidpointRounding.AwayFromZero);

    public static int DeciKelvin(double celsius) => KelvinOffsetTenths + (int)Math.Round(celsius * 10, MidpointRounding.AwayFromZero);

    public static int Current(double amperes) => Math.Clamp(Centi(amperes), short.MinValue, short.MaxValue);

    /// <summary>The pack voltage in mV as the BMS adds its cells up.</summary>
    public static int PackMillivolts(PackSample pack) => pack.CellVoltagesVolts.Sum(Milli);

    /// <summary>Six sensors in the 0x20 order: cells 1-4, then environment, then MOSFET (the model keeps PACE's order).</summary>
    public static double[] EnvironmentBeforeMosfet(PackSample pack)
    {
        var t = pack.TemperaturesCelsius;
        return t.Length == 6 ? [t[0], t[1], t[2], t[3], t[5], t[4]] : [.. t];
    }

    /// <summary>Warning value bytes: 00 normal, 01 below the lower limit, 02 above the upper limit.</summary>
    public static int CellWarning(double volts) => Milli(volts) > 3600 ? 0x02 : Milli(volts) < 2800 ? 0x01 : 0x00;

    public static int TemperatureWarning(double celsius) => celsius > 50 ? 0x02 : celsius < 0 ? 0x01 : 0x00;

    public static int Balancing(PackSample pack) => pack.BalancingCells.Aggregate(0, (word, cell) => word | (1 << (cell - 1)));
}

/// <summary>
/// EG4 LifePower4 / LL replies (VER 0x20, CID1 0x4A), from PROTOCOL.md 13.1: one pack per answer (ADR selects it),
/// voltage in 10 mV, SOC and SOH in percent, no design capacity, and "4" temperature sensors followed by six values.
/// </summary>
public static class Eg4ReplyEncoder
{
    /// <summary>0x42 for one pack; <paramref name="group"/> is written as PACK GROUP.</summary>
    public static byte[] Analog(byte group, PackSample pack)
    {
        var w = new InfoWriter();
        int[] cells = [.. pack.CellVoltagesVolts.Select(Family20Units.Milli)];
        double[] temps = Family20Units.EnvironmentBeforeMosfet(pack);
        int full = Family20Units.Centi(pack.FullAmpHours);
        int remaining = Family20Units.Centi(pack.RemainingAmpHours);
        w.U8(0x10); // DATA_FLAG as captures show it
        w.U8(group);
        w.U8(cells.Length);
        foreach (int mv in cells)
        {
            w.U16(mv);
        }

        w.U8(4); // EG4 says 4 sensors and sends 6 (PROTOCOL.md 13.1)
        foreach (double t in temps)
        {
            w.U16(Family20Units.DeciKelvin(t));
        }

        w.S16(Family20Units.Current(pack.CurrentAmperes));
        w.U16((int)Math.Round(Family20Units.PackMillivolts(pack) / 10.0, MidpointRounding.AwayFromZero));
        w.U16(remaining);
        w.U16(full);
        w.U16(pack.CycleCount);
        w.U8(15); // user-defined count
        w.U16(full == 0 ? 0 : (int)Math.Round(remaining * 100.0 / full, MidpointRounding.AwayFromZero));
        w.U16(Math.Min(100, (int)Math.Round(pack.FullAmpHours * 100 / pack.DesignAmpHours, MidpointRounding.AwayFromZero)));
        w.U16(cells.Max());
        w.U16(cells.Min());
        w.U16(cells.Max() - cells.Min());
        double[] cellTemps = [.. temps.Take(4)];
        w.U16(Family20Units.DeciKelvin(cellTemps.Length > 0 ? cellTemps.Max() : 0));
        w.U16(Family20Units.DeciKelvin(cellTemps.Length > 0 ? cellTemps.Min() : 0));

        // Lifetime totals the model does not track, written as a pack of this age would show them.
        long throughput = (long)pack.CycleCount * full;
        w.U32(throughput);
        w.U32(throughput);
        w.U32(throughput * Family20Units.PackMillivolts(pack) / 100_000_000);
        w.U32(throughput * Family20Units.PackMillivolts(pack) / 100_000_000);
        w.U32(pack.CycleCount * 3L);
        w.U32(pack.CycleCount * 3L);
        w.U16(pack.CycleCount);
        w.U16(pack.CycleCount);
        return w.ToArray();
    }

    /// <summary>0x44 for one pack: alarms, events, FET and system status, 32-bit balance word (bit n = cell n + 1).</summary>
    public static byte[] Alarm(byte group, PackSample pack)
    {
        var w = new InfoWriter();
        w.U8(0x10);
        w.U8(group);
        w.U8(pack.CellVoltagesVolts.Length);
        foreach (double v in pack.CellVoltagesVolts)
        {
            w.U8(Family20Units.CellWarning(v));
        }

        double[] temps = Family20Units.EnvironmentBeforeMosfet(pack);
        w.U8(4);
        foreach (double t in temps)
        {
            w.U8(Family20Units.TemperatureWarning(t));
        }

        w.U8(0); // current alarm
        w.U8(0); // voltage alarm
        w.U8(9); // user-defined count
        w.U8(pack.Flags(0)); // balance event
        w.U8(pack.Flags(0)); // voltage event
        w.U16(pack.Flags(0, 16)); // temperature event
        w.U8(pack.Flags(0)); // current event
        w.U8(pack.Flags(pack.StateOfCharge < 0.22 ? 0x01 : 0x00)); // remaining-capacity alarm: bit 0 SOC low
        w.U8(pack.Flags(0x03)); // FET status: bit 0 discharge MOS, bit 1 charge MOS, both on
        int system = pack.Charging ? 0x02 : pack.Discharging && pack.CurrentAmperes < 0 ? 0x01 : 0x08;
        w.U8(pack.Flags(system)); // system status: bit 0 discharging, bit 1 charging, bit 3 standby
        w.U32(Family20Units.Balancing(pack));
        w.U8(0); // reserved
        return w.ToArray();
    }

    /// <summary>0x4D: year as two bytes, then month, day, hour, minute, second (PROTOCOL.md 12.5).</summary>
    public static byte[] DateTime(DateTime now)
    {
        var w = new InfoWriter();
        w.U16(now.Year);
        foreach (int part in new[] { now.Month, now.Day, now.Hour, now.Minute, now.Second })
        {
            w.U8(part);
        }

        return w.ToArray();
    }
}

/// <summary>
/// Seplos V2.0 replies (VER 0x20, CID1 0x46), from PROTOCOL.md 13.2: voltage in 10 mV, SOC and SOH in per mille,
/// rated capacity after SOC, port voltage and four reserved words; the alarm answer with its event and state bytes.
/// </summary>
public static class SeplosReplyEncoder
{
    public static byte[] Analog(byte group, PackSample pack)
    {
        var w = new InfoWriter();
        int full = Family20Units.Centi(pack.FullAmpHours);
        int remaining = Family20Units.Centi(pack.RemainingAmpHours);
        int design = Family20Units.Centi(pack.DesignAmpHours);
        int voltage = (int)Math.Round(Family20Units.PackMillivolts(pack) / 10.0, MidpointRounding.AwayFromZero);
        w.U8(0x00); // DATA FLAG
        w.U8(group);
        w.U8(pack.CellVoltagesVolts.Length);
        foreach (double v in pack.CellVoltagesVolts)
        {
            w.U16(Family20Units.Milli(v));
        }

        double[] temps = Family20Units.EnvironmentBeforeMosfet(pack);
        w.U8(temps.Length);
        foreach (double t in temps)
        {
            w.U16(Family20Units.DeciKelvin(t));
        }

        w.S16(Family20Units.Current(pack.CurrentAmperes));
        w.U16(voltage);
        w.U16(remaining);
        w.U8(10); // custom P
        w.U16(full);
        w.U16(full == 0 ? 0 : (int)Math.Round(remaining * 1000.0 / full, MidpointRounding.AwayFromZero)); // SOC in per mille
        w.U16(design);
        w.U16(pack.CycleCount);
        w.U16(design == 0 ? 0 : Math.Min(1000, (int)Math.Round(full * 1000.0 / design, MidpointRounding.AwayFromZero))); // SOH in per mille
        w.U16(voltage); // port voltage
        for (int i = 0; i < 4; i++)
        {
            w.U16(0);
        }

        return w.ToArray();
    }

    public static byte[] Alarm(byte group, PackSample pack)
    {
        var w = new InfoWriter();
        w.U8(0x00);
        w.U8(group);
        w.U8(pack.CellVoltagesVolts.Length);
        foreach (double v in pack.CellVoltagesVolts)
        {
            w.U8(Family20Units.CellWarning(v));
        }

        double[] temps = Family20Units.EnvironmentBeforeMosfet(pack);
        w.U8(temps.Length);
        foreach (double t in temps)
        {
            w.U8(Family20Units.TemperatureWarning(t));
        }

        w.U8(0); // current alarm
        w.U8(0); // voltage alarm
        w.U8(20); // custom P
        for (int i = 0; i < 6; i++)
        {
            w.U8(pack.Flags(0)); // alarm events 1-6
        }

        w.U8(pack.Flags(0x03)); // on/off state: bit 0 discharge switch, bit 1 charge switch
        int balance = Family20Units.Balancing(pack);
        w.U8(balance & 0xFF); // equilibrium state 1: cells 1-8
        w.U8((balance >> 8) & 0xFF); // equilibrium state 2: cells 9-16
        int system = pack.Charging ? 0x02 : pack.Discharging && pack.CurrentAmperes < 0 ? 0x01 : 0x10;
        w.U8(pack.Flags(system)); // system state: bit 0 discharge, bit 1 charge, bit 4 standby
        w.U8(0); // disconnection state 1
        w.U8(0); // disconnection state 2
        w.U8(pack.Flags(0)); // alarm event 7
        w.U8(pack.Flags(0)); // alarm event 8
        for (int i = 0; i < 6; i++)
        {
            w.U8(0); // reserved
        }

        return w.ToArray();
    }
}

/// <summary>
/// Pylontech-style replies (VER 0x20, CID1 0x46), from PROTOCOL.md 13.3: current in 100 mA, voltage in mV, capacities in mAh; above
/// 65 Ah P = 4, the 16-bit capacities are FFFF and 3-byte capacities follow the cycle count. No design capacity.
/// </summary>
public static class PylontechReplyEncoder
{
    public static byte[] Analog(byte command, PackSample pack)
    {
        var w = new InfoWriter();
        int remaining = (int)Math.Round(pack.RemainingAmpHours * 1000, MidpointRounding.AwayFromZero);
        int full = (int)Math.Round(pack.FullAmpHours * 1000, MidpointRounding.AwayFromZero);
        bool large = full > 0xFFFF;
        w.U8(0x11); // INFOFLAG
        w.U8(command);
        w.U8(pack.CellVoltagesVolts.Length);
        foreach (double v in pack.CellVoltagesVolts)
        {
            w.U16(Family20Units.Milli(v));
        }

        w.U8(pack.TemperaturesCelsius.Length);
        foreach (double t in pack.TemperaturesCelsius)
        {
            w.U16(Family20Units.DeciKelvin(t));
        }

        // Current in 100 mA, as the Pylon RS485 V3.3 document sends it (PROTOCOL.md 13.3: firmware dependent).
        w.S16(Math.Clamp((int)Math.Round(pack.CurrentAmperes * 10, MidpointRounding.AwayFromZero), short.MinValue, short.MaxValue));
        w.U16(Math.Min(0xFFFF, Family20Units.PackMillivolts(pack)));
        w.U16(large ? 0xFFFF : remaining);
        w.U8(large ? 4 : 2);
        w.U16(large ? 0xFFFF : full);
        w.U16(pack.CycleCount);
        if (large)
        {
            w.U24(remaining);
            w.U24(full);
        }

        return w.ToArray();
    }

    public static byte[] Alarm(byte command, PackSample pack)
    {
        var w = new InfoWriter();
        w.U8(0x11);
        w.U8(command);
        w.U8(pack.CellVoltagesVolts.Length);
        foreach (double v in pack.CellVoltagesVolts)
        {
            w.U8(Family20Units.CellWarning(v));
        }

        w.U8(pack.TemperaturesCelsius.Length);
        foreach (double t in pack.TemperaturesCelsius)
        {
            w.U8(Family20Units.TemperatureWarning(t));
        }

        w.U8(0); // charge current alarm
        w.U8(0); // module voltage alarm
        w.U8(0); // discharge current alarm
        w.U8(pack.Flags(0)); // status 1: protections
        w.U8(pack.Flags(0x06)); // status 2: bit 1 charge MOSFET, bit 2 discharge MOSFET
        int status3 = (pack.Charging ? 0x80 : 0) | (pack.Discharging && pack.CurrentAmperes < 0 ? 0x40 : 0) | (pack.StateOfCharge >= 0.99 ? 0x08 : 0);
        w.U8(pack.Flags(status3)); // status 3: bit 7 charging, bit 6 discharging, bit 3 fully charged
        w.U8(pack.Flags(0)); // status 4: cell faults 1-8
        w.U8(pack.Flags(0)); // status 5: cell faults 9-16
        return w.ToArray();
    }
}

/// <summary>The 0x20 family's identity answers (PROTOCOL.md 12.6).</summary>
public static class Family20IdentityEncoder
{
    /// <summary>0x51: device name (10 characters), software version (major, minor), manufacturer (20 characters).</summary>
    public static byte[] ManufacturerInfo(string deviceName, byte major, byte minor, string manufacturer)
    {
        var w = new InfoWriter();
        w.Ascii(deviceName, 10);
        w.U8(major);
        w.U8(minor);
        w.Ascii(manufacturer, 20);
        return w.ToArray();
    }

    /// <summary>0x93 (Pylontech): the command echoed, then a 16-character module serial.</summary>
    public static byte[] ModuleSerial(byte command, string serial)
    {
        var w = new InfoWriter();
        w.U8(command);
        w.Ascii(serial, 16);
        return w.ToArray();
    }
}
