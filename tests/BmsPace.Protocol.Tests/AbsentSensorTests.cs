using BmsPace.Protocol.Decoding;
using BmsPace.Protocol.Dialects.Pace;

namespace BmsPace.Protocol.Tests;

/// <summary>PACE V3.1: a temperature of 0x8000 marks a sensor that is not fitted.</summary>
public sealed class AbsentSensorTests
{
    [Fact]
    public void A_sensor_sent_as_0x8000_decodes_as_not_a_number_and_its_neighbours_are_untouched()
    {
        // One pack, COMMAND 01 echo: 2 cells, 3 sensors (the middle one absent), then the fixed fields, no tail.
        byte[] info =
        [
            0x00, 0x01,
            0x02, 0x0C, 0xE4, 0x0C, 0xEE,
            0x03, 0x0B, 0xA4, 0x80, 0x00, 0x0B, 0x72,
            0x03, 0xE8, 0xC8, 0x00, 0x03, 0xE8, 0x03, 0x07, 0xD0, 0x00, 0x2A, 0x07, 0xD0,
        ];

        var reading = PaceDecoders.DecodeAnalog(info, 0x01, DecoderOptions.Default);

        var temperatures = reading.Packs[0].TemperaturesCelsius;
        Assert.Equal(3, temperatures.Length);
        Assert.Equal(25.0, temperatures[0], 9);
        Assert.True(double.IsNaN(temperatures[1]));
        Assert.Equal(20.0, temperatures[2], 9);
        Assert.Equal(51.2, reading.Packs[0].VoltageVolts, 9);
    }
}
