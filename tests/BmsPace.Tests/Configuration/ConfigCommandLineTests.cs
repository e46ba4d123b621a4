using System.CommandLine;
using BmsPace.Commands;
using BmsPace.Configuration;

namespace BmsPace.Tests.Configuration;

public sealed class ConfigCommandLineTests
{
    [Fact]
    public void The_flags_become_config_sources()
    {
        var command = new Command("run");
        var flags = ConfigCommandLine.AddTo(command);

        var parsed = command.Parse(["--config", "/etc/bmspace.yaml", "--connect", "tcp://127.0.0.1:5000", "--listen", "127.0.0.1:9", "--simulate", "--protocol", "eg4"]);
        var sources = flags.ToSources(parsed);

        Assert.Empty(parsed.Errors);
        Assert.Equal("/etc/bmspace.yaml", sources.ConfigPath);
        Assert.Equal("tcp://127.0.0.1:5000", sources.Connect);
        Assert.Equal("127.0.0.1:9", sources.Listen);
        Assert.Equal("eg4", sources.Protocol);
        Assert.True(sources.Simulate);
        Assert.Equal(Environment.GetEnvironmentVariable("PATH"), sources.EnvironmentVariables["PATH"]);
    }

    [Fact]
    public void A_command_without_listen_rejects_the_flag()
    {
        var command = new Command("once");
        var flags = ConfigCommandLine.AddTo(command, withListen: false, withSimulate: false);

        var parsed = command.Parse(["--listen", "127.0.0.1:9"]);
        var sources = flags.ToSources(command.Parse([]));

        Assert.NotEmpty(parsed.Errors);
        Assert.Null(sources.Listen);
        Assert.False(sources.Simulate);
        Assert.Null(sources.ConfigPath);
    }

    [Fact]
    public async Task Errors_are_printed_one_a_line_and_give_exit_code_2()
    {
        var result = new ConfigLoadResult(null, ["retries: 11 is out of range; allowed: a whole number from 0 to 10 (line 3)", "console.colour: unknown key; allowed: enabled (line 9)"], [], "/etc/bmspace.yaml");
        var error = new StringWriter();

        int exitCode = await ConfigCommandLine.ReportErrorsAsync(result, error);

        Assert.Equal(2, exitCode);
        string[] lines = error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.Equal("bmspace: invalid configuration (file /etc/bmspace.yaml), 2 problems:", lines[0].TrimEnd('\r'));
        Assert.Equal("  retries: 11 is out of range; allowed: a whole number from 0 to 10 (line 3)", lines[1].TrimEnd('\r'));
    }
}
