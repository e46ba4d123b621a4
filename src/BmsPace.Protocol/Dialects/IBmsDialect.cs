using System.Collections.Frozen;
using System.Collections.Immutable;
using BmsPace.Protocol.Commands;
using BmsPace.Protocol.Decoding;
using BmsPace.Protocol.Framing;
using BmsPace.Protocol.Readings;

namespace BmsPace.Protocol.Dialects;

/// <summary>
/// One protocol family of the PACE ASCII protocol (PROTOCOL.md sections 1 and 13): everything that differs between
/// PACE, EG4, Seplos and Pylontech lives behind this interface, so the poller, <c>decode</c>, <c>probe</c> and the
/// simulator never call one family's decoder directly. Get instances from <see cref="BmsDialects"/>.
/// </summary>
/// <remarks>
/// <para>How to use it:</para>
/// <list type="bullet">
/// <item><b>Build a request</b>: <c>dialect.BuildRequest(CommandKind.Analog, address, packByte)</c>. Only the dialect's
/// read-only commands can be built (<see cref="ReadOnlyCid2s"/>); anything else is an <see cref="ArgumentException"/>.
/// The dialect decides the INFO of 0x42/0x44 (PACE: COMMAND FF or the pack; EG4: none; Seplos: the group;
/// Pylontech: the address) and the CID2 of each kind (<see cref="Cid2Of"/>).</item>
/// <item><b>Validate and decode a reply</b>: <c>var frame = dialect.Validate(text, request)</c> runs the envelope
/// ladder and checks VER and CID1 against the dialect (or the <c>versionOverride</c> given for firmware that
/// reports another VER); then <see cref="DecodeAnalog"/>, <see cref="DecodeAlarm"/> or <see cref="DecodeIdentity"/>.
/// Every failure is a <see cref="PaceProtocolException"/> with its METRICS.md reason; a layout the dialect does
/// not explain is <see cref="FrameError.Decode"/>, and when another dialect explains the frame the detail names
/// it ("looks like seplos").</item>
/// <item><b>Detection</b>: <see cref="Explains"/> says whether this dialect's layout accounts for a valid frame;
/// <see cref="BmsDialects.Detect"/> asks every dialect in order (PACE first).</item>
/// </list>
/// <para>A new dialect is one folder with a class implementing this interface and one line in
/// <see cref="BmsDialects.All"/>.</para>
/// </remarks>
public interface IBmsDialect
{
    /// <summary>The <c>protocol</c> name of CLI.md and the config: <c>pace</c>, <c>eg4</c>, <c>seplos</c>, <c>pylontech</c>.</summary>
    string Name { get; }

    /// <summary>Who makes the BMS boards that speak this dialect, as short as a brand (MQTT discovery's device <c>manufacturer</c>).</summary>
    string Manufacturer { get; }

    /// <summary>How the packs of a battery are reached, and so what the configuration's <c>address</c> and <c>packs</c> mean.</summary>
    PackAddressing Addressing { get; }
    /// <summary>The batteries sold with this dialect's boards, for <c>--help</c> and the config reference (<c>Seplos V2.0</c>).</summary>
    string SoldAs { get; }

    /// <summary>The VER the dialect's documents use (0x25 for PACE, 0x20 for the others).</summary>
    byte DefaultVersion { get; }

    /// <summary>The device type (CID1) of requests and replies.</summary>
    byte Cid1 { get; }

    /// <summary>0.1 K offset of the dialect's temperatures (2730 PACE, 2731 the 0x20 family; PROTOCOL.md 10.3).</summary>
    int TemperatureOffsetDeciKelvin { get; }

    /// <summary>
    /// The 0.1 K offset to decode with when the configuration says <paramref name="configuredDeciKelvin"/>: a value
    /// changed from the configuration's default (PACE's 2730) is the user's and wins; the default itself stands for
    /// "what the battery's documents say", which is <see cref="TemperatureOffsetDeciKelvin"/>.
    /// </summary>
    int TemperatureOffsetFor(int configuredDeciKelvin);

    /// <summary>Every CID2 this dialect may send; nothing else can be built (PROTOCOL.md section 9).</summary>
    FrozenSet<byte> ReadOnlyCid2s { get; }

    /// <summary>The command kinds this dialect answers, in the order a poller would ask them.</summary>
    ImmutableArray<CommandKind> Commands { get; }

