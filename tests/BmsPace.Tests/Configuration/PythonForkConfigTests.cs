using BmsPace.Commands;
using BmsPace.Configuration;

namespace BmsPace.Tests.Configuration;

/// <summary>Users of the andrevza fork and of the Home Assistant add-on switch without rewriting their configuration (issue 13, item 2).</summary>
public sealed class PythonForkConfigTests : IDisposable
{
    private static readonly string[] ForkKeys =
    [
        "strict_unknown_rtn", "warning_state_max_len", "log_periodic_info", "heartbeat_log_interval_min", "bms_connect_retries",
        "bms_connect_retry_delay", "packs_to_read", "max_pack_count", "max_cells_per_pack", "max_temps_per_pack",
    ];

    private readonly ConfigFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    [Fact]
    public async Task The_fork_config_loads_with_one_notice_per_key_it_does_not_use()
    {
        var result = await _fixture.LoadAsync("python-andrevza-3.1.2.yaml");

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        var battery = Assert.Single(result.Options.Batteries);
        Assert.Equal(new TcpConnectionSpec("10.0.0.61", 5000), battery.Connection);
        Assert.Equal(2, result.Options.ZeroPadNumberPacks);
        foreach (string key in ForkKeys)
        {
            string notice = Assert.Single(result.Notices, n => n.StartsWith(key + ":", StringComparison.Ordinal));
            Assert.Contains(": not used: ", notice, StringComparison.Ordinal);
        }

        string mqtt = Assert.Single(result.Notices, n => n.Contains("not used by bmspace", StringComparison.Ordinal));
        Assert.Contains("mqtt_client_id", mqtt, StringComparison.Ordinal);
        Assert.DoesNotContain(result.Notices, n => n.Contains("fork-mqtt-secret", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_fork_config_runs_once_and_prints_its_notices()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        int exit = await BmsPaceCli.InvokeAsync(["once", "--config", ConfigFixture.Fixture("python-andrevza-3.1.2.yaml"), "--simulate"], output, error);

        Assert.Equal(0, exit);
        Assert.Contains("Battery main", output.ToString(), StringComparison.Ordinal);
        var notices = error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        foreach (string key in ForkKeys)
        {
            Assert.Single(notices, line => line.StartsWith($"bmspace: {key}: not used: ", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task The_add_on_options_json_is_found_where_the_add_on_keeps_it()
    {
        string addOn = Path.Combine(_fixture.WorkingDirectory, "data", "options.json");
        Directory.CreateDirectory(Path.GetDirectoryName(addOn)!);
        File.Copy(ConfigFixture.Fixture("addon-options.json"), addOn);

        var result = await _fixture.LoadAsync();

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        Assert.Equal(addOn, result.ConfigFile);
        Assert.Equal(new SerialConnectionSpec("/dev/ttyUSB1"), Assert.Single(result.Options.Batteries).Connection);
        Assert.Equal(TimeSpan.FromSeconds(7), result.Options.ScanInterval);
        Assert.Single(result.Notices, n => n.StartsWith("bms_connect_retries: not used:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_config_yaml_in_the_working_directory_wins_over_the_add_on_options()
    {
        string addOn = Path.Combine(_fixture.WorkingDirectory, "data", "options.json");
        Directory.CreateDirectory(Path.GetDirectoryName(addOn)!);
        File.Copy(ConfigFixture.Fixture("addon-options.json"), addOn);
        string own = _fixture.WriteFile("config.yaml", "scan_interval: 9s\n");

        var result = await _fixture.LoadAsync();

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        Assert.Equal(own, result.ConfigFile);
        Assert.Equal(TimeSpan.FromSeconds(9), result.Options.ScanInterval);
    }
}
