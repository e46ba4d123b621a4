using System.Text;
using BmsPace.Protocol.Framing;
using BmsPace.Protocol.Simulation;

namespace BmsPace.Tests.MadeUpDialect;

/// <summary>
/// How a simulated lumen battery answers, written from <see cref="LumenDialect"/>'s layout description (not from its
/// decoder): one pack, cells in mV, temperatures in 0.1 K (offset 2731), current 10 mA, voltage 10 mV, capacities 10 mAh,
/// cycles; the alarm answer's status byte carries charge FET, discharge FET and charging (bits 3-5), or every flag.
/// </summary>
internal sealed class LumenReplies : IReplyEncoder
{
    public string? RefuseShape(int packs, int cells, int temperatures) => packs == 1 ? null : "a lumen battery is one pack";

    public byte[]? Answer(ReadOnlySpan<byte> request, ISimulatedBattery battery)
    {
        RequestFrame parsed;
        try
        {
            parsed = FrameDecoder.ParseRequest(Encoding.Latin1.GetString(request));
        }
        catch (PaceProtocolException)
        {
            return null;
        }

        if (parsed.Version != LumenDialect.Version || parsed.Cid1 != LumenDialect.DeviceType)
        {
            return null;
        }

        var pack = battery.Sample()[0];
        byte[]? info = parsed.Cid2 switch
        {
            0x42 => Analog(pack),
            0x44 => Alarm(pack),
            0x51 => Encoding.ASCII.GetBytes("Lumen lantern   "),
            _ => null,
        };
        return info is null
            ? null
            : Encoding.ASCII.GetBytes(FrameEncoder.EncodeResponse(LumenDialect.Version, parsed.Address, LumenDialect.DeviceType, 0, info));
    }

    private static byte[] Analog(PackSample pack)
    {
        var info = new List<byte> { (byte)pack.CellVoltagesVolts.Length };
        foreach (double volts in pack.CellVoltagesVolts)
        {
            Word(info, (int)Math.Round(volts * 1000));
        }

        info.Add((byte)pack.TemperaturesCelsius.Length);
        foreach (double celsius in pack.TemperaturesCelsius)
        {
            Word(info, (int)Math.Round(celsius * 10) + 2731);
        }

        Word(info, (ushort)(short)Math.Round(pack.CurrentAmperes * 100));
        Word(info, (int)Math.Round(pack.CellVoltagesVolts.Sum() * 100));
        Word(info, (int)Math.Round(pack.RemainingAmpHours * 100));
        Word(info, (int)Math.Round(pack.FullAmpHours * 100));
        Word(info, pack.CycleCount);
        return [.. info];
    }

    private static byte[] Alarm(PackSample pack)
    {
        var info = new List<byte> { (byte)pack.CellVoltagesVolts.Length };
        info.AddRange(new byte[pack.CellVoltagesVolts.Length]);
        info.Add((byte)pack.TemperaturesCelsius.Length);
        info.AddRange(new byte[pack.TemperaturesCelsius.Length]);
        int status = (1 << 3) | (1 << 4) | (pack.Charging ? 1 << 5 : 0);
        info.Add((byte)pack.Flags(status, 6));
        return [.. info];
    }

    private static void Word(List<byte> info, int value) => info.AddRange([(byte)(value >> 8), (byte)value]);
}
