using BmsPace.Configuration;

namespace BmsPace.Tests.Configuration;

/// <summary>A battery's <c>device</c> key: the add-on's serial picker writes a bare path, bmspace reads it as a serial connection.</summary>
public sealed class DeviceKeyTests : IDisposable
{
    private readonly ConfigFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    [Fact]
    public async Task A_device_path_is_a_serial_connection_with_the_default_line_settings()
    {
        _fixture.WriteFile("config.yaml", "batteries:\n  - name: rack\n    device: /dev/serial/by-id/usb-FTDI-if00-port0\n");

        var result = await _fixture.LoadAsync();

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        var serial = Assert.IsType<SerialConnectionSpec>(Assert.Single(result.Options.Batteries).Connection);
        Assert.Equal(new SerialConnectionSpec("/dev/serial/by-id/usb-FTDI-if00-port0"), serial);
        Assert.Equal(9600, serial.BaudRate);
    }

    [Fact]
    public async Task Device_and_connection_together_or_a_path_outside_dev_are_each_named()
    {
        _fixture.WriteFile("config.yaml", """
            batteries:
              - name: one
                connection: tcp://192.0.2.5:5000
                device: /dev/ttyUSB0
              - name: two
                device: ttyUSB1
            """);

        var result = await _fixture.LoadAsync();

        Assert.False(result.IsValid);
        Assert.Contains(result.Errors, e => e.StartsWith("batteries.0.device: given together with batteries.0.connection; allowed: one of the two", StringComparison.Ordinal));
        Assert.Contains(result.Errors, e => e.StartsWith("batteries.1.device: 'ttyUSB1' is not a device path; allowed: an absolute device path", StringComparison.Ordinal));
        Assert.Equal(2, result.Errors.Count);
    }

    [Fact]
    public async Task The_simulate_flag_replaces_a_device_as_it_replaces_a_connection()
    {
        _fixture.WriteFile("config.yaml", "batteries:\n  - device: /dev/ttyUSB0\n");

        var result = await ConfigLoader.LoadAsync(_fixture.Sources() with { Simulate = true }, CancellationToken.None);

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        Assert.IsType<SimulatorConnectionSpec>(Assert.Single(result.Options.Batteries).Connection);
    }

    [Fact]
    public async Task A_device_from_the_environment_overrides_the_files_connection()
    {
        _fixture.WriteFile("config.yaml", "batteries:\n  - name: main\n");

        var result = await _fixture.LoadAsync(environment: new Dictionary<string, string> { ["BMSPACE_BATTERIES__0__DEVICE"] = "/dev/ttyACM0" });

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        Assert.Equal(new SerialConnectionSpec("/dev/ttyACM0"), Assert.Single(result.Options.Batteries).Connection);
    }
}
