using System.Globalization;
using System.Text.Json;
using BmsPace.Protocol.Dialects.Eg4Ll;
using BmsPace.Protocol.Dialects.PaceModbus;
using BmsPace.Protocol.Dialects.SeplosV3;
using BmsPace.Protocol.Modbus;

namespace BmsPace.Protocol.Tests.Modbus;

/// <summary>The frames of Fixtures/modbus-vectors.json (copied from the shared protocol folder; frames are facts).</summary>
internal static class ModbusVectors
{
    private static readonly Lazy<JsonDocument> Document = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "modbus-vectors.json"))));

    public static IEnumerable<JsonElement> All => Document.Value.RootElement.GetProperty("vectors").EnumerateArray();

    public static JsonElement ById(string id) => All.Single(v => v.GetProperty("id").GetString() == id);

    public static IEnumerable<string> Ids(Func<JsonElement, bool> where) => All.Where(where).Select(v => v.GetProperty("id").GetString()!);

    public static bool IsWriteExample(this JsonElement vector) =>
        vector.TryGetProperty("write_example", out var write) && write.ValueKind == JsonValueKind.True;

    public static bool IsDamaged(this JsonElement vector) =>
        vector.TryGetProperty("damaged", out var damaged) && damaged.ValueKind == JsonValueKind.True;

    public static byte[]? Bytes(this JsonElement vector, string name) =>
        vector.Text(name) is { } hex ? Convert.FromHexString(hex) : null;

    public static int Int(this JsonElement vector, string name) => vector.GetProperty(name).GetInt32();

    /// <summary>The vector's family name (eg4_ll) as the protocol name (eg4-ll).</summary>
    public static ModbusDialect Dialect(this JsonElement vector) => vector.Text("family") switch
    {
        "eg4_ll" => new Eg4LlDialect(),
        "seplos_v3" => new SeplosV3Dialect(),
        "pace_modbus" => new PaceModbusDialect(),
        var other => throw new InvalidOperationException($"unknown family {other}"),
    };

    public static string Hex(byte value) => "0x" + value.ToString("X2", CultureInfo.InvariantCulture);
}
