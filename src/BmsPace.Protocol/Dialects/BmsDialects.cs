using System.Text;

namespace BmsPace.Protocol.Dialects;

/// <summary>
/// The registry of dialects, in detection order (PACE first, so PACE users pay nothing for detection). A new dialect
/// is one folder and one line in <see cref="BuiltIn"/>. The host composes the list the process uses
/// (<see cref="Compose"/>, first thing in Program.cs); everything else (the config's protocol list, help texts, probe,
/// decode, the poller, MQTT discovery) asks <see cref="All"/>.
/// </summary>
public static class BmsDialects
{
    /// <summary>The name that asks for detection instead of one dialect (config <c>protocol: auto</c>, <c>--protocol auto</c>).</summary>
    public const string Auto = "auto";

    /// <summary>
    /// The dialects this program is built with, in the order detection tries them: the ASCII dialects first, then the
    /// Modbus RTU families (Seplos V3 at 19200 first, then the 9600 maps, MODBUS.md section 4), so an ASCII port is sent
    /// Modbus frames only after every ASCII dialect stayed silent.
    /// </summary>
    public static ImmutableArray<IBmsDialect> BuiltIn { get; } = [new Pace.PaceDialect(), new Eg4.Eg4Dialect(), new Seplos.SeplosDialect(), new Pylontech.PylontechDialect(), new SeplosV3.SeplosV3Dialect(), new Eg4Ll.Eg4LlDialect(), new PaceModbus.PaceModbusDialect()];

    private static Composition? _composition;

    /// <summary>Every dialect of this process, in the order detection tries them: the host's list (<see cref="Compose"/>), else <see cref="BuiltIn"/>.</summary>
    public static ImmutableArray<IBmsDialect> All =>
        (Volatile.Read(ref _composition) ?? Fixed(new Composition(BuiltIn))).Dialects;

    public static ImmutableArray<string> Names => [.. All.Select(d => d.Name)];

    /// <summary>Every CID2 the dialects of this process may send: the union of their read-only sets.</summary>
    internal static FrozenSet<byte> ReadOnlyCid2s =>
        (Volatile.Read(ref _composition) ?? Fixed(new Composition(BuiltIn))).ReadOnlyCid2s;

    /// <summary>
    /// Sets the dialects of this process, in detection order; the host does it before anything reads the registry, so
    /// that no list, help text or parser built from it can differ from another.
    /// </summary>
    /// <exception cref="InvalidOperationException">The registry was read or composed already.</exception>
    /// <exception cref="ArgumentException">The list is empty, or two dialects share a name.</exception>
    public static void Compose(IEnumerable<IBmsDialect> dialects)
    {
        ImmutableArray<IBmsDialect> list = [.. dialects];
        if (list.IsEmpty || list.Select(d => d.Name.ToLowerInvariant()).Distinct().Count() != list.Length || list.Any(d => d.Name == Auto))
        {
            throw new ArgumentException($"the dialects must be at least one, named apart and not {Auto}", nameof(dialects));
        }

        if (Interlocked.CompareExchange(ref _composition, new Composition(list), null) is not null)
        {
            throw new InvalidOperationException("the dialect registry was read before the host composed it");
        }
    }

    /// <summary>The composition in force: <paramref name="first"/> unless another was fixed first.</summary>
    private static Composition Fixed(Composition first) => Interlocked.CompareExchange(ref _composition, first, null) ?? first;

    /// <summary>The registry's list, held by one reference so that every thread reads the same whole list.</summary>
    private sealed record Composition(ImmutableArray<IBmsDialect> Dialects)
    {
        public FrozenSet<byte> ReadOnlyCid2s { get; } = Dialects.SelectMany(d => d.ReadOnlyCid2s).ToFrozenSet();
    }

    /// <summary>
    /// The first of <see cref="All"/>: what <c>auto</c> asks in first (and reads with until another answers), what a bare
    /// VER override means, and what the simulator speaks unless told.
    /// </summary>
    public static IBmsDialect Default => All[0];

    /// <summary>The dialect called <paramref name="name"/> (case-insensitive); false for <c>auto</c> and unknown names.</summary>
    public static bool TryFind(string name, out IBmsDialect dialect)
    {
        dialect = All.FirstOrDefault(d => string.Equals(d.Name, name, StringComparison.OrdinalIgnoreCase))!;
        return dialect is not null;
    }

    /// <summary>The first dialect whose VER, CID1 and layout explain a valid frame, or null when none does.</summary>
    public static IBmsDialect? Detect(IReadOnlyList<DialectReply> replies, CommandKind kind, byte packByte, byte? versionOverride = null) =>
        All.FirstOrDefault(d => d.Explains(replies, kind, packByte, versionOverride));

    /// <summary>
    /// Validates a frame whose dialect is not known (<c>decode --protocol auto</c>): the envelope ladder, then RTN,
    /// then the dialect that explains it (<see cref="Detect"/>).
    /// </summary>
    /// <exception cref="PaceProtocolException">
    /// The envelope check that fails, <see cref="FrameError.Rtn"/>, or <see cref="FrameError.Decode"/> when no dialect
    /// explains the frame.
    /// </exception>
    public static (IBmsDialect Dialect, DialectReply Reply) ValidateAndDetect(ReadOnlySpan<byte> reply, CommandKind kind, byte packByte, ReadOnlySpan<byte> request = default)
    {
        var envelope = FrameDecoder.ParseEnvelope(Encoding.Latin1.GetString(reply), request.IsEmpty ? null : Encoding.Latin1.GetString(request));
        var frame = new ResponseFrame(envelope.Version, envelope.Address, envelope.Cid1, envelope.Cid2, envelope.Info);
        var headerMatches = All.Where(d => d.DefaultVersion == frame.Version && d.Cid1 == frame.Cid1).ToArray();
        if (frame.ReturnCode != 0)
        {
            throw new PaceProtocolException(
                FrameError.Rtn,
                string.Create(CultureInfo.InvariantCulture, $"RTN {frame.ReturnCode:X2}: {ReturnCodes.Describe(frame.ReturnCode)}"),
                frame.ReturnCode);
        }

        if (Detect([frame], kind, packByte) is { } dialect)
        {
            return (dialect, frame);
        }

        string header = string.Create(CultureInfo.InvariantCulture, $"VER {frame.Version:X2}, CID1 {frame.Cid1:X2}");
        throw new PaceProtocolException(
            FrameError.Decode,
            headerMatches.Length == 0
                ? $"no dialect uses {header} (known: {string.Join(", ", All.Select(d => string.Create(CultureInfo.InvariantCulture, $"{d.Name} {d.DefaultVersion:X2}/{d.Cid1:X2}")))}); give --protocol and --protocol-version for firmware that reports another VER"
                : $"the {kind.ToLabel()} answer ({header}) fits no layout of {string.Join(" or ", headerMatches.Select(d => d.Name))}");
    }
}
