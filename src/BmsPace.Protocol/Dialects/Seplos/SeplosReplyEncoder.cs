namespace BmsPace.Protocol.Dialects.Seplos;

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
        int voltage = (int)Math.Round(pack.PackMillivolts / 10.0, MidpointRounding.AwayFromZero);
        w.U8(0x00); // DATA FLAG
        w.U8(group);
        Family20Units.CellsAndTemperatures(w, pack.CellVoltagesVolts, Family20Units.EnvironmentBeforeMosfet(pack));
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
        Family20Units.Warnings(w, pack.CellVoltagesVolts, Family20Units.EnvironmentBeforeMosfet(pack));

        w.U8(0); // current alarm
        w.U8(0); // voltage alarm
        w.U8(20); // custom P
        for (int i = 0; i < 6; i++)
        {
            w.U8(pack.Flags(0)); // alarm events 1-6
        }

        w.U8(pack.Flags(0x03)); // on/off state: bit 0 discharge switch, bit 1 charge switch
        int balance = pack.BalancingBits;
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

/// <summary>A simulated Seplos pack: the group byte of 0x42/0x44 is echoed.</summary>
internal sealed class SeplosReplies() : Family20Replies(0x46)
{
    protected override byte[] Analog(byte address, byte echo, PackSample pack) => SeplosReplyEncoder.Analog(echo, pack);

    protected override byte[] Alarm(byte address, byte echo, PackSample pack) => SeplosReplyEncoder.Alarm(echo, pack);
}
