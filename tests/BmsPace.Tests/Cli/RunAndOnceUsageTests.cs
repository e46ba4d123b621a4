using BmsPace.Commands;

namespace BmsPace.Tests.Cli;

/// <summary>The configuration gate of <c>run</c> and <c>once</c>: every problem named at once, exit code 2, nothing started.</summary>
public sealed class RunAndOnceUsageTests
{
    private static async Task<(int Exit, string Output, string Error)> RunCliAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int exit = await BmsPaceCli.InvokeAsync(args, output, error);
        return (exit, output.ToString(), error.ToString());
    }

    [Theory]
    [InlineData("run")]
    [InlineData("once")]
    public async Task A_bad_config_names_every_wrong_key_and_value_and_exits_2(string command)
    {
        string path = Path.Combine(Path.GetTempPath(), $"bmspace-bad-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(path, "scan_interval: often\nrequest_gap: -1s\ncolour: blue\nbatteries:\n  - name: main\n    connection: tcp://nowhere\n    address: 99\n");
        try
        {
            var (exit, output, error) = await RunCliAsync(command, "--config", path);

            Assert.Equal(2, exit);
            Assert.Equal("", output);
            Assert.Contains("scan_interval", error, StringComparison.Ordinal);
            Assert.Contains("request_gap", error, StringComparison.Ordinal);
            Assert.Contains("colour", error, StringComparison.Ordinal);
            Assert.Contains("batteries.0.connection", error, StringComparison.Ordinal);
            Assert.Contains("batteries.0.address", error, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("run")]
    [InlineData("once")]
    public async Task An_unknown_protocol_flag_names_the_flag_and_the_allowed_values(string command)
    {
        var (exit, output, error) = await RunCliAsync(command, "--simulate", "--protocol", "modbus");

        Assert.Equal(2, exit);
        Assert.Equal("", output);
        Assert.Contains("  --protocol: 'modbus' is not a protocol; allowed: auto, pace, eg4, seplos, pylontech, seplos-v3, eg4-ll or pace-modbus", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_config_file_is_a_usage_error()
    {
        var (exit, _, error) = await RunCliAsync("once", "--config", "/nonexistent/bmspace.yaml");

        Assert.Equal(2, exit);
        Assert.Contains("/nonexistent/bmspace.yaml", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_flag_is_a_usage_error()
    {
        var (exit, _, _) = await RunCliAsync("once", "--no-such-flag");

        Assert.Equal(2, exit);
    }
}
