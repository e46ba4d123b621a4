using System.Globalization;
using BmsPace.Protocol.Framing;

namespace BmsPace.Tests.Polling;

/// <summary>Real frames from vectors.json and INFO built by hand for the poller tests.</summary>
internal static class Frames
{
    /// <summary>Gobel 15s 3-pack stack (vector gobel-15s-3pack-issue74-42), an answer to COMMAND FF.</summary>
    public const string Analog3Packs = "~25014600916000030F0D970D9B0D940D970D930D920D8E0D940D9A0D950D920D8A0D930D910D91060B9E0BA00B9D0B9C0BB70BBE0000CBFC4A26024A3601014E20640F0D950D930D960D880D950D930D930D920D930D910D950D890D970D920D93060B9A0B9A0B9C0B9A0BB80BBD0000CB914A1E024A2E01034E20640F0D4C0D240D4C0D490D590D4C0D490D0D0D590D4C0D490D490D590D4E0CF8060B9F0B9F0B990B9B0BB40BD20000C6DB4B40024D9400234E2061AFC7\r";

    /// <summary>Jakiper single pack (vector jakiper-nkinnan-42): -2.25 A at 52.429 V.</summary>
    public const string AnalogJakiper = "~25014600F07A0001100CC70CC80CC70CC70CC70CC50CC60CC70CC70CC60CC70CC60CC60CC70CC60CC7060B9B0B990B990B990BB30BBCFF1FCCCD12D303286A008C2710E1E4\r";

    public const string SoftwareVersion = "~25014600602850313653313030412D313831322D312E30302000F58E\r";

    public const string Serials = "~25014600B05032313630363130323434303030303341202020204750535232504332303059573238303231313039EDBC\r";

    public const string UnknownCommand = "~250146040000FDAA\r";

    /// <summary>A 0x44 answer for <paramref name="packs"/> 15-cell packs; pack n's instruction byte is 0x06 and its balance_state_1 is n.</summary>
    public static string Alarm(int packs, int cells = 15, byte protect1 = 0)
    {
        var info = new List<byte> { 0x00, (byte)packs };
        for (int pack = 1; pack <= packs; pack++)
        {
            info.Add((byte)cells);
            info.AddRange(new byte[cells]);
            info.Add(6);
            info.AddRange(new byte[6]);
            info.AddRange(new byte[] { 0, 0, 0, protect1, 0, 0x06, 0, 0, (byte)pack, 0, 0, 0 });
        }

        return FrameEncoder.EncodeResponse(0x25, 0x01, 0x46, 0x00, info.ToArray());
    }

    /// <summary>The same frame with one INFO character changed, so CHKSUM no longer matches.</summary>
    public static string Corrupt(string frame)
    {
        char[] chars = frame.ToCharArray();
        int at = 20;
        chars[at] = chars[at] == '0' ? '1' : '0';
        return new string(chars);
    }

    public static byte Cid2Of(string request) => byte.Parse(request.AsSpan(7, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
}
