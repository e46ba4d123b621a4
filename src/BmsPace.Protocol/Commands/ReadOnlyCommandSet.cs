using BmsPace.Protocol.Dialects;

namespace BmsPace.Protocol.Commands;

/// <summary>
/// The CID2 codes a monitor may send (PROTOCOL.md section 9): the reads the registered dialects declare
/// (<see cref="IBmsDialect.ReadOnlyCid2s"/>), and nothing else. Everything else, in particular the never-send list
/// (0x99 control, 0x9A-0x9C MOSFETs and shutdown, 0xA4 defaults, every setter and calibration code, 0xFF test mode),
/// is refused by <see cref="RequestBuilder"/>: BmsPace never changes the state of a BMS.
/// </summary>
public static class ReadOnlyCommandSet
{
    /// <summary>The union of every registered dialect's reads (<see cref="BmsDialects.All"/>).</summary>
    public static FrozenSet<byte> All => BmsDialects.ReadOnlyCid2s;

    public static bool IsReadOnly(byte cid2) => All.Contains(cid2);
}
