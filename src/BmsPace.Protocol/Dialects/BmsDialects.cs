using System.Collections.Immutable;
using System.Globalization;
using BmsPace.Protocol.Commands;
using BmsPace.Protocol.Dialects.Eg4;
using BmsPace.Protocol.Dialects.Pace;
using BmsPace.Protocol.Dialects.Pylontech;
using BmsPace.Protocol.Dialects.Seplos;
using BmsPace.Protocol.Framing;

namespace BmsPace.Protocol.Dialects;

/// <summary>
/// The registry of dialects, in detection order (PACE first, so PACE users pay nothing for detection). A new dialect
/// is one folder and one line in <see cref="All"/>.
/// </summary>
public static class BmsDialects
{
    /// <summary>The name that asks for detection instead of one dialect (config <c>protocol: auto</c>, <c>--protocol auto</c>).</summary>
    public const string Auto = "auto";

    public static IBmsDialect Pace { get; } = new PaceDialect();

    public static IBmsDialect Eg4 { get; } = new Eg4Dialect();

    public static IBmsDialect Seplos { get; } = new SeplosDialect();

    public static IBmsDialect Pylontech { get; } = new PylontechDialect();

    /// <summary>Every dialect, in the order detection tries them.</summary>
    public static ImmutableArray<IBmsDialect> All { get; } = [Pace, Eg4, Seplos, Pylontech];

    public static ImmutableArray<string> Names { get; } = [.. All.Select(d => d.Name)];

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
    public static IBmsDialect? Detect(ResponseFrame frame, CommandKind kind, byte packByte, byte? versionOverride = null) =>
        All.FirstOrDefault(d => d.Explains(frame, kind, packByte, versionOverride));

    /// <summary>
    /// Validates a frame whose dialect is not known (<c>decode --protocol auto</c>): the envelope ladder, then RTN,
    /// then the dialect that explains it (<see cref="Detect"/>).
    /// </summary>
    /// <exception cref="PaceProtocolException">
    /// The envelope check that fails, <see cref="FrameError.Rtn"/>, or <see cref="FrameError.Decode"/> when no dialect
    /// explains the frame.
    /// </exception>
    public static (IBmsDialect Dialect, ResponseFrame Frame) ValidateAndDetect(ReadOnlySpan<char> text, CommandKind kind, byte packByte, string? request = null)
    {
        var envelope = FrameDecoder.ParseEnvelope(text, request);
        var frame = new ResponseFrame(envelope.Version, envelope.Address, envelope.Cid1, envelope.Cid2, envelope.Info);
        var headerMatches = All.Where(d => d.DefaultVersion == frame.Version && d.Cid1 == frame.Cid1).ToArray();
        if (frame.ReturnCode != 0)
        {
            throw new PaceProtocolException(
                FrameError.Rtn,
                string.Create(CultureInfo.InvariantCulture, $"RTN {frame.ReturnCode:X2}: {ReturnCodes.Describe(frame.ReturnCode)}"),
                frame.ReturnCode);
        }

        if (Detect(frame, kind, packByte) is { } dialect)
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
