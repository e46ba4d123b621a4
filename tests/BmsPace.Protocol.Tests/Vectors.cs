using System.Globalization;
using System.Text.Json;

namespace BmsPace.Protocol.Tests;

/// <summary>The frames of Fixtures/vectors.json (copied from the shared protocol folder; frames are facts).</summary>
internal static class Vectors
{
    private static readonly Lazy<JsonDocument> Document = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "vectors.json"))));

    public static IEnumerable<JsonElement> All => Document.Value.RootElement.GetProperty("vectors").EnumerateArray();

    public static JsonElement ById(string id) => All.Single(v => v.GetProperty("id").GetString() == id);

    public static IEnumerable<string> Ids(Func<JsonElement, bool> where) =>
        All.Where(where).Select(v => v.GetProperty("id").GetString()!);

    public static string? Text(this JsonElement vector, string name) =>
        vector.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    public static byte HexByte(this JsonElement vector, string name) =>
        byte.Parse(vector.Text(name)!.Replace("0x", "", StringComparison.Ordinal), NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    public static bool IsDamaged(this JsonElement vector) => vector.Text("id")!.StartsWith("bad-", StringComparison.Ordinal);

    public static bool ChecksumsAllOk(this JsonElement vector)
    {
        var checksum = vector.GetProperty("checksum");
        return checksum.GetProperty("lchksum_ok").GetBoolean() && checksum.GetProperty("length_ok").GetBoolean() && checksum.GetProperty("chksum_ok").GetBoolean();
    }

    public static TheoryData<string> AsTheoryData(this IEnumerable<string> ids)
    {
        var data = new TheoryData<string>();
        foreach (var id in ids)
        {
            data.Add(id);
        }

        return data;
    }
}
