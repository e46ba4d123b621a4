namespace BmsPace.Protocol.Dialects.Pace;

/// <summary>What a PACE pack appends to its blocks and writes as P; it varies between firmwares (PROTOCOL.md 8.3, 10.4, 11.3).</summary>
/// <param name="TailBytes">Extra bytes after design capacity in each 0x42 block: 0, 1, 14 or 22.</param>
/// <param name="UserDefinedP">The "user-defined count" P, which does not describe the layout.</param>
/// <param name="AlarmTailBytes">Extra zero bytes after warn_state_2 in each 0x44 block.</param>
public sealed record PaceBlockShape(int TailBytes, int UserDefinedP, int AlarmTailBytes);

/// <summary>
/// Writes the INFO of PACE 0x25 replies from measured packs, following the documented layouts (PROTOCOL.md 10.2 for
/// 0x42, 11.2 for 0x44, 12 for identity, capacity, pack count and clock). Pure: the same packs give the same bytes.
/// </summary>
public static class PaceReplyEncoder
{
    /// <summary>Temperatures in 0.1 K with 2730 for 0 degrees C (PROTOCOL.md 10.3, PACE 0x25).</summary>
    public const int KelvinOffsetTenths = 2730;

    /// <summary>
    /// 0x42: INFOFLAG 00, then the pack count (answering COMMAND FF) or the echoed COMMAND, then one block per pack.
    /// <paramref name="stack"/> is every pack behind the master, for the summary capacities of the 22-byte tail.
    /// </summary>
    public static byte[] Analog(byte countOrEcho, IReadOnlyList<PackSample> blocks, IReadOnlyList<PackSample> stack, PaceBlockShape shape)
    {
        var writer = new InfoWriter();
        writer.U8(0x00);
        writer.U8(countOrEcho);
        foreach (var pack in blocks)
        {
            WriteAnalogBlock(writer, pack, stack, shape);
        }

        return writer.ToArray();
    }

    /// <summary>0x44: INFOFLAG 00, the pack count or echo, then one alarm block per pack.</summary>
    public static byte[] Alarm(byte countOrEcho, IReadOnlyList<PackSample> blocks, PaceBlockShape shape)
    {
        var writer = new InfoWriter();
        writer.U8(0x00);
        writer.U8(countOrEcho);
        foreach (var pack in blocks)
        {
            WriteAlarmBlock(writer, pack, shape);
        }

        return writer.ToArray();
    }

    /// <summary>0xC1: 20 ASCII characters, space padded.</summary>
    public static byte[] SoftwareVersion(string version)
    {
        var writer = new InfoWriter();
        writer.Ascii(version, 20);
        return writer.ToArray();
    }

    /// <summary>0xC2: BMS serial and pack serial, 20 ASCII characters each.</summary>
    public static byte[] Serials(string bmsSerial, string packSerial)
    {
        var writer = new InfoWriter();
        writer.Ascii(bmsSerial, 20);
        writer.Ascii(packSerial, 20);
        return writer.ToArray();
    }

    /// <summary>0x90: one byte.</summary>
    public static byte[] PackCount(int packs) => [(byte)packs];

    /// <summary>0xA6: remaining, full and design capacity of the pack spoken to, u16 in 10 mAh each.</summary>
    public static byte[] Capacity(PackSample pack)
    {
        var writer = new InfoWriter();
        writer.U16(Centi(pack.RemainingAmpHours));
        writer.U16(Centi(pack.FullAmpHours));
        writer.U16(Centi(pack.DesignAmpHours));
        return writer.ToArray();
    }

    /// <summary>0xB1: year - 2000, month, day, hour, minute, second.</summary>
    public static byte[] DateTime(DateTime now) =>
        [(byte)(now.Year - 2000), (byte)now.Month, (byte)now.Day, (byte)now.Hour, (byte)now.Minute, (byte)now.Second];

    private static int Centi(double value) => (int)Math.Round(value * 100, MidpointRounding.AwayFromZero);

