namespace BmsPace.Tests.Shipping;

[Trait("Category", "ShippedFiles")]
public sealed class SystemdUnitTests : IDisposable
{
    private const string ShippedExecStart = "/opt/bmspace/bmspace run --config /etc/bmspace/config.yaml";

    private static readonly string UnitPath = RepositoryFiles.PathOf("deploy", "systemd", "bmspace.service");

    private readonly string _scratch = Directory.CreateTempSubdirectory("bmspace-systemd-").FullName;

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    [Fact]
    public async Task Systemd_analyze_verify_accepts_the_unit_with_no_warnings()
    {
        // verify checks that ExecStart's program exists and is executable; /opt/bmspace is empty on a build
        // machine, so a copy of the unit points at a stand-in program (true) and everything else stays as shipped.
        var standIn = ExternalTool.Require("true", "coreutils");
        var unit = await File.ReadAllTextAsync(UnitPath);
        Assert.Contains($"ExecStart={ShippedExecStart}\n", unit, StringComparison.Ordinal);
        var copy = Path.Combine(_scratch, "bmspace.service");
        await File.WriteAllTextAsync(copy, unit.Replace("/opt/bmspace/bmspace ", standIn + " ", StringComparison.Ordinal));

        var result = await VerifyAsync(copy);

        Assert.True(result.ExitCode == 0 && result.StandardError.Trim().Length == 0 && result.StandardOutput.Trim().Length == 0, result.Transcript);
    }

    [Fact]
    public async Task Systemd_analyze_verify_rejects_the_unit_when_its_program_is_missing()
    {
        var copy = Path.Combine(_scratch, "bmspace.service");
        var unit = await File.ReadAllTextAsync(UnitPath);
        await File.WriteAllTextAsync(copy, unit.Replace("/opt/bmspace/bmspace ", Path.Combine(_scratch, "absent") + " ", StringComparison.Ordinal));

        var result = await VerifyAsync(copy);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("absent", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public void Unit_runs_unprivileged_with_serial_access_in_a_read_only_sandbox_and_restarts_on_failure()
    {
        var settings = File.ReadAllLines(UnitPath)
            .Where(line => line.Contains('=', StringComparison.Ordinal) && !line.StartsWith('#'))
            .Select(line => line.Split('=', 2))
            .ToLookup(pair => pair[0], pair => pair[1]);

        Assert.Equal("notify", Assert.Single(settings["Type"]));
        Assert.Equal("yes", Assert.Single(settings["DynamicUser"]));
        Assert.Equal("dialout", Assert.Single(settings["SupplementaryGroups"]));
        Assert.Equal("strict", Assert.Single(settings["ProtectSystem"]));
        Assert.Equal("yes", Assert.Single(settings["ProtectHome"]));
        Assert.Equal("yes", Assert.Single(settings["PrivateTmp"]));
        Assert.Equal("yes", Assert.Single(settings["NoNewPrivileges"]));
        Assert.Equal("on-failure", Assert.Single(settings["Restart"]));
        Assert.Equal("2", Assert.Single(settings["RestartPreventExitStatus"]));
        Assert.Equal("closed", Assert.Single(settings["DevicePolicy"]));
        Assert.Equal(["char-ttyUSB rw", "char-ttyACM rw", "char-ttyS rw"], settings["DeviceAllow"]);
        Assert.Equal(["AF_INET", "AF_INET6", "AF_UNIX", "AF_NETLINK"], Assert.Single(settings["RestrictAddressFamilies"]).Split(' '));
        Assert.Empty(settings["MemoryDenyWriteExecute"]);
    }

    [Fact]
    public void Unit_retries_a_failure_that_can_clear_and_stops_on_a_configuration_error()
    {
        var settings = File.ReadAllLines(UnitPath)
            .Where(line => line.Contains('=', StringComparison.Ordinal) && !line.StartsWith('#'))
            .Select(line => line.Split('=', 2))
            .ToLookup(pair => pair[0], pair => pair[1]);
        var prevented = settings["RestartPreventExitStatus"].SelectMany(value => value.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();

        // Restart=on-failure restarts after any non-zero exit that RestartPreventExitStatus does not name.
        Assert.Equal("on-failure", Assert.Single(settings["Restart"]));
        Assert.Contains(BmsPace.Commands.BmsPaceCli.ExitUsage.ToString(System.Globalization.CultureInfo.InvariantCulture), prevented);
        Assert.DoesNotContain(BmsPace.Commands.BmsPaceCli.ExitDeviceFailed.ToString(System.Globalization.CultureInfo.InvariantCulture), prevented);
    }

    private static Task<ToolResult> VerifyAsync(string unit) =>
        ExternalTool.RunAsync(
            ExternalTool.Require("systemd-analyze", "the Debian package systemd"),
            ["verify", "--man=no", unit],
            TimeSpan.FromMinutes(1));
}
