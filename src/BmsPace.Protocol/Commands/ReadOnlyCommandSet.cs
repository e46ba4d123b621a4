namespace BmsPace.Protocol.Commands;

/// <summary>
/// The CID2 codes a monitor may send (PROTOCOL.md section 9). Everything else, in particular the never-send list
/// (0x99 control, 0x9A-0x9C MOSFETs and shutdown, 0xA4 defaults, every setter and calibration code, 0xFF test mode),
/// is refused by <see cref="RequestBuilder"/>: BmsPace never changes the state of a BMS.
/// </summary>
public static class ReadOnlyCommandSet
{
    /// <summary>PACE 0x25 reads: telemetry, identity, capacity, clock, and the configuration reads of section 12.7.</summary>
    public static FrozenSet<byte> PaceReads { get; } = new byte[]
    {
        0x42, 0x44, 0x90, 0xA6, 0xB1, 0xC1, 0xC2,
        0xA0, 0xA1, 0xAF, 0xB6, 0xD1, 0xD3, 0xD5, 0xD7, 0xD9, 0xDB, 0xDD, 0xDF, 0xE1, 0xE3, 0xE5, 0xE7, 0xEB, 0xED,
    }.ToFrozenSet();

    /// <summary>Reads of the 0x20 family (EG4, Seplos, Pylontech): system parameters, date/time, version, manufacturer, serial.</summary>
    public static FrozenSet<byte> Family20Reads { get; } = new byte[] { 0x47, 0x4D, 0x4F, 0x51, 0x93 }.ToFrozenSet();

    public static FrozenSet<byte> All { get; } = PaceReads.Concat(Family20Reads).ToFrozenSet();

    public static bool IsReadOnly(byte cid2) => All.Contains(cid2);
}
