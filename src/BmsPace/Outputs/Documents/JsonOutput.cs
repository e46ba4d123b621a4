using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace BmsPace.Outputs.Documents;

/// <summary>
/// One JSON document written in one go: a command's output line, an MQTT payload, an HTTP body. Compact, and serials,
/// versions and names are written as they are (this is not HTML).
/// </summary>
public static class JsonOutput
{
    public static JsonWriterOptions WriterOptions { get; } = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <param name="sizeHint">The bytes a typical document takes, so the buffer need not grow while it is written.</param>
    public static byte[] Utf8(Action<Utf8JsonWriter> write, int sizeHint = 4096)
    {
        ArgumentNullException.ThrowIfNull(write);
        var buffer = new ArrayBufferWriter<byte>(sizeHint);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            write(writer);
        }

        return buffer.WrittenSpan.ToArray();
    }

    public static string Text(Action<Utf8JsonWriter> write) => Encoding.UTF8.GetString(Utf8(write));
}
