using System.IO.Compression;
using System.Security.Cryptography;

namespace BmsPace.Web.Status;

/// <summary>One file of the page: its bytes, the same gzip-compressed, its type and its entity tag.</summary>
public sealed record StatusAsset(string Path, string ContentType, byte[] Plain, byte[] Gzip, string ETag);

/// <summary>
/// The status page's files (HTML, CSS, JavaScript), embedded in the program and compressed once at start: no file is
/// read from disk and nothing comes from the network.
/// </summary>
public static class StatusAssets
{
    /// <summary>Route (relative to the web root) and content type of every embedded file.</summary>
    private static readonly (string Route, string Resource, string ContentType)[] Files =
    [
        ("/", "status/index.html", "text/html; charset=utf-8"),
        ("/status.css", "status/status.css", "text/css; charset=utf-8"),
        ("/status.js", "status/status.js", "text/javascript; charset=utf-8"),
    ];

    public static IReadOnlyList<StatusAsset> All { get; } = [.. Files.Select(Load)];

    private static StatusAsset Load((string Route, string Resource, string ContentType) file)
    {
        using var stream = typeof(StatusAssets).Assembly.GetManifestResourceStream(file.Resource)
            ?? throw new InvalidOperationException($"the embedded resource {file.Resource} is missing from the build");
        using var plain = new MemoryStream();
        stream.CopyTo(plain);
        byte[] bytes = plain.ToArray();
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            gzip.Write(bytes);
        }

        string etag = "\"" + Convert.ToHexStringLower(SHA256.HashData(bytes).AsSpan(0, 8)) + "\"";
        return new StatusAsset(file.Route, file.ContentType, bytes, compressed.ToArray(), etag);
    }
}
