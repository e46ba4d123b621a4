namespace BmsPace.Protocol.Framing;

/// <summary>RTN meanings (PROTOCOL.md section 7). Unknown codes get a text too: some firmware emits unmapped values.</summary>
public static class ReturnCodes
{
    public const string Unknown = "unknown return code";

    /// <summary>RTN 01: the pack does not speak the VER of the question (an own-address PACE pack says so in its own header).</summary>
    public const byte VersionError = 0x01;

    /// <summary>RTN 04, CID2 invalid: the firmware does not know the command, and asking again cannot change that.</summary>
    public const byte CommandUnknown = 0x04;

    /// <summary>
    /// Whether asking again may succeed: every refusal but "command unknown" (09, operation or write error, is seen from
    /// a busy master) is treated as transient and retried like a damaged frame (PROTOCOL.md section 7).
    /// </summary>
    public static bool IsTransient(byte returnCode) => returnCode is not (0x00 or CommandUnknown);

    public static string Describe(byte returnCode) => returnCode switch
    {
        0x00 => "normal",
        0x01 => "version error",
        0x02 => "CHKSUM error",
        0x03 => "LCHKSUM error",
        0x04 => "CID2 invalid",
        0x05 => "command format error",
        0x06 => "invalid data",
        0x07 => "no data",
        0x09 => "operation or write error",
        0x90 => "ADR error",
        0x91 => "communication error",
        0xE1 => "CID1 invalid",
        0xE2 => "command execution failed",
        0xE3 => "device fault",
        0xE4 => "invalid permission",
        _ => Unknown,
    };
}
