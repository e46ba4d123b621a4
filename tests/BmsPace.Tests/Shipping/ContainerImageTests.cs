using System.Globalization;
using BmsPace.Tests.Influx;

namespace BmsPace.Tests.Shipping;

/// <summary>
/// The image built from the repository's Dockerfile, run with Docker as the README's Docker section says: the commands
/// are taken from the README, with the test's image tag, paths, a free port and faster health checks put in.
/// </summary>
[Collection(PublishCollection.Name)]
[Trait("Category", "ContainerImage")]
public sealed class ContainerImageTests(ContainerImagesFixture images) : IClassFixture<ContainerImagesFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task The_readme_simulator_command_serves_metrics_and_the_status_page_on_the_host_network_as_uid_1654()
    {
        images.AssertBuilt();
        int port = ServerProcess.FreePort();
        string name = ContainerName();
        var command = ReadmeDockerCommand.Find("docker run --rm --network host bmspace run --simulate")
            .Replace("bmspace", images.Image)
            .Add("-d", "--name", name, "-e", $"BMSPACE_PROMETHEUS__LISTEN=127.0.0.1:{port}");
        await images.Docker.MustAsync(command.Arguments);
        try
        {
            string metrics = await MetricsWhenAsync(port, name, text => text.Contains("pace_bms_packs_decoded{battery=\"main\"} 3", StringComparison.Ordinal));
            Assert.Contains("pace_bms_up{battery=\"main\"} 1", metrics, StringComparison.Ordinal);
            AssertPacksAreWhole(metrics, "main", packs: 3);

            using var http = new HttpClient();
            using var page = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/"));
            Assert.Equal(System.Net.HttpStatusCode.OK, page.StatusCode);
            Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);

            // The container's main process as the host's kernel sees it.
            string status = await File.ReadAllTextAsync($"/proc/{await images.Docker.MustAsync("inspect", "--format", "{{.State.Pid}}", name)}/status");
            Assert.Matches(@"(?m)^Uid:\s+1654\s+1654\s+1654\s+1654$", status);
            Assert.Matches(@"(?m)^Gid:\s+20\s+20\s+20\s+20$", status);
        }
        finally
        {
            await images.Docker.DockerAsync("rm", "-f", name);
        }
    }

    [Fact]
    public async Task A_pty_mounted_where_the_serial_adapter_goes_is_read_and_the_health_check_follows_the_battery()
    {
        images.AssertBuilt();
        string folder = ServerProcess.TempDirectory("bmspace-image-pty");
        string link = Path.Combine(folder, "ttyBMS");
        using var simulatorStop = new CancellationTokenSource();
        var simulator = Task.Run(() => BmsPace.Commands.BmsPaceCli.InvokeAsync(["simulate", "--pty", link, "--packs", "2"], TextWriter.Null, TextWriter.Null, simulatorStop.Token));
        string pty = await PtyWhenReadyAsync(link, simulator);

        // What udev gives a USB serial adapter on Debian: group dialout, read and write for the group.
        Assert.Equal(0, (await ExternalTool.RunAsync("chgrp", ["20", pty], TimeSpan.FromSeconds(10))).ExitCode);
        Assert.Equal(0, (await ExternalTool.RunAsync("chmod", ["660", pty], TimeSpan.FromSeconds(10))).ExitCode);

        int port = ServerProcess.FreePort();
        string config = Path.Combine(folder, "config.yaml");
        await File.WriteAllTextAsync(config, $"""
            scan_interval: 1s
            request_timeout: 500ms
            stale_after_cycles: 1
            batteries:
              - name: rack
                connection: serial:///dev/ttyUSB0
                packs: all
            prometheus:
              listen: 127.0.0.1:{port}
            """);
        string name = ContainerName();
        var command = ReadmeDockerCommand.Find("docker run -d --name bmspace --restart unless-stopped --network host")
            .Replace("bmspace", name)
            .Add("--health-interval=1s", "--health-retries=2", "--health-start-period=0s")
            .MapHostPath("/etc/bmspace/config.yaml:ro", config)
            .MapHostPath("/dev/ttyUSB0", pty);

        // The one change to the README's command: a pty opens only through its own devpts inode, and --device makes a
        // new node in the container's /dev, which the kernel answers with EIO for a pty (for a USB adapter's node it
        // is the way). So the stand-in adapter is bind-mounted at the path --device would have made, with the same
        // owner, group and mode, and the container reaches it through the same device rules.
        command.Replace("--device", "--volume").Replace(command.Words[^1], images.Image);
        await images.Docker.MustAsync(command.Arguments);
        try
        {
            await MetricsWhenAsync(port, name, text => text.Contains("pace_bms_packs_decoded{battery=\"rack\"} 2", StringComparison.Ordinal));
            await HealthWhenAsync(name, "healthy");

            await simulatorStop.CancelAsync();
            await simulator;

            await HealthWhenAsync(name, "unhealthy");
        }
        finally
        {
            await images.Docker.DockerAsync("rm", "-f", name);
            await simulatorStop.CancelAsync();
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Configuration_from_a_mounted_file_and_bmspace_variables_and_docker_stop_flushes_influxdb_and_exits_0()
    {
        images.AssertBuilt();
        await using var influx = await InfluxDbServer.StartAsync();
        await influx.CreateDatabaseAsync("bms");
        string folder = ServerProcess.TempDirectory("bmspace-image-stop");
        string config = Path.Combine(folder, "config.yaml");
        int port = ServerProcess.FreePort();

        // A flush interval of an hour: whatever reaches InfluxDB was written by the shutdown.
        await File.WriteAllTextAsync(config, $"""
            scan_interval: 1s
            batteries:
              - name: garage
                connection: simulator?packs=3
            influxdb:
              enabled: true
              url: {influx.Url}
              api: v1
              database: bms
              flush_interval: 1h
              batch_size: 100000
            """);
        string name = ContainerName();
        var command = ReadmeDockerCommand.Find("docker run -d --name bmspace --restart unless-stopped --network host")
            .Replace("bmspace", name)
            .MapHostPath("/etc/bmspace/config.yaml:ro", config)
            .Add("-e", "BMSPACE_BATTERIES__0__CONNECTION=simulator?packs=2", "-e", $"BMSPACE_PROMETHEUS__LISTEN=127.0.0.1:{port}");
        command.Without("--device").Replace(command.Words[^1], images.Image);
        await images.Docker.MustAsync(command.Arguments);
        try
        {
            // The battery's name is the file's, its two packs the variable's.
            await MetricsWhenAsync(port, name, text => text.Contains("pace_bms_packs_decoded{battery=\"garage\"} 2", StringComparison.Ordinal));
            Assert.Equal(0, await influx.CountAsync("pace_bms_pack", "bms", "voltage_volts"));

            var stop = ReadmeStopCommand();
            stop[^1] = name;
            await images.Docker.MustAsync([.. stop.Skip(1)]);

            // 137 would be Docker's SIGKILL after its 10 s grace: 0 is bmspace ending by itself on SIGTERM.
            Assert.Equal("0", await images.Docker.MustAsync("inspect", "--format", "{{.State.ExitCode}}", name));
            Assert.True(await influx.CountAsync("pace_bms_pack", "bms", "voltage_volts") >= 2, await images.Docker.MustAsync("logs", name));
        }
        finally
        {
            await images.Docker.DockerAsync("rm", "-f", name);
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task The_arm64_image_holds_an_aarch64_executable_whose_glibc_needs_its_base_meets()
    {
        images.AssertBuilt();
        string folder = ServerProcess.TempDirectory("bmspace-image-arm64");
        string container = await images.Docker.MustAsync("create", images.Arm64Image);
        try
        {
            foreach (string file in new[] { "/app/bmspace", "/app/libSystem.IO.Ports.Native.so", "/lib/aarch64-linux-gnu/libc.so.6" })
            {
                await images.Docker.MustAsync("cp", "-L", $"{container}:{file}", Path.Combine(folder, Path.GetFileName(file)));
            }

            string program = Path.Combine(folder, "bmspace");
            await NativeBinary.AssertRunsOnBookwormAsync(program, NativeBinary.Aarch64);
            await NativeBinary.AssertRunsOnBookwormAsync(Path.Combine(folder, "libSystem.IO.Ports.Native.so"), NativeBinary.Aarch64);
            Assert.Equal(NativeBinary.Aarch64, await NativeBinary.MachineAsync(Path.Combine(folder, "libc.so.6")));

            // The newest GLIBC_x.y the executable asks for is defined by the base's own C library.
            var needed = await NativeBinary.NewestGlibcVersionAsync(program, NativeBinary.Aarch64);
            var provided = await NativeBinary.NewestGlibcVersionAsync(Path.Combine(folder, "libc.so.6"), NativeBinary.Aarch64);
            Assert.True(needed <= provided, $"bmspace needs GLIBC_{needed}, the image's libc provides up to GLIBC_{provided}");
            Assert.Equal("arm64", await images.Docker.MustAsync("image", "inspect", "--format", "{{.Architecture}}", images.Arm64Image));
        }
        finally
        {
            await images.Docker.DockerAsync("rm", container);
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task The_runtime_image_is_under_40_mb_with_the_executable_as_its_only_large_file()
    {
        images.AssertBuilt();
        long size = long.Parse(await images.Docker.MustAsync("image", "inspect", "--format", "{{.Size}}", images.Image), CultureInfo.InvariantCulture);

        Assert.True(size < 40_000_000, $"{images.Image} is {size / 1e6:0.0} MB");
    }

    [Fact]
    public async Task The_add_on_image_runs_bmspace_as_pid_1_on_its_options_with_the_broker_the_supervisor_names()
    {
        images.AssertBuilt();
        string password = "supervisor-given-" + Guid.NewGuid().ToString("N")[..8];
        await using var broker = await Mqtt.MosquittoBroker.StartAsync(users: new Dictionary<string, string> { ["addons"] = password });
        await using var supervisor = Mqtt.SupervisorStandIn.WithBroker("add-on-token", broker.Port, "addons", password);
        await using var recorder = await Mqtt.MqttRecorder.StartAsync(broker.Port, user: "addons", password: password);
        string node = Mqtt.MqttHostTests.NewNodeId();
        string folder = ServerProcess.TempDirectory("bmspace-addon");
        string options = Path.Combine(folder, "options.json");
        int port = ServerProcess.FreePort();

        // As the Supervisor writes it: JSON, with the options the user set (a simulated battery instead of a device).
        await File.WriteAllTextAsync(options, $$"""
            {"scan_interval": "1s", "batteries": [{"name": "main", "connection": "simulator?packs=2", "protocol": "auto"}],
             "prometheus": {"enabled": true, "listen": "127.0.0.1:{{port}}"}, "influxdb": {"enabled": false},
             "mqtt": {"enabled": true, "node_id": "{{node}}", "discovery": {"enabled": true} } }
            """);
        string name = ContainerName();
        await images.Docker.MustAsync(
            "run", "-d", "--name", name, "--network", "host", "-v", $"{options}:/data/options.json:ro",
            "-e", "SUPERVISOR_TOKEN=add-on-token", "-e", $"SUPERVISOR_URL={supervisor.Url}", images.AddOnImage);
        try
        {
            try
            {
                await recorder.WaitForAsync($"bmspace/{node}/main/pack02/availability", "online", timeout: Deadline);
            }
            catch (TimeoutException timeout)
            {
                Assert.Fail($"{timeout.Message}\n--- docker logs ---\n{(await images.Docker.DockerAsync("logs", name)).Transcript}");
            }

            string metrics = await MetricsWhenAsync(port, name, text => text.Contains("pace_bms_packs_decoded{battery=\"main\"} 2", StringComparison.Ordinal));
            AssertPacksAreWhole(metrics, "main", packs: 2);

            // PID 1 of the container is bmspace itself, no shell or init before it.
            string pid = await images.Docker.MustAsync("inspect", "--format", "{{.State.Pid}}", name);
            string commandLine = (await File.ReadAllTextAsync($"/proc/{pid}/cmdline")).Replace('\0', ' ').Trim();
            Assert.Equal("/app/bmspace run --config /data/options.json", commandLine);
            Assert.Equal("1", (await File.ReadAllTextAsync($"/proc/{pid}/status")).Split('\n').Single(l => l.StartsWith("NSpid:", StringComparison.Ordinal)).Split('\t', StringSplitOptions.RemoveEmptyEntries)[^1]);

            Assert.Equal(["GET /services/mqtt Bearer add-on-token"], supervisor.Requests);
            string logs = (await images.Docker.DockerAsync("logs", name)).Transcript;
            Assert.Contains("MQTT broker from the Supervisor's mqtt service", logs, StringComparison.Ordinal);
            Assert.DoesNotContain(password, logs, StringComparison.Ordinal);

            await AssertServedThroughIngressAsync(folder, port);
        }
        finally
        {
            await images.Docker.DockerAsync("rm", "-f", name);
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task The_add_on_image_stops_on_bad_options_naming_every_wrong_key_with_exit_code_2()
    {
        images.AssertBuilt();
        string folder = ServerProcess.TempDirectory("bmspace-addon-bad");
        string options = Path.Combine(folder, "options.json");
        await File.WriteAllTextAsync(options, """
            {"scan_interval": "often", "batteries": [{"device": "ttyUSB0", "adress": 1}], "mqtt": {"enabled": "maybe"}}
            """);
        try
        {
            var run = await images.Docker.DockerAsync("run", "--rm", "--network", "none", "-v", $"{options}:/data/options.json:ro", images.AddOnImage);

            Assert.True(run.ExitCode == 2, run.Transcript);
            foreach (string key in new[] { "scan_interval", "batteries.0.device", "batteries.0.adress", "mqtt.enabled" })
            {
                Assert.Contains($"  {key}: ", run.StandardError, StringComparison.Ordinal);
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>
    /// The sidebar page as Home Assistant shows it: nginx in the Supervisor's place, the add-on's port under
    /// /api/hassio_ingress/TOKEN/ with X-Ingress-Path set; the page, its status data and a live update come through.
    /// </summary>
    private static async Task AssertServedThroughIngressAsync(string folder, int port)
    {
        const string Prefix = "/api/hassio_ingress/k9YwzQ2TtoKen";
        await using var ingress = await BmsPace.Tests.Web.IngressProxy.StartAsync(Path.Combine(folder, "ingress"), Prefix, port);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };

        using var page = await http.GetAsync(new Uri(ingress.Address, Prefix + "/"));
        Assert.Equal(System.Net.HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        string html = await page.Content.ReadAsStringAsync();
        Assert.DoesNotContain("src=\"/", html, StringComparison.Ordinal);

        using var status = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync(new Uri(ingress.Address, Prefix + "/api/v1/status")));
        var battery = Assert.Single(status.RootElement.GetProperty("batteries").EnumerateArray());
        Assert.Equal("main", battery.GetProperty("name").GetString());
        Assert.Equal(2, battery.GetProperty("packs").GetArrayLength());

        using var events = await http.GetAsync(new Uri(ingress.Address, Prefix + "/api/v1/events"), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", events.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await events.Content.ReadAsStreamAsync());
        string? line;
        do
        {
            line = await reader.ReadLineAsync();
        }
        while (line is not null && !line.StartsWith("data:", StringComparison.Ordinal));
        Assert.NotNull(line);
        Assert.Contains("\"batteries\"", line, StringComparison.Ordinal);
    }

    /// <summary>
    /// Every pack of the battery on /metrics with its 16 cells, each a LiFePO4 cell's voltage, adding up to the pack's
    /// voltage: values decoded from the simulator's frames inside the container.
    /// </summary>
    private static void AssertPacksAreWhole(string metrics, string battery, int packs)
    {
        var cells = System.Text.RegularExpressions.Regex.Matches(metrics, $$"""(?m)^pace_bms_cell_voltage_volts\{battery="{{battery}}",pack="(\d+)",cell="(\d+)"\} (\S+)$""")
            .GroupBy(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture))
            .ToDictionary(g => g.Key, g => g.Select(m => double.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture)).ToList());
        Assert.Equal(Enumerable.Range(1, packs), cells.Keys.Order());
        foreach (var (pack, volts) in cells)
        {
            Assert.Equal(16, volts.Count);
            Assert.All(volts, v => Assert.InRange(v, 2.5, 3.65));
            var packVolts = System.Text.RegularExpressions.Regex.Match(metrics, $$"""(?m)^pace_bms_pack_voltage_volts\{battery="{{battery}}",pack="0*{{pack}}"\} (\S+)$""");
            Assert.True(packVolts.Success, $"no pack voltage for pack {pack}");
            Assert.InRange(double.Parse(packVolts.Groups[1].Value, CultureInfo.InvariantCulture), volts.Sum() - 0.1, volts.Sum() + 0.1);
        }
    }

    internal static string ContainerName() => "bmspace-test-" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>The README's stop command (<c>docker stop bmspace</c>) as words.</summary>
    private static string[] ReadmeStopCommand()
    {
        string line = File.ReadAllLines(RepositoryFiles.PathOf("README.md")).Single(l => l.StartsWith("docker stop ", StringComparison.Ordinal));
        return line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
    }

    private static async Task<string> PtyWhenReadyAsync(string link, Task<int> simulator)
    {
        using var deadline = new CancellationTokenSource(Deadline);
        while (!File.Exists(link))
        {
            Assert.False(simulator.IsCompleted, $"bmspace simulate --pty ended with {(simulator.IsCompleted ? simulator.Result : 0)}");
            await Task.Delay(100, deadline.Token);
        }

        return new FileInfo(link).ResolveLinkTarget(returnFinalTarget: true)!.FullName;
    }

    private async Task<string> MetricsWhenAsync(int port, string container, Func<string, bool> ready)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + Deadline;
        string last = "";
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                last = await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/metrics"));
                if (ready(last))
                {
                    return last;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Busy machine: ask again.
            }

            await Task.Delay(500);
        }

        var logs = await images.Docker.DockerAsync("logs", container);
        Assert.Fail($"/metrics never showed what the test waits for; last:\n{last}\n--- docker logs ---\n{logs.Transcript}");
        return last;
    }

    private async Task HealthWhenAsync(string container, string state)
    {
        var deadline = DateTime.UtcNow + Deadline;
        string seen = "";
        while (DateTime.UtcNow < deadline)
        {
            seen = await images.Docker.MustAsync("inspect", "--format", "{{.State.Health.Status}}", container);
            if (seen == state)
            {
                return;
            }

            await Task.Delay(500);
        }

        var health = await images.Docker.DockerAsync("inspect", "--format", "{{json .State.Health}}", container);
        Assert.Fail($"the health state stayed {seen}, never {state}:\n{health.StandardOutput}");
    }
}
