using BmsPace.Commands;
using BmsPace.Tests.Shipping;

namespace BmsPace.Tests.Cli;

/// <summary>
/// Configuration input that used to crash, hang or exhaust memory (issue 15) and the exporter habits of issue 13,
/// each through the real command line: one clear message and the documented exit code.
/// </summary>
public sealed class HostileConfigInputTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "bmspace-hostile-" + Guid.NewGuid().ToString("N"));

    public HostileConfigInputTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static async Task<(int Exit, string Output, string Error)> RunCliAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int exit = await BmsPaceCli.InvokeAsync(args, output, error);
        return (exit, output.ToString(), error.ToString());
    }

    private string Write(string name, string text)
    {
        string path = Path.Combine(_directory, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public async Task Dev_zero_as_config_is_refused_by_size()
    {
        var (exit, _, error) = await RunCliAsync("once", "--config", "/dev/zero");

        Assert.Equal(2, exit);
        Assert.Equal(["bmspace: invalid configuration (file /dev/zero), 1 problem:", "  /dev/zero: larger than 1 MiB; allowed: a configuration file of at most 1 MiB"], Lines(error));
    }

    [Fact]
    public async Task An_alias_inside_its_own_anchor_is_one_error()
    {
        string path = Write("self.yaml", "a: &x [*x]\n");

        var (exit, _, error) = await RunCliAsync("once", "--config", path);

        Assert.Equal(2, exit);
        Assert.Equal("  line 1, column 8: the alias *x refers to the value that contains it (or to no anchor); allowed: aliases of complete values", Lines(error)[1]);
        Assert.Equal(2, Lines(error).Length);
    }

    [Fact]
    public async Task A_billion_laughs_file_is_one_error()
    {
        var lines = new List<string> { "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]" };
        for (char name = 'b'; name <= 'i'; name++)
        {
            char previous = (char)(name - 1);
            lines.Add($"{name}: &{name} [{string.Join(",", Enumerable.Repeat("*" + previous, 9))}]");
        }

        string path = Write("laughs.yaml", string.Join("\n", lines) + "\n");

        var (exit, _, error) = await RunCliAsync("once", "--config", path);

        Assert.Equal(9, lines.Count);
        Assert.Equal(2, exit);
        Assert.Equal(2, Lines(error).Length);
        Assert.Matches(@"^  line \d+, column \d+: aliases expand to more than 100000 values; allowed: at most 100000$", Lines(error)[1]);
    }

    [Fact]
    public async Task Deep_nesting_is_one_error()
    {
        string path = Write("deep.yaml", "a: " + new string('[', 5000) + new string(']', 5000) + "\n");

        var (exit, _, error) = await RunCliAsync("once", "--config", path);

        Assert.Equal(2, exit);
        Assert.Equal("  line 1, column 35: nested more than 32 levels deep; allowed: at most 32", Lines(error)[1]);
    }

    [Fact]
    public async Task An_unclosed_bracket_is_one_error_with_its_line()
    {
        string path = Write("bracket.yaml", "a: [b\nc: d\n");

        var (exit, output, error) = await RunCliAsync("once", "--config", path);

        Assert.Equal(2, exit);
        Assert.Equal("", output);
        Assert.Equal(2, Lines(error).Length);
        Assert.StartsWith("  line 1, column 4: not valid YAML:", Lines(error)[1], StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task At_most_50_problems_are_listed_then_a_count()
    {
        string path = Write("many.yaml", string.Concat(Enumerable.Range(0, 120).Select(i => $"unknown_{i}: 1\n")));

        var (exit, _, error) = await RunCliAsync("once", "--config", path);

        Assert.Equal(2, exit);
        var lines = Lines(error);
        Assert.Equal($"bmspace: invalid configuration (file {path}), 120 problems:", lines[0]);
        Assert.Equal(52, lines.Length);
        Assert.StartsWith("  unknown_49: unknown key;", lines[50], StringComparison.Ordinal);
        Assert.Equal("  and 70 more", lines[51]);
    }

    [Fact]
    public async Task A_host_name_in_listen_is_refused_with_one_line_naming_the_flag()
    {
        var (exit, _, error) = await RunCliAsync("run", "--simulate", "--listen", "example.com:9863");

        Assert.Equal(2, exit);
        Assert.Equal(
            ["bmspace: invalid configuration, 1 problem:", "  --listen: 'example.com' is a host name, not an address (write the address it should listen on, 0.0.0.0 for every interface, or localhost); allowed: HOST:PORT such as 0.0.0.0:9863, :9863 or 9863, port 1 to 65535"],
            Lines(error));
    }

    [Fact]
    public async Task A_bad_listen_flag_is_blamed_on_the_flag_not_the_config_file()
    {
        string path = Write("config.yaml", "scan_interval: 5s\n");

        var (exit, _, error) = await RunCliAsync("run", "--config", path, "--simulate", "--listen", "70000");

        Assert.Equal(2, exit);
        Assert.Equal(["bmspace: invalid configuration, 1 problem:", "  --listen: '70000' is not a port; allowed: HOST:PORT such as 0.0.0.0:9863, :9863 or 9863, port 1 to 65535"], Lines(error));
    }

    [Fact]
    public async Task An_address_this_machine_does_not_have_is_one_line_and_exit_1()
    {
        // 192.0.2.0/24 is TEST-NET-1 (RFC 5737): never assigned to a real interface.
        var (exit, output, error) = await RunCliAsync("run", "--simulate", "--listen", "192.0.2.1:9863");

        Assert.Equal(1, exit);
        Assert.Equal("", output);
        string line = Assert.Single(Lines(error));
        Assert.StartsWith("bmspace: cannot listen on 192.0.2.1:9863: ", line, StringComparison.Ordinal);
        Assert.EndsWith("(set prometheus.listen or --listen)", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_empty_file_gives_one_notice_naming_the_defaults()
    {
        string path = Write("empty.yaml", "");

        var (exit, output, error) = await RunCliAsync("once", "--config", path, "--simulate");

        Assert.Equal(0, exit);
        Assert.Contains("Battery main", output, StringComparison.Ordinal);
        string notice = Assert.Single(Lines(error), line => line.StartsWith("bmspace: ", StringComparison.Ordinal));
        Assert.Equal($"bmspace: {path} holds no settings; running with the defaults: battery main on simulator?packs=3&cells=16&temps=6&tail=14&seed=1, /metrics on 0.0.0.0:9863, no InfluxDB", notice);
    }

    [Fact]
    public async Task A_directory_as_config_is_reported_as_a_directory()
    {
        var (exit, _, error) = await RunCliAsync("once", "--config", _directory);

        Assert.Equal(2, exit);
        Assert.Equal($"  --config: '{_directory}' is a directory; allowed: the path of a readable YAML file, such as {Path.Combine(_directory, "config.yaml")}", Lines(error)[1]);
    }

    [Fact]
    public async Task Dev_null_as_serial_port_is_not_blamed_on_the_dialout_group()
    {
        // The poller logs through the console logger, so the real program runs in its own process.
        var result = await ExternalTool.RunAsync(
            "dotnet",
            [Path.Combine(AppContext.BaseDirectory, "bmspace.dll"), "once", "--connect", "serial:///dev/null"],
            TimeSpan.FromMinutes(2),
            workingDirectory: _directory);

        Assert.True(result.ExitCode == 1, result.Transcript);
        Assert.Contains("cannot open serial device /dev/null: it is not a serial port (it takes no line settings); check the path", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("dialout", result.StandardError, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(":9870", "0.0.0.0:9870")]
    [InlineData("9870", "0.0.0.0:9870")]
    [InlineData("127.0.0.1:9870", "127.0.0.1:9870")]
    [InlineData("[::1]:9870", "[::1]:9870")]
    public async Task Node_exporter_listen_forms_are_accepted(string listen, string expected)
    {
        var flag = await BmsPace.Configuration.ConfigLoader.LoadAsync(new() { WorkingDirectory = _directory, Listen = listen }, CancellationToken.None);
        var environment = await BmsPace.Configuration.ConfigLoader.LoadAsync(
            new() { WorkingDirectory = _directory, EnvironmentVariables = new Dictionary<string, string> { ["BMSPACE_PROMETHEUS__LISTEN"] = listen } },
            CancellationToken.None);

        Assert.True(flag.IsValid, string.Join("\n", flag.Errors));
        Assert.Equal(expected, flag.Options.Prometheus.Listen);
        Assert.True(environment.IsValid, string.Join("\n", environment.Errors));
        Assert.Equal(expected, environment.Options.Prometheus.Listen);
    }

    [Theory]
    [InlineData("/dev/ttyUSB0", "/dev/ttyUSB0", 9600)]
    [InlineData("/dev/serial/by-id/usb-FTDI-if00?baud=19200", "/dev/serial/by-id/usb-FTDI-if00", 19200)]
    public async Task A_bare_device_path_is_a_serial_connection(string connect, string path, int baud)
    {
        var result = await BmsPace.Configuration.ConfigLoader.LoadAsync(new() { WorkingDirectory = _directory, Connect = connect }, CancellationToken.None);

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        var serial = Assert.IsType<BmsPace.Configuration.SerialConnectionSpec>(Assert.Single(result.Options.Batteries).Connection);
        Assert.Equal(path, serial.Path);
        Assert.Equal(baud, serial.BaudRate);
    }
}