    private static void WriteAnalogBlock(InfoWriter writer, PackSample pack, IReadOnlyList<PackSample> stack, PaceBlockShape shape)
    {
        var cellsMv = pack.CellMillivolts;
        int currentRaw = Math.Clamp(Centi(pack.CurrentAmperes), short.MinValue, short.MaxValue);
        int voltageMv = Math.Min(cellsMv.Sum(), 0xFFFF);
        int remainingRaw = Centi(pack.RemainingAmpHours);
        int fullRaw = Centi(pack.FullAmpHours);
        int designRaw = Centi(pack.DesignAmpHours);

        writer.U8(cellsMv.Length);
        foreach (int mv in cellsMv)
        {
            writer.U16(mv);
        }

        writer.U8(pack.TemperaturesCelsius.Length);
        foreach (double celsius in pack.TemperaturesCelsius)
        {
            writer.U16(KelvinOffsetTenths + (int)Math.Round(celsius * 10, MidpointRounding.AwayFromZero));
        }

        writer.S16(currentRaw);
        writer.U16(voltageMv);
        writer.U16(remainingRaw);
        writer.U8(shape.UserDefinedP);
        writer.U16(fullRaw);
        writer.U16(pack.CycleCount);
        writer.U16(designRaw);

        // The tail of PROTOCOL.md 10.4: SOC %, two cumulative fields, SOH %, independent voltage and current, summaries.
        if (shape.TailBytes >= 1)
        {
            writer.U8(fullRaw == 0 ? 0 : (int)Math.Round(remainingRaw * 100.0 / fullRaw, MidpointRounding.AwayFromZero));
        }

        if (shape.TailBytes >= 14)
        {
            // Real firmware fills both cumulative fields with the design capacity repeated (PROTOCOL.md 10.4).
            writer.U16(designRaw);
            writer.U16(designRaw);
            writer.U16(designRaw);
            writer.U16(designRaw);
            writer.U8(designRaw == 0 ? 0 : Math.Min(255, (int)Math.Round(fullRaw * 100.0 / designRaw, MidpointRounding.AwayFromZero)));
            writer.U16(Math.Max(0, voltageMv - 150));
            writer.S16(currentRaw);
        }

        if (shape.TailBytes >= 22)
        {
            writer.U32(stack.Sum(p => (long)Centi(p.RemainingAmpHours)));
            writer.U32(stack.Sum(p => (long)Centi(p.FullAmpHours)));
        }
    }

    private static void WriteAlarmBlock(InfoWriter writer, PackSample pack, PaceBlockShape shape)
    {
        var cellsMv = pack.CellMillivolts;

        // Warning value bytes: 00 normal, 01 below the lower limit, 02 above the upper limit.
        writer.U8(cellsMv.Length);
        foreach (int mv in cellsMv)
        {
            writer.U8(mv > 3600 ? 0x02 : mv < 2800 ? 0x01 : 0x00);
        }

        writer.U8(pack.TemperaturesCelsius.Length);
        foreach (double celsius in pack.TemperaturesCelsius)
        {
            writer.U8(celsius > 50 ? 0x02 : celsius < 0 ? 0x01 : 0x00);
        }

        // Instruction state: bits 1 and 2 both FETs on; bit 3 while discharging, bit 5 while charging (as captures show).
        int instruction = 0x06;
        if (pack.Discharging && pack.CurrentAmperes < 0)
        {
            instruction |= 0x08;
        }

        if (pack.Charging)
        {
            instruction |= 0x20;
        }

        int balance = pack.BalancingBits;

        int warn1 = 0;
        if (cellsMv.Length > 0 && cellsMv.Max() > 3550)
        {
            warn1 |= 0x01;
        }

        if (cellsMv.Length > 0 && cellsMv.Min() < 2900)
        {
            warn1 |= 0x02;
        }

        writer.U8(0); // charge current warning
        writer.U8(0); // pack voltage warning
        writer.U8(0); // discharge current warning
        writer.U8(pack.Flags(0)); // protect state 1
        writer.U8(pack.Flags(pack.StateOfCharge >= 0.99 ? 0x80 : 0x00)); // protect state 2, bit 7 "fully charged"
        writer.U8(pack.Flags(instruction));
        writer.U8(0); // control state
        writer.U8(pack.Flags(0)); // fault state
        writer.U8(balance & 0xFF); // cells 1-8
        writer.U8((balance >> 8) & 0xFF); // cells 9-16
        writer.U8(pack.Flags(warn1));
        writer.U8(pack.Flags(pack.StateOfCharge < 0.22 ? 0x80 : 0x00)); // warn state 2, bit 7 low capacity
        for (int i = 0; i < shape.AlarmTailBytes; i++)
        {
            writer.U8(0);
        }
    }
}

