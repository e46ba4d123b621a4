using System.Globalization;
using System.Text;
using BmsPace.Protocol.Commands;
using Microsoft.Extensions.Logging;

namespace BmsPace.Polling;

/// <summary>Every frame sent and received, in the <see cref="LogCategories.Frames"/> category: ASCII with CR shown at Debug, with its bytes in hex at Trace.</summary>
internal sealed class FrameLog(string battery, ILogger frames)
{
    public void Write(string direction, CommandKind kind, string frame)
    {
        if (!frames.IsEnabled(LogLevel.Debug))
        {
            return;
        }

        string ascii = frame.Replace("\r", "\\r", StringComparison.Ordinal);
        if (!frames.IsEnabled(LogLevel.Trace))
        {
            PollerLog.Frame(frames, battery, direction, kind.ToLabel(), ascii);
            return;
        }

        var hex = new StringBuilder(frame.Length * 3);
        foreach (char c in frame)
        {
            hex.Append(((int)c).ToString("X2", CultureInfo.InvariantCulture)).Append(' ');
        }

        PollerLog.FrameWithHex(frames, battery, direction, kind.ToLabel(), ascii, hex.ToString().TrimEnd());
    }
}
