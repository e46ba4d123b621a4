namespace BmsPace.Protocol.Framing;

/// <summary>RTN meanings (PROTOCOL.md section 7).</summary>
public static class ReturnCodes
{
    public static string Describe(byte returnCode) => throw new NotImplementedException();
}