/// <summary>
/// A simulated PACE master: COMMAND FF (or no INFO, as EG4 sends) answers every pack, COMMAND n answers pack n, a pack
/// that does not exist stays silent (RS485), and 0xC2 at a pack's own address gives that pack's serials.
/// </summary>
internal sealed class PaceReplies() : AsciiReplyEncoder(0x46)
{
    /// <summary>On an own-address bus a pack answers a question in another VER with RTN 01 in its own header, as the PACE specification says.</summary>
    protected override AsciiAnswer? ReplyToOtherVersion(byte address, ISimulatedBattery battery) =>
        battery.Bus == SimulatedBus.OwnAddress && IsPackOnTheBus(address, battery) ? new AsciiAnswer(ReturnCodes.VersionError, []) : null;

    protected override AsciiAnswer? Reply(byte address, byte cid2, ReadOnlySpan<byte> info, ISimulatedBattery battery)
    {
        if (battery.Bus == SimulatedBus.OwnAddress)
        {
            return ReplyOnOwnAddressBus(address, cid2, info, battery);
        }

        return ReplyAsMaster(address, cid2, info, battery);
    }

    private static bool IsPackOnTheBus(byte address, ISimulatedBattery battery) => address >= 1 && address <= battery.Packs;

    /// <summary>
    /// <see cref="SimulatedBus.OwnAddress"/>: only pack ADR (1 to the pack count) answers; a 0x42/0x44 only with COMMAND
    /// ADR or 00 (never FF), and COMMAND 00 is answered as the pack's own.
    /// </summary>
    private static AsciiAnswer? ReplyOnOwnAddressBus(byte address, byte cid2, ReadOnlySpan<byte> info, ISimulatedBattery battery)
    {
        if (!IsPackOnTheBus(address, battery))
        {
            return null;
        }

        if (cid2 is 0x42 or 0x44 && (info.Length == 0 || (info[0] != address && info[0] != 0)))
        {
            return null;
        }

        return ReplyAsMaster(address, cid2, info.Length > 0 && info[0] == 0 ? [address] : info, battery);
    }

    private static AsciiAnswer? ReplyAsMaster(byte address, byte cid2, ReadOnlySpan<byte> info, ISimulatedBattery battery)
    {
        switch (cid2)
        {
            case 0x42 or 0x44:
            {
                byte command = info.Length > 0 ? info[0] : (byte)0xFF;
                var stack = battery.Sample();
                PackSample[] blocks;
                if (command == 0xFF)
                {
                    blocks = [.. stack];
                }
                else if (command <= battery.Packs)
                {
                    blocks = [stack[Math.Max(1, (int)command) - 1]];
                }
                else
                {
                    return null;
                }

                byte countOrEcho = command == 0xFF ? (byte)battery.Packs : command;
                var shape = new PaceBlockShape(battery.TailBytes, battery.UserDefinedP, battery.AlarmTailBytes);
                return new AsciiAnswer(0, cid2 == 0x42
                    ? PaceReplyEncoder.Analog(countOrEcho, blocks, stack, shape)
                    : PaceReplyEncoder.Alarm(countOrEcho, blocks, shape));
            }

            case 0xC1:
                return new AsciiAnswer(0, PaceReplyEncoder.SoftwareVersion(battery.SoftwareVersion));
            case 0xC2:
            {
                // 0xC2 describes the pack addressed (PROTOCOL.md 8.4): a pack of the stack at its own address answers
                // with its own serials; any other address gets the master's.
                var (bmsSerial, packSerial) = battery.SerialsOf(address >= 2 && address <= battery.Packs ? address : 1);
                return new AsciiAnswer(0, PaceReplyEncoder.Serials(bmsSerial, packSerial));
            }

            case 0x90:
                return new AsciiAnswer(0, PaceReplyEncoder.PackCount(battery.Packs));
            case 0xA6:
                return new AsciiAnswer(0, PaceReplyEncoder.Capacity(battery.Sample()[0]));
            case 0xB1:
                return new AsciiAnswer(0, PaceReplyEncoder.DateTime(battery.LocalNow));
            default:
                return Unknown;
        }
    }
}
