using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using BmsPace.Configuration;
using BmsPace.Protocol.Dialects.Pace;

namespace BmsPace.Tests.Shipping;

[Trait("Category", "ShippedFiles")]
public sealed class ReadmeTests
{
    private static readonly string Readme = File.ReadAllText(RepositoryFiles.PathOf("README.md"));

    [Fact]
    public async Task The_decode_example_runs_from_a_checkout_and_shows_the_values_the_text_names()
    {
        const string Prefix = "dotnet run --project src/BmsPace -- ";
        string line = Assert.Single(Readme.Split('\n'), l => l.StartsWith(Prefix + "decode ", StringComparison.Ordinal));
        // The arguments as a shell would split them: the frame is the one single-quoted word.
        var args = Regex.Matches(line[Prefix.Length..], "'([^']*)'|(\\S+)").Select(m => m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value).ToArray();

        using var output = new StringWriter();
        using var error = new StringWriter();
        int exit = await BmsPace.Commands.BmsPaceCli.InvokeAsync(args, output, error);

        Assert.Equal(0, exit);
        using var document = System.Text.Json.JsonDocument.Parse(output.ToString());
        var pack = Assert.Single(document.RootElement.GetProperty("packs").EnumerateArray());
        Assert.Equal(16, pack.GetProperty("cell_count").GetInt32());
        Assert.Equal(-2.25, pack.GetProperty("current_amperes").GetDouble());
        Assert.Equal(52.429, pack.GetProperty("voltage_volts").GetDouble());
        Assert.Equal(48.19, pack.GetProperty("remaining_amp_hours").GetDouble());
        Assert.Equal(140, pack.GetProperty("cycle_count").GetInt32());
        Assert.Contains("-2.25 A", Readme, StringComparison.Ordinal);
    }

    [Fact]
    public void The_first_command_runs_the_simulator_and_the_second_runs_every_test()
    {
        var blocks = Regex.Matches(Readme, "^```[a-z]*\\n(.*?)^```", RegexOptions.Multiline | RegexOptions.Singleline)
            .Select(m => m.Groups[1].Value.Trim())
            .ToList();

        Assert.True(blocks.Count >= 2, "the README has fewer than two code blocks");
        Assert.Equal("dotnet run --project src/BmsPace -- run --simulate", blocks[0]);
        Assert.Equal("bash tests/run.sh", blocks[1]);
    }

    [Fact]
    public void The_migration_table_of_status_bits_names_our_flag_at_the_byte_and_bit_it_names()
    {
        var rows = Regex.Matches(Readme, @"^\| `(?<field>[a-z_0-9]+)` bit (?<bit>[0-7]) \| (?<python>[^|]+) \| `(?<ours>[a-z_]+)`[^|]* \|$", RegexOptions.Multiline)
            .Select(m => (Field: m.Groups["field"].Value, Bit: int.Parse(m.Groups["bit"].Value, System.Globalization.CultureInfo.InvariantCulture), Python: m.Groups["python"].Value.Trim(), Ours: m.Groups["ours"].Value))
            .ToList();

        // Every bit of instruction_state, and the "fully" bit of protect_state_2.
        Assert.Equal(Enumerable.Range(0, 8), rows.Where(r => r.Field == "instruction_state").Select(r => r.Bit).Order());
        foreach (var (field, bit, python, ours) in rows)
        {
            var flag = PaceFlagTable.All.SingleOrDefault(f => f.Field == field && f.Bit == bit && f.Family == BmsPace.Protocol.Readings.FlagFamily.Status);
            Assert.True(flag is not null, $"README names `{ours}` for {field} bit {bit}, but our flag table has no status flag there");
            Assert.Equal(flag.Name, ours);
        }

        // The three the issue named: the Python tool's pack_indicate, ac_in and heart.
        Assert.Contains(("instruction_state", 3, "`pack_indicate`", "discharging"), rows);
        Assert.Contains(("instruction_state", 5, "`ac_in`", "charging"), rows);
        Assert.Contains(("instruction_state", 7, "`heart`", "heater"), rows);
        Assert.Contains(("protect_state_2", 7, "`fully`", "fully_charged"), rows);
    }

    [Fact]
    public void The_simulators_day_is_described_as_the_model_runs_it()
    {
        var options = new BmsPace.Simulator.SimulatedBmsOptions();
        Assert.Contains($"compressed into one hour ({options.TimeScale:0} times real time)", Readme, StringComparison.Ordinal);
        Assert.Equal(24, options.TimeScale);
        Assert.Contains($"charge to about {BmsPace.Simulator.BatteryModel.HighestStateOfCharge * 100:0} %", Readme.ReplaceLineEndings(" ").Replace("  ", " ", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains($"discharge to about {BmsPace.Simulator.BatteryModel.LowestStateOfCharge * 100:0} %", Readme.ReplaceLineEndings(" ").Replace("  ", " ", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public void Every_configuration_key_is_in_the_configuration_reference()
    {
        var sections = new Dictionary<Type, string>
        {
            [typeof(PrometheusOptions)] = "prometheus.",
            [typeof(InfluxDbOptions)] = "influxdb.",
            [typeof(ConsoleOptions)] = "console.",
            [typeof(MqttOptions)] = "mqtt.",
        };
        var keys = new List<string>();
        foreach (var property in Settable(typeof(BmsPaceOptions)))
        {
            if (sections.TryGetValue(property.PropertyType, out var prefix))
            {
                // CaPem is what the loader read from ca_file, not a key of its own.
                keys.AddRange(Settable(property.PropertyType)
                    .Where(p => p.Name != nameof(MqttOptions.CaPem))
                    .SelectMany(p => p.PropertyType == typeof(MqttDiscoveryOptions)
                        ? Settable(p.PropertyType).Select(q => prefix + SnakeCase(p.Name) + "." + SnakeCase(q.Name))
                        : [prefix + SnakeCase(p.Name)]));
            }
            else
            {
                keys.Add(SnakeCase(property.Name));
            }
        }

        keys.AddRange(Settable(typeof(BatteryOptions)).Select(p => SnakeCase(p.Name)));
        Assert.Contains("influxdb.token_file", keys);

        var undocumented = keys.Where(key => !Readme.Contains($"`{key}`", StringComparison.Ordinal)).ToList();

        Assert.True(undocumented.Count == 0, "README.md does not document: " + string.Join(", ", undocumented));
    }

    private static IEnumerable<PropertyInfo> Settable(Type options) =>
        options.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite);

    private static string SnakeCase(string name)
    {
        var key = new StringBuilder();
        foreach (var c in name)
        {
            if (char.IsUpper(c) && key.Length > 0)
            {
                key.Append('_');
            }

            key.Append(char.ToLowerInvariant(c));
        }

        return key.ToString();
    }
}
