namespace BmsPace.Protocol.Dialects.Pylontech;

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
        Family20Units.CellsAndTemperatures(w, pack.CellVoltagesVolts, pack.TemperaturesCelsius);

        // Current in 100 mA, as the Pylon RS485 V3.3 document sends it (PROTOCOL.md 13.3: firmware dependent).
        w.S16(Math.Clamp((int)Math.Round(pack.CurrentAmperes * 10, MidpointRounding.AwayFromZero), short.MinValue, short.MaxValue));
        w.U16(Math.Min(0xFFFF, pack.PackMillivolts));
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
        Family20Units.Warnings(w, pack.CellVoltagesVolts, pack.TemperaturesCelsius);

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

/// <summary>A simulated Pylontech module: the COMMAND byte is echoed, and 0x93 names the module serial.</summary>
internal sealed class PylontechReplies() : Family20Replies(0x46)
{
    protected override byte[] Analog(byte address, byte echo, PackSample pack) => PylontechReplyEncoder.Analog(echo, pack);

    protected override byte[] Alarm(byte address, byte echo, PackSample pack) => PylontechReplyEncoder.Alarm(echo, pack);

    protected override AsciiAnswer Other(byte cid2, byte echo, ISimulatedBattery battery) => cid2 switch
    {
        0x93 => new AsciiAnswer(0, Family20IdentityEncoder.ModuleSerial(echo, battery.SerialsOf(1).PackSerial)),
        _ => base.Other(cid2, echo, battery),
    };
}
