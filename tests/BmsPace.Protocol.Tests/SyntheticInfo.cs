namespace BmsPace.Protocol.Tests;

/// <summary>The raw values of one synthetic analog pack block, as the wire carries them.</summary>
internal sealed record RawAnalogPack(
    int[] CellMillivolts, int[] TemperatureDeciKelvin, short CurrentCentiAmperes, int VoltageMillivolts,
    int Remaining, int UserDefinedP, int Full, int Cycles, int Design, byte[] Tail);

/// <summary>The raw values of one synthetic alarm pack block.</summary>
internal sealed record RawAlarmPack(byte[] CellWarnings, byte[] TemperatureWarnings, byte[] WarningsAndStates, byte[] Tail)
{
    /// <summary>charge current, pack voltage, discharge current warnings, then the nine status bytes, in wire order.</summary>
    public byte[] Fixed => WarningsAndStates;
}

/// <summary>Writes 0x42 / 0x44 INFO the way a PACE master does (PROTOCOL.md 10.2, 11.2), so decoders can be checked on data with known values.</summary>
internal static class SyntheticInfo
{
    public static byte[] Analog(byte infoFlag, byte countOrEcho, IReadOnlyList<RawAnalogPack> packs)
    {
        var bytes = new List<byte> { infoFlag, countOrEcho };
        foreach (var pack in packs)
        {
            bytes.Add((byte)pack.CellMillivolts.Length);
            foreach (int mv in pack.CellMillivolts)
            {
                U16(bytes, mv);
            }

            bytes.Add((byte)pack.TemperatureDeciKelvin.Length);
            foreach (int dk in pack.TemperatureDeciKelvin)
            {
                U16(bytes, dk);
            }

            U16(bytes, (ushort)pack.CurrentCentiAmperes);
            U16(bytes, pack.VoltageMillivolts);
            U16(bytes, pack.Remaining);
            bytes.Add((byte)pack.UserDefinedP);
            U16(bytes, pack.Full);
            U16(bytes, pack.Cycles);
            U16(bytes, pack.Design);
            bytes.AddRange(pack.Tail);
        }

        return [.. bytes];
    }

    public static byte[] Alarm(byte infoFlag, byte countOrEcho, IReadOnlyList<RawAlarmPack> packs)
    {
        var bytes = new List<byte> { infoFlag, countOrEcho };
        foreach (var pack in packs)
        {
            bytes.Add((byte)pack.CellWarnings.Length);
            bytes.AddRange(pack.CellWarnings);
            bytes.Add((byte)pack.TemperatureWarnings.Length);
            bytes.AddRange(pack.TemperatureWarnings);
            bytes.AddRange(pack.Fixed);
            bytes.AddRange(pack.Tail);
        }

        return [.. bytes];
    }

    private static void U16(List<byte> bytes, int value)
    {
        bytes.Add((byte)(value >> 8));
        bytes.Add((byte)value);
    }
}
