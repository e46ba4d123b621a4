namespace BmsPace.Protocol.Dialects.Pace;

/// <summary>Where one pack block sits in INFO: its standard fields, then its extra tail bytes.</summary>
internal readonly record struct PackBlock(int Start, int FixedLength, int TailLength);

/// <summary>The byte count of the standard fields of the block starting at <paramref name="start"/>, or null when what is there is not a plausible block.</summary>
internal delegate int? BlockMeasure(ReadOnlySpan<byte> info, int start);

/// <summary>
/// Splits the pack blocks of a 0x42/0x44 answer (PROTOCOL.md 8.3). Blocks are not self-delimiting: firmware appends
/// extra bytes that the P count does not announce, so the tail length T is found from the data: the smallest T that
/// walks every pack plausibly and ends exactly at the end of INFO (ties broken by <see cref="BestUniformWalk"/>); failing that, the smallest T for all but the last
/// pack, which keeps whatever is left.
/// </summary>
internal static class PackLayout
{
    /// <summary>INFOFLAG and the pack-count / echo byte.</summary>
    public const int HeaderLength = 2;

    public static ImmutableArray<PackBlock> Find(ReadOnlySpan<byte> info, int packCount, BlockMeasure measure, int forcedTailBytes)
    {
        if (info.Length < HeaderLength)
        {
            throw Decode($"INFO has {info.Length} bytes, the header alone needs {HeaderLength}");
        }

        var blocks = new PackBlock[packCount];
        if (forcedTailBytes > 0)
        {
            if (Walk(info, measure, forcedTailBytes, blocks, lastTakesRest: true))
            {
                return [.. blocks];
            }

            throw Decode($"{packCount} pack blocks followed by {forcedTailBytes} extra bytes (force_pack_offset) do not fit the {info.Length} INFO bytes");
        }

        int maxTail = (info.Length - HeaderLength) / packCount;
        if (packCount == 1)
        {
            if (Walk(info, measure, 0, blocks, lastTakesRest: true))
            {
                return [.. blocks];
            }
        }
        else
        {
            if (BestUniformWalk(info, measure, maxTail, blocks) is { } best)
            {
                return best;
            }

            for (int tail = 0; tail <= maxTail; tail++)
            {
                if (Walk(info, measure, tail, blocks, lastTakesRest: true))
                {
                    return [.. blocks];
                }
            }
        }

        throw Decode($"no tail length lets {packCount} plausible pack block(s) fill the {info.Length} INFO bytes");
    }

    /// <summary>
    /// When several tail lengths walk every pack, prefers the smallest whose blocks all have the same standard length: a
    /// stack is one model, while a tail read two bytes early can pass for a short block (a current of 7.85 A starts a
    /// "3-cell pack" whose cells are the real ones, realigned). Otherwise the smallest, the rule of PROTOCOL.md 8.3.
    /// </summary>
    private static ImmutableArray<PackBlock>? BestUniformWalk(ReadOnlySpan<byte> info, BlockMeasure measure, int maxTail, PackBlock[] blocks)
    {
        ImmutableArray<PackBlock>? best = null;
        int bestScore = -1;
        for (int tail = 0; tail <= maxTail; tail++)
        {
            if (!Walk(info, measure, tail, blocks, lastTakesRest: false))
            {
                continue;
            }

            int score = blocks.All(b => b.FixedLength == blocks[0].FixedLength) ? 1 : 0;
            if (score > bestScore)
            {
                best = [.. blocks];
                bestScore = score;
            }
        }

        return best;
    }

    /// <summary>Whether the last block's tail differs from the others' (the fallback of <see cref="Find"/> was needed).</summary>
    public static bool LastTailDiffers(ImmutableArray<PackBlock> blocks) =>
        blocks.Length > 1 && blocks[^1].TailLength != blocks[0].TailLength;

    private static bool Walk(ReadOnlySpan<byte> info, BlockMeasure measure, int tail, PackBlock[] blocks, bool lastTakesRest)
    {
        int position = HeaderLength;
        for (int i = 0; i < blocks.Length; i++)
        {
            if (measure(info, position) is not { } fixedLength)
            {
                return false;
            }

            bool last = i == blocks.Length - 1;
            int tailLength = last && lastTakesRest ? info.Length - position - fixedLength : tail;
            if (tailLength < 0 || position + fixedLength + tailLength > info.Length)
            {
                return false;
            }

            blocks[i] = new PackBlock(position, fixedLength, tailLength);
            position += fixedLength + tailLength;
        }

        return position == info.Length;
    }

    private static PaceProtocolException Decode(FormattableString detail) =>
        new(FrameError.Decode, detail.ToString(CultureInfo.InvariantCulture));
}
