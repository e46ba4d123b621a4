using System.Text;

namespace BmsPace.Outputs.Console;

/// <summary>
/// Fills console lines from segments so that no line reaches 100 columns: terminals, <c>docker logs</c> and journald
/// show them unwrapped. A segment that does not fit goes on a continuation line; one longer than a line is cut after a
/// comma or a space.
/// </summary>
public static class ConsoleLines
{
    /// <summary>The widest line written (columns).</summary>
    public const int Width = 99;

    /// <summary>Where continuation lines start unless the caller indents them further.</summary>
    public const string Indent = "  ";

    private const string Separator = " | ";

    /// <summary>
    /// <paramref name="head"/> followed by the segments, separated by <c> | </c>, over as many lines as needed; continuation
    /// lines start with <paramref name="indent"/> (<see cref="Indent"/> when null).
    /// </summary>
    public static IEnumerable<string> Fill(string head, IEnumerable<string> segments, string? indent = null)
    {
        indent ??= Indent;
        var lines = new List<string>();
        var line = new StringBuilder();
        bool lineHasSegment = false;
        foreach (string piece in Cut(head, Width))
        {
            if (line.Length > 0)
            {
                lines.Add(line.ToString());
                line.Clear().Append(indent);
            }

            line.Append(piece);
        }

        foreach (string segment in segments.Where(s => s.Length > 0))
        {
            string joined = lineHasSegment ? Separator + segment : segment;
            if (line.Length + joined.Length <= Width)
            {
                line.Append(joined);
                lineHasSegment = true;
                continue;
            }

            if (line.Length > indent.Length)
            {
                lines.Add(line.ToString());
                line.Clear().Append(indent);
            }

            var pieces = Cut(segment, Width - indent.Length);
            for (int i = 0; i < pieces.Count; i++)
            {
                if (i > 0)
                {
                    lines.Add(line.ToString());
                    line.Clear().Append(indent);
                }

                line.Append(pieces[i]);
            }

            lineHasSegment = true;
        }

        if (line.Length > indent.Length || lines.Count == 0)
        {
            lines.Add(line.ToString());
        }

        return lines;
    }

    /// <summary>Cuts <paramref name="text"/> into pieces of at most <paramref name="width"/>, after a comma or a space where one is near.</summary>
    private static List<string> Cut(string text, int width)
    {
        var pieces = new List<string>();
        while (text.Length > width)
        {
            int cut = text.LastIndexOfAny([',', ' '], width - 1);
            int end = cut > width / 2 ? cut + 1 : width;
            pieces.Add(text[..end].TrimEnd());
            text = text[end..].TrimStart();
        }

        pieces.Add(text);
        return pieces;
    }
}
