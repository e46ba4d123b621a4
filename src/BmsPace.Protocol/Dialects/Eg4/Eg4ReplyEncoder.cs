namespace BmsPace.Protocol.Dialects.Eg4;

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
        Family20Units.CellsAndTemperatures(w, pack.CellVoltagesVolts, temps, announcedSensors: 4); // EG4 says 4 sensors and sends 6 (PROTOCOL.md 13.1)

        w.S16(Family20Units.Current(pack.CurrentAmperes));
        w.U16((int)Math.Round(pack.PackMillivolts / 10.0, MidpointRounding.AwayFromZero));
        w.U16(remaining);
        w.U16(full);
        w.U16(pack.CycleCount);
        w.U8(15); // user-defined count
        w.U16(full == 0 ? 0 : (int)Math.Round(remaining * 100.0 / full, MidpointRounding.AwayFromZero));
        w.U16(pack.StateOfHealthIn(100));
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
        w.U32(throughput * pack.PackMillivolts / 100_000_000);
        w.U32(throughput * pack.PackMillivolts / 100_000_000);
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
        Family20Units.Warnings(w, pack.CellVoltagesVolts, Family20Units.EnvironmentBeforeMosfet(pack), announcedSensors: 4);
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
        w.U32(pack.BalancingBits);
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

/// <summary>A simulated EG4 pack: answers at its own address, no 0x4F, its clock on 0x4D, always six sensors.</summary>
internal sealed class Eg4Replies() : Family20Replies(0x4A)
{
    public override string? RefuseShape(int packs, int cells, int temperatures) =>
        temperatures != 6 ? $"temps={temperatures} is not allowed for eg4: an EG4 pack always sends six sensors" : null;

    protected override byte[] Analog(byte address, byte echo, PackSample pack) => Eg4ReplyEncoder.Analog(address, pack);

    protected override byte[] Alarm(byte address, byte echo, PackSample pack) => Eg4ReplyEncoder.Alarm(address, pack);

    protected override AsciiAnswer Other(byte cid2, byte echo, ISimulatedBattery battery) => cid2 switch
    {
        0x4D => new AsciiAnswer(0, Eg4ReplyEncoder.DateTime(battery.LocalNow)),
        _ => Unknown,
    };
}