    /// <summary>The identity reads (PACE 0xC1/0xC2; 0x51, 0x4F, 0x93 for the 0x20 family where answered).</summary>
    ImmutableArray<CommandKind> IdentityCommands { get; }

    /// <summary>The named bits of the dialect's status bytes: the flag table of its alarm answers.</summary>
    ImmutableArray<FlagDefinition> Flags { get; }

    /// <summary>What temperature sensor <paramref name="index"/> (0-based) of <paramref name="count"/> measures.</summary>
    TemperatureRole RoleOfSensor(int index, int count);

    /// <summary>
    /// The COMMAND/group byte of a 0x42/0x44 that asks whatever answers at <paramref name="address"/> (what <c>probe</c>
    /// sends): the whole stack where the dialect lets a master answer for it (COMMAND FF), else that address's own pack.
    /// </summary>
    byte PackByteAt(byte address);

    /// <summary>The CID2 of <paramref name="kind"/> in this dialect, or null when the dialect has no such command.</summary>
    byte? Cid2Of(CommandKind kind);

    /// <summary>Builds the request for <paramref name="kind"/>.</summary>
    /// <param name="address">ADR of the request.</param>
    /// <param name="packByte">The COMMAND/group byte of 0x42/0x44 where the dialect sends one (FF = all packs).</param>
    /// <param name="versionOverride">VER to send instead of <see cref="DefaultVersion"/> (config <c>protocol_version</c>).</param>
    /// <exception cref="ArgumentException">The dialect has no such read-only command.</exception>
    string BuildRequest(CommandKind kind, byte address, byte packByte = RequestBuilder.AllPacks, byte? versionOverride = null);

    /// <summary>
    /// The envelope ladder of PROTOCOL.md section 6 plus this dialect's VER (or <paramref name="versionOverride"/>)
    /// and CID1, then RTN. A frame of another dialect fails with <see cref="FrameError.Version"/> or
    /// <see cref="FrameError.Cid1"/> and a detail naming the dialect it looks like.
    /// </summary>
    /// <exception cref="PaceProtocolException">The first check that fails.</exception>
    ResponseFrame Validate(ReadOnlySpan<char> frame, string? request = null, byte? versionOverride = null);

    /// <summary>Decodes a 0x42 answer. <paramref name="packByte"/> is what the request carried (for EG4, the address).</summary>
    /// <exception cref="PaceProtocolException"><see cref="FrameError.Decode"/> when the layout does not fit.</exception>
    AnalogReading DecodeAnalog(ResponseFrame frame, byte packByte, DecoderOptions options);

    /// <summary>Decodes a 0x44 answer into the shared alarm reading with the dialect's status bytes and flags.</summary>
    /// <exception cref="PaceProtocolException"><see cref="FrameError.Decode"/> when the layout does not fit.</exception>
    AlarmReading DecodeAlarm(ResponseFrame frame, byte packByte, DecoderOptions options);

    /// <summary>Decodes one of <see cref="IdentityCommands"/>.</summary>
    /// <exception cref="PaceProtocolException"><see cref="FrameError.Decode"/> when INFO does not fit.</exception>
    IdentityReading DecodeIdentity(CommandKind kind, ResponseFrame frame);

    /// <summary>0x90 (PACE): the pack count; null when the answer carries no INFO.</summary>
    /// <exception cref="PaceProtocolException"><see cref="FrameError.Decode"/>, also when the dialect has no such command.</exception>
    int? DecodePackCount(ResponseFrame frame);

    /// <summary>0xA6 (PACE): remaining, full and design capacity.</summary>
    /// <exception cref="PaceProtocolException"><see cref="FrameError.Decode"/>, also when the dialect has no such command.</exception>
    CapacityReading DecodeCapacity(ResponseFrame frame);

    /// <summary>The BMS clock (PACE 0xB1, EG4 0x4D), no zone.</summary>
    /// <exception cref="PaceProtocolException"><see cref="FrameError.Decode"/>, also when the dialect has no such command.</exception>
    DateTime DecodeDateTime(ResponseFrame frame);

    /// <summary>
    /// Whether this dialect's layout explains a frame that passed the envelope checks, for detection: VER (or
    /// <paramref name="versionOverride"/>), CID1, RTN 00 and, for 0x42/0x44, a layout that fits INFO exactly.
    /// Never throws for bad input.
    /// </summary>
    bool Explains(ResponseFrame frame, CommandKind kind, byte packByte, byte? versionOverride = null);
}
