using System.Text;

namespace BmsPace.Protocol.Dialects;

/// <summary>
/// What every dialect of the ASCII family does the same way: one <c>~...CR</c> frame per command on
/// <see cref="AsciiWire"/>, request building through <see cref="RequestBuilder"/> limited to the dialect's read-only set,
/// the validation ladder with the dialect's VER and CID1, the cross-dialect refusal ("looks like seplos"), and the
/// plausibility pass over analog readings. A dialect supplies its layouts.
/// </summary>
internal abstract class DialectBase : IBmsDialect
{
    public abstract string Name { get; }

    public abstract string Manufacturer { get; }

    public abstract PackAddressing Addressing { get; }
    public abstract string SoldAs { get; }

    public IWireFormat Wire => AsciiWire.Instance;

    public abstract IReplyEncoder Replies { get; }

    public abstract byte DefaultVersion { get; }

    public abstract byte Cid1 { get; }

    public virtual int TemperatureOffsetDeciKelvin => 2731;

    public int TemperatureOffsetFor(int configuredDeciKelvin) =>
        configuredDeciKelvin == DecoderOptions.DefaultTemperatureOffsetDeciKelvin ? TemperatureOffsetDeciKelvin : configuredDeciKelvin;

    public abstract FrozenSet<byte> ReadOnlyCid2s { get; }

    public abstract ImmutableArray<CommandKind> Commands { get; }

    public abstract ImmutableArray<CommandKind> IdentityCommands { get; }

    public abstract ImmutableArray<FlagDefinition> Flags { get; }

    public abstract TemperatureRole RoleOfSensor(int index, int count);

    /// <summary>The role of each of <paramref name="count"/> sensors, in order.</summary>
    protected ImmutableArray<TemperatureRole> RolesOfSensors(int count) => [.. Enumerable.Range(0, count).Select(i => RoleOfSensor(i, count))];

    public abstract byte? Cid2Of(CommandKind kind);

    public virtual byte PackByteAt(byte address) => address;

    /// <summary>What FFFF in a 16-bit capacity field decodes to in this dialect's units (a placeholder, never a capacity).</summary>
    protected virtual ImmutableArray<double> PlaceholderAmpHours => [Plausibility.PlaceholderTenMilliampHours];

    /// <summary>The INFO of the request for <paramref name="kind"/> (0x42/0x44 carry the dialect's pack or group byte).</summary>
    protected abstract byte[] RequestInfo(CommandKind kind, byte address, byte packByte);

    /// <summary>Decodes INFO with this dialect's analog layout only (no cross-dialect check, no plausibility pass).</summary>
    internal abstract AnalogReading DecodeAnalogLayout(ResponseFrame frame, byte packByte, DecoderOptions options);

    /// <summary>Decodes INFO with this dialect's alarm layout only.</summary>
    internal abstract AlarmReading DecodeAlarmLayout(ResponseFrame frame, byte packByte, DecoderOptions options);

    public IdentityReading DecodeIdentity(CommandKind kind, IReadOnlyList<DialectReply> replies) => DecodeIdentity(kind, Single(replies));

    public int? DecodePackCount(IReadOnlyList<DialectReply> replies) => DecodePackCount(Single(replies));

    public CapacityReading DecodeCapacity(IReadOnlyList<DialectReply> replies) => DecodeCapacity(Single(replies));

    public DateTime DecodeDateTime(IReadOnlyList<DialectReply> replies) => DecodeDateTime(Single(replies));

    /// <summary>Decodes the INFO of one of <see cref="IdentityCommands"/>.</summary>
    internal abstract IdentityReading DecodeIdentity(CommandKind kind, ResponseFrame frame);

    internal virtual int? DecodePackCount(ResponseFrame frame) => throw NotOurs(CommandKind.PackCount);

    internal virtual CapacityReading DecodeCapacity(ResponseFrame frame) => throw NotOurs(CommandKind.Capacity);

    internal virtual DateTime DecodeDateTime(ResponseFrame frame) => throw NotOurs(CommandKind.DateTime);

    protected PaceProtocolException NotOurs(CommandKind kind) =>
        new(FrameError.Decode, $"the {Name} dialect has no {kind.ToLabel()} command");

    public IReadOnlyList<byte[]> BuildRequests(CommandKind kind, byte address, byte packByte = RequestBuilder.AllPacks, byte? versionOverride = null)
    {
        if (Cid2Of(kind) is not { } cid2 || !ReadOnlyCid2s.Contains(cid2))
        {
            throw new ArgumentException($"the {Name} dialect has no {kind.ToLabel()} read", nameof(kind));
        }

        return [Encoding.Latin1.GetBytes(RequestBuilder.Build(versionOverride ?? DefaultVersion, address, Cid1, cid2, RequestInfo(kind, address, packByte)))];
    }

    public DialectReply Validate(ReadOnlySpan<byte> reply, ReadOnlySpan<byte> request = default, byte? versionOverride = null) =>
        Validate(Encoding.Latin1.GetString(reply), request.IsEmpty ? null : Encoding.Latin1.GetString(request), versionOverride);

