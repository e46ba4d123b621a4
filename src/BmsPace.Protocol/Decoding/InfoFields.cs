namespace BmsPace.Protocol.Decoding;

/// <summary>Field encodings several dialects share.</summary>
internal static class InfoFields
{
    /// <summary>The temperature value PACE V3.1 sends for a sensor that is not present (decoded as NaN); honoured for every dialect.</summary>
    public const int AbsentSensor = 0x8000;

    /// <summary>
    /// ASCII text padded with spaces or NULs. Everything from the first NUL on is padding; other control or non-ASCII
    /// bytes become '?' so the text is safe in a label or a log line.
    /// </summary>
    public static string Text(ReadOnlySpan<byte> bytes)
    {
        int end = bytes.IndexOf((byte)0);
        var text = end < 0 ? bytes : bytes[..end];
        var chars = new char[text.Length];
        for (int i = 0; i < text.Length; i++)
        {
            chars[i] = text[i] is >= 0x20 and <= 0x7E ? (char)text[i] : '?';
        }

        return new string(chars).TrimEnd(' ');
    }
}
