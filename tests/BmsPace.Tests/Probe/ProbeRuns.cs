using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using BmsPace.Commands;
using BmsPace.Probe;
using BmsPace.Protocol.Commands;
using BmsPace.Protocol.Framing;
using BmsPace.Protocol.Modbus;
using BmsPace.Simulator;
using BmsPace.Tests.Simulation;
using BmsPace.Tests.Shipping;
using BmsPace.Tests.Transport;

namespace BmsPace.Tests.Probe;

/// <summary>Runs <c>bmspace probe --json</c> in-process and reads its object; the checks every probe test shares.</summary>
internal static class ProbeRuns
{
    /// <summary>The CID2 codes probe may send: the analog read, PACE's 0xC1 and the 0x20 family's 0x51 identity reads.</summary>
    private static readonly HashSet<byte> ProbeRequests = [0x42, 0xC1, 0x51];

    public static readonly TimeSpan OneConnectionLimit = TimeSpan.FromSeconds(60);

    /// <summary>Every request is a whole frame whose CID2 is one of the probe's reads, and each is in the read-only set.</summary>
    internal static void AssertOnlyReadOnly(IReadOnlyList<string> requests)
    {
        Assert.NotEmpty(requests);
        foreach (string request in requests)
        {
            if (!request.StartsWith('~'))
            {
                // Throws on anything but a read request (functions 01, 03, 04) with a good CRC.
                ModbusRead.Parse(Encoding.Latin1.GetBytes(request));
                continue;
            }

            var frame = FrameDecoder.ParseRequest(request);
            Assert.Contains(frame.Cid2, ProbeRequests);
            Assert.True(ReadOnlyCommandSet.IsReadOnly(frame.Cid2), $"CID2 {frame.Cid2:X2} of {request.TrimEnd('\r')} is not read-only");
        }
    }

    /// <summary>The attempts that asked an ASCII question (a request starting with '~') and those that asked a Modbus RTU read.</summary>
    internal static (List<Attempt> Ascii, List<Attempt> Modbus) ByLanguage(IReadOnlyList<Attempt> attempts) =>
        ([.. attempts.Where(a => a.Request!.StartsWith('~'))], [.. attempts.Where(a => !a.Request!.StartsWith('~'))]);

    internal static async Task WaitUntilAsync(Func<bool> condition)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), "the condition never became true");
            await Task.Delay(20);
        }
    }

    internal static string Vector(string id, string field)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(RepositoryFiles.PathOf("tests", "BmsPace.Protocol.Tests", "Fixtures", "vectors.json")));
        var vector = document.RootElement.GetProperty("vectors").EnumerateArray().Single(v => v.GetProperty("id").GetString() == id);
        return vector.GetProperty(field).GetString()!;
    }

    internal static async Task<ProbeRun> ProbeJsonAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var watch = Stopwatch.StartNew();
        int exit = await BmsPaceCli.InvokeAsync(["probe", "--json", .. args], output, error);
        watch.Stop();
        using var document = JsonDocument.Parse(output.ToString());
        var root = document.RootElement;
        var attempts = root.GetProperty("attempts").EnumerateArray().Select(a => new Attempt(
            a.GetProperty("connection").GetString()!,
            a.GetProperty("baud").ValueKind == JsonValueKind.Null ? null : a.GetProperty("baud").GetInt32(),
            a.GetProperty("protocol").GetString(),
            a.GetProperty("address").ValueKind == JsonValueKind.Null ? null : a.GetProperty("address").GetInt32(),
            a.GetProperty("outcome").GetString()!,
            a.GetProperty("detail").GetString()!,
            a.GetProperty("request").GetString())).ToList();
        var verdict = root.GetProperty("verdicts").EnumerateArray().SelectMany(v => v.GetProperty("lines").EnumerateArray().Select(l => l.GetString()!)).ToList();

        // Progress lines went to stderr as the attempts happened, one per attempt.
        string[] progress = error.ToString().Split('\n');
        Assert.Equal(attempts.Count, progress.Count(line => attempts.Any(a => line.StartsWith($"  {a.Connection} ", StringComparison.Ordinal))));
        return new ProbeRun(exit, [.. root.GetProperty("found").EnumerateArray().Select(f => f.Clone())], attempts, verdict, watch.Elapsed);
    }

    internal sealed record Attempt(string Connection, int? Baud, string? Protocol, int? Address, string Outcome, string Detail, string? Request);

    internal sealed record ProbeRun(int Exit, IReadOnlyList<JsonElement> Found, IReadOnlyList<Attempt> Attempts, IReadOnlyList<string> Verdict, TimeSpan Elapsed);
}
