using System.Text;
using BmsPace.Protocol.Commands;
using BmsPace.Protocol.Decoding;
using BmsPace.Protocol.Framing;
using BmsPace.Protocol.Readings;

namespace BmsPace.Protocol.Dialects;

/// <summary>
/// The ASCII dialects' calls as the tests write them: frames as text, one validated frame per command. The seam takes
/// bytes and lists of replies; these only translate (Latin-1 keeps every byte of a test's text as it is).
/// </summary>
internal static class AsciiDialectCalls
{
    public static byte[] Bytes(string? text) => text is null ? [] : Encoding.Latin1.GetBytes(text);

    public static string Text(byte[] bytes) => Encoding.Latin1.GetString(bytes);

    public static ResponseFrame Validate(this IBmsDialect dialect, string frame, string? request = null, byte? versionOverride = null) =>
        (ResponseFrame)dialect.Validate(Bytes(frame), Bytes(request), versionOverride);

    public static string BuildRequest(this IBmsDialect dialect, CommandKind kind, byte address, byte packByte = RequestBuilder.AllPacks, byte? versionOverride = null) =>
        dialect.BuildRequests(kind, address, packByte, versionOverride) is [var only]
            ? Text(only)
            : throw new InvalidOperationException($"{dialect.Name} builds more than one request for {kind}");

    public static AnalogReading DecodeAnalog(this IBmsDialect dialect, DialectReply reply, byte packByte, DecoderOptions options) =>
        dialect.DecodeAnalog([reply], packByte, options);

    public static AlarmReading DecodeAlarm(this IBmsDialect dialect, DialectReply reply, byte packByte, DecoderOptions options) =>
        dialect.DecodeAlarm([reply], packByte, options);

    public static IdentityReading DecodeIdentity(this IBmsDialect dialect, CommandKind kind, DialectReply reply) =>
        dialect.DecodeIdentity(kind, [reply]);

    public static int? DecodePackCount(this IBmsDialect dialect, DialectReply reply) => dialect.DecodePackCount([reply]);

    public static CapacityReading DecodeCapacity(this IBmsDialect dialect, DialectReply reply) => dialect.DecodeCapacity([reply]);

    public static DateTime DecodeDateTime(this IBmsDialect dialect, DialectReply reply) => dialect.DecodeDateTime([reply]);

    public static bool Explains(this IBmsDialect dialect, DialectReply reply, CommandKind kind, byte packByte, byte? versionOverride = null) =>
        dialect.Explains([reply], kind, packByte, versionOverride);

    public static (IBmsDialect Dialect, ResponseFrame Frame) ValidateAndDetect(string frame, CommandKind kind, byte packByte, string? request = null)
    {
        var (dialect, reply) = BmsDialects.ValidateAndDetect(Bytes(frame), kind, packByte, Bytes(request));
        return (dialect, (ResponseFrame)reply);
    }

    /// <summary>A request in PACE numbering (<see cref="CommandKinds.ToCid2"/>); 0x42/0x44 carry <paramref name="packByte"/> as COMMAND.</summary>
    public static string PaceRequest(CommandKind kind, byte version, byte address, byte packByte = RequestBuilder.AllPacks, byte cid1 = RequestBuilder.LithiumIronCid1) =>
        RequestBuilder.Build(version, address, cid1, kind.ToCid2(), kind.CarriesPackByte() ? [packByte] : []);

    /// <summary>The PACE kind whose CID2 is <paramref name="cid2"/>.</summary>
    public static bool TryKindOfPaceCid2(byte cid2, out CommandKind kind)
    {
        foreach (var candidate in CommandKinds.All)
        {
            if (candidate.ToCid2() == cid2)
            {
                kind = candidate;
                return true;
            }
        }

        kind = default;
        return false;
    }
}