    private ResponseFrame Validate(string frame, string? request, byte? versionOverride)
    {
        try
        {
            return FrameDecoder.Parse(frame, versionOverride ?? DefaultVersion, Cid1, request);
        }
        catch (PaceProtocolException failure) when (failure.Error is FrameError.Version or FrameError.Cid1)
        {
            var envelope = FrameDecoder.ParseRequest(frame);
            var lookalike = BmsDialects.All.FirstOrDefault(d => d.Name != Name && d.DefaultVersion == envelope.Version && d.Cid1 == envelope.Cid1);
            if (lookalike is null)
            {
                throw;
            }

            throw new PaceProtocolException(failure.Error, $"{failure.Detail}: the frame looks like {lookalike.Name}, not {Name}", failure.ReturnCode);
        }
    }

    /// <summary>The one frame an ASCII command is answered with.</summary>
    /// <exception cref="PaceProtocolException"><see cref="FrameError.Decode"/> for anything but one frame this family validated.</exception>
    protected ResponseFrame Single(IReadOnlyList<DialectReply> replies)
    {
        ArgumentNullException.ThrowIfNull(replies);
        return replies is [ResponseFrame frame]
            ? frame
            : throw new PaceProtocolException(FrameError.Decode, $"the {Name} dialect decodes one ASCII frame per command, not {replies.Count} replies of {string.Join(", ", replies.Select(r => r.GetType().Name).Distinct())}");
    }

    public AnalogReading DecodeAnalog(IReadOnlyList<DialectReply> replies, byte packByte, DecoderOptions options)
    {
        var frame = Single(replies);
        var reading = Guarded(frame, CommandKind.Analog, packByte, () => DecodeAnalogLayout(frame, packByte, options));
        return reading with { Packs = [.. reading.Packs.Select(pack => Plausibility.Check(pack, PlaceholderAmpHours))] };
    }

    public AlarmReading DecodeAlarm(IReadOnlyList<DialectReply> replies, byte packByte, DecoderOptions options)
    {
        var frame = Single(replies);
        return Guarded(frame, CommandKind.Alarm, packByte, () => DecodeAlarmLayout(frame, packByte, options));
    }

    public bool Explains(IReadOnlyList<DialectReply> replies, CommandKind kind, byte packByte, byte? versionOverride = null)
    {
        ArgumentNullException.ThrowIfNull(replies);
        if (replies is not [ResponseFrame frame] || frame.Version != (versionOverride ?? DefaultVersion) || frame.Cid1 != Cid1 || frame.ReturnCode != 0)
        {
            return false;
        }

        return LayoutFits(frame, kind, packByte);
    }

    /// <summary>Whether this dialect's own layout decodes the frame, without looking at VER or CID1.</summary>
    internal bool LayoutFits(ResponseFrame frame, CommandKind kind, byte packByte)
    {
        try
        {
            switch (kind)
            {
                case CommandKind.Analog:
                    DecodeAnalogLayout(frame, packByte, DecoderOptions.Default with { TemperatureOffsetDeciKelvin = TemperatureOffsetDeciKelvin });
                    return true;
                case CommandKind.Alarm:
                    DecodeAlarmLayout(frame, packByte, DecoderOptions.Default);
                    return true;
                case CommandKind.DateTime when Cid2Of(kind) is not null:
                    DecodeDateTime(frame);
                    return true;
                case CommandKind.Capacity when Cid2Of(kind) is not null:
                    DecodeCapacity(frame);
                    return true;
                case CommandKind.PackCount when Cid2Of(kind) is not null:
                    DecodePackCount(frame);
                    return true;
                default:
                    if (!IdentityCommands.Contains(kind))
                    {
                        return false;
                    }

                    DecodeIdentity(kind, frame);
                    return true;
            }
        }
        catch (PaceProtocolException)
        {
            return false;
        }
    }

    /// <summary>
    /// Runs this dialect's layout, but never lets it explain a frame that carries another dialect's header and fits
    /// that dialect's layout (a Seplos frame read as PACE under a VER override), and names the look-alike when the
    /// layout does not fit.
    /// </summary>
    private T Guarded<T>(ResponseFrame frame, CommandKind kind, byte packByte, Func<T> decode)
    {
        bool ownHeader = frame.Version == DefaultVersion && frame.Cid1 == Cid1;
        var lookalike = ownHeader ? null : Lookalike(frame, kind, packByte);
        if (lookalike is not null)
        {
            throw new PaceProtocolException(
                FrameError.Decode,
                Invariant($"the {kind.ToLabel()} answer (VER {frame.Version:X2}, CID1 {frame.Cid1:X2}) looks like {lookalike.Name}: the {Name} layout is not applied to it"));
        }

        try
        {
            return decode();
        }
        catch (PaceProtocolException failure) when (failure.Error == FrameError.Decode
            && Lookalike(frame, kind, packByte) is { } other)
        {
            throw new PaceProtocolException(FrameError.Decode, $"{failure.Detail}; the frame looks like {other.Name}");
        }
    }

    /// <summary>Another dialect whose own VER and CID1 the frame carries and whose layout fits it.</summary>
    private DialectBase? Lookalike(ResponseFrame frame, CommandKind kind, byte packByte)
    {
        foreach (var dialect in BmsDialects.All.OfType<DialectBase>())
        {
            if (dialect.Name == Name)
            {
                continue;
            }

            bool theirHeader = frame.Version == dialect.DefaultVersion && frame.Cid1 == dialect.Cid1;
            if (theirHeader && dialect.LayoutFits(frame, kind, packByte))
            {
                return dialect;
            }
        }

        return null;
    }

    protected static PaceProtocolException DecodeError(FormattableString detail) =>
        new(FrameError.Decode, detail.ToString(CultureInfo.InvariantCulture));

    protected static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
