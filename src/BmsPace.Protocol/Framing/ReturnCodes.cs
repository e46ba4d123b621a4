namespace BmsPace.Protocol.Framing;

/// <summary>RTN meanings (PROTOCOL.md section 7). Unknown codes get a text too: some firmware emits unmapped values.</summary>
public static class ReturnCodes
{
    public const string Unknown = "unknown return code";

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
