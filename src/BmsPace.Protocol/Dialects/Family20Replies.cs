namespace BmsPace.Protocol.Dialects;

/// <summary>Units shared by the 0x20 family's encoders (PROTOCOL.md 10.3 and 13).</summary>
internal static class Family20Units
{
    /// <summary>Temperatures in 0.1 K with 2731 for 0 degrees C (EG4, Seplos and Pylontech documents).</summary>
    public const int KelvinOffsetTenths = 2731;

    public static int Milli(double value) => (int)Math.Round(value * 1000, MidpointRounding.AwayFromZero);

    public static int Centi(double value) => (int)Math.Round(value * 100, MidpointRounding.AwayFromZero);

    public static int DeciKelvin(double celsius) => KelvinOffsetTenths + (int)Math.Round(celsius * 10, MidpointRounding.AwayFromZero);

    public static int Current(double amperes) => Math.Clamp(Centi(amperes), short.MinValue, short.MaxValue);

    /// <summary>Six sensors in the 0x20 order: cells 1-4, then environment, then MOSFET (the model keeps PACE's order).</summary>
    public static double[] EnvironmentBeforeMosfet(PackSample pack)
    {
        var t = pack.TemperaturesCelsius;
        return t.Length == 6 ? [t[0], t[1], t[2], t[3], t[5], t[4]] : [.. t];
    }

    /// <summary>Warning value bytes: 00 normal, 01 below the lower limit, 02 above the upper limit.</summary>
    public static int CellWarning(double volts) => Milli(volts) > 3600 ? 0x02 : Milli(volts) < 2800 ? 0x01 : 0x00;

    public static int TemperatureWarning(double celsius) => celsius > 50 ? 0x02 : celsius < 0 ? 0x01 : 0x00;

    /// <summary>
    /// The opening of a 0x42 block after its two header bytes: the cell count and voltages (mV), then the sensor count
    /// (<paramref name="announcedSensors"/> where a dialect says fewer than it sends) and temperatures (0.1 K).
    /// </summary>
    public static void CellsAndTemperatures(InfoWriter w, IReadOnlyCollection<double> cellVolts, IReadOnlyCollection<double> celsius, int? announcedSensors = null)
    {
        Counted(w, cellVolts, null, volts => w.U16(Milli(volts)));
        Counted(w, celsius, announcedSensors, t => w.U16(DeciKelvin(t)));
    }

    /// <summary>The opening of a 0x44 block after its two header bytes: each cell's warning, then each sensor's, after their counts.</summary>
    public static void Warnings(InfoWriter w, IReadOnlyCollection<double> cellVolts, IReadOnlyCollection<double> celsius, int? announcedSensors = null)
    {
        Counted(w, cellVolts, null, volts => w.U8(CellWarning(volts)));
        Counted(w, celsius, announcedSensors, t => w.U8(TemperatureWarning(t)));
    }

    /// <summary>A count byte (the one announced, else how many follow), then each value as <paramref name="write"/> writes it.</summary>
    private static void Counted(InfoWriter w, IReadOnlyCollection<double> values, int? announced, Action<double> write)
    {
        w.U8(announced ?? values.Count);
        foreach (double value in values)
        {
            write(value);
        }
    }
}

/// <summary>The 0x20 family's identity answers (PROTOCOL.md 12.6).</summary>
internal static class Family20IdentityEncoder
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

/// <summary>
/// How a simulated pack of the 0x20 family answers (PROTOCOL.md 12.6 and 13): one pack per answer, chosen by ADR (RS485:
/// pack n answers its own address n, 1 to the pack count; no pack of a stack answers 0, the stand-alone address). The 0x42/0x44 INFO byte (Seplos group, Pylontech command)
/// is echoed; EG4 requests carry none.
/// </summary>
internal abstract class Family20Replies(byte cid1) : AsciiReplyEncoder(cid1)
{
    /// <summary>The 0x42 INFO for one pack; <paramref name="echo"/> is the request's INFO byte, or the address when it has none.</summary>
    protected abstract byte[] Analog(byte address, byte echo, PackSample pack);

    /// <summary>The 0x44 INFO for one pack.</summary>
    protected abstract byte[] Alarm(byte address, byte echo, PackSample pack);

    /// <summary>Every other read: 0x4F (the protocol version is the reply's VER, INFO empty), else RTN 04.</summary>
    protected virtual AsciiAnswer Other(byte cid2, byte echo, ISimulatedBattery battery) => cid2 switch
    {
        0x4F => new AsciiAnswer(0, []),
        _ => Unknown,
    };

    protected override AsciiAnswer? Reply(byte address, byte cid2, ReadOnlySpan<byte> info, ISimulatedBattery battery)
    {
        byte echo = info.Length > 0 ? info[0] : address;
        int packNumber = address;
        switch (cid2)
        {
            case 0x42 or 0x44:
            {
                if (packNumber < 1 || packNumber > battery.Packs)
                {
                    return null;
                }

                var pack = battery.Sample()[packNumber - 1];
                return new AsciiAnswer(0, cid2 == 0x42 ? Analog(address, echo, pack) : Alarm(address, echo, pack));
            }

            case 0x51:
                return new AsciiAnswer(0, Family20IdentityEncoder.ManufacturerInfo(battery.SoftwareVersion[..Math.Min(10, battery.SoftwareVersion.Length)], 1, 0, "BmsPace simulator"));
            default:
                return Other(cid2, echo, battery);
        }
    }
}
