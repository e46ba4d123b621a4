using BmsPace.Protocol.Commands;
using BmsPace.Protocol.Decoding;
using BmsPace.Protocol.Dialects;
using BmsPace.Protocol.Readings;

namespace BmsPace.Protocol.Tests;

/// <summary>Issue 15 item 0: values that cannot be physical are removed and listed, per rule.</summary>
public sealed class PlausibilityTests
{
    private static AnalogPack Pack(double remaining = 50, double full = 100, double? design = 100, double[]? temperatures = null, double? soc = null, double? soh = null) => new()
    {
        Pack = 1,
        Offline = false,
        CellVoltagesVolts = [3.3, 3.3],
        TemperaturesCelsius = [.. temperatures ?? [25.0]],
        CurrentAmperes = 0,
        VoltageVolts = 6.6,
        RemainingAmpHours = remaining,
        FullAmpHours = full,
        DesignAmpHours = design,
        CycleCount = 1,
        UserDefinedP = 3,
        TailHex = "",
        Tail = null,
        StateOfChargeRatio = soc ?? remaining / full,
        StateOfHealthRatio = soh ?? (design is { } d ? full / d : null),
        StateOfChargeCalculatedRatio = remaining / full,
        StateOfHealthCalculatedRatio = design is { } d2 ? full / d2 : null,
    };

    [Fact]
    public void A_plausible_pack_is_returned_as_it_is()
    {
        var pack = Pack();
        Assert.Same(pack, Plausibility.Check(pack));
    }

    [Theory]
    [InlineData(-50.1)]
    [InlineData(150.1)]
    [InlineData(6280.5)]
    [InlineData(-273.0)]
    public void A_temperature_outside_minus_50_to_150_is_absent_and_listed(double celsius)
    {
        var checkedPack = Plausibility.Check(Pack(temperatures: [25.0, celsius, -50.0, 150.0]));
        Assert.Equal(25.0, checkedPack.TemperaturesCelsius[0]);
        Assert.True(double.IsNaN(checkedPack.TemperaturesCelsius[1]));
        Assert.Equal(-50.0, checkedPack.TemperaturesCelsius[2]);
        Assert.Equal(150.0, checkedPack.TemperaturesCelsius[3]);
        var dropped = Assert.Single(checkedPack.Implausible);
        Assert.Equal("temperatures_celsius", dropped.Field);
        Assert.Contains("sensor 2", dropped.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Soc_computed_from_remaining_above_full_is_absent_but_rounding_is_tolerated()
    {
        var impossible = Plausibility.Check(Pack(remaining: 12.79, full: 0.02));
        Assert.Null(impossible.StateOfChargeRatio);
        Assert.Null(impossible.StateOfChargeCalculatedRatio);
        Assert.Equal(["state_of_charge_calculated_ratio", "state_of_charge_ratio"], impossible.Implausible.Select(d => d.Field).Order().ToArray());

        var rounding = Plausibility.Check(Pack(remaining: 100.4, full: 100));
        Assert.Equal(1.004, rounding.StateOfChargeRatio!.Value, 6);
        Assert.Empty(rounding.Implausible);
    }

    [Fact]
    public void Ratios_over_ffff_placeholder_capacities_are_absent()
    {
        var placeholderFull = Plausibility.Check(Pack(remaining: 96.57, full: 655.35, design: 655.35));
        Assert.Null(placeholderFull.StateOfChargeRatio);
        Assert.Null(placeholderFull.StateOfHealthRatio);
        Assert.Null(placeholderFull.StateOfHealthCalculatedRatio);

        var placeholderRemaining = Plausibility.Check(Pack(remaining: 655.35, full: 96.57));
        Assert.Null(placeholderRemaining.StateOfChargeRatio);
        Assert.Contains(placeholderRemaining.Implausible, d => d.Detail.Contains("FFFF placeholder", StringComparison.Ordinal));
    }

    [Fact]
    public void A_reported_soc_above_100_percent_or_soh_above_200_percent_is_absent()
    {
        var reported = Plausibility.Check(Pack(soc: 1.5, soh: 2.5));
        Assert.Null(reported.StateOfChargeRatio);
        Assert.Null(reported.StateOfHealthRatio);
        Assert.Equal(0.5, reported.StateOfChargeCalculatedRatio);
        Assert.Equal(2, reported.Implausible.Length);
    }

    [Fact]
    public void A_sent_soc_is_kept_when_only_the_computed_one_is_impossible()
    {
        var pack = Plausibility.Check(Pack(remaining: 655.35, full: 100, soc: 0.8));
        Assert.Equal(0.8, pack.StateOfChargeRatio);
        Assert.Null(pack.StateOfChargeCalculatedRatio);
    }

    [Fact]
    public void The_issue_15_reproducer_no_longer_shows_soc_639_5()
    {
        var frame = KnownDialects.Pace.Validate("~25014600002E0001020CE40C0000C725FFFF04FFFF000200CA58012110F3A8");
        var pack = Assert.Single(KnownDialects.Pace.DecodeAnalog(frame, RequestBuilder.AllPacks, DecoderOptions.Default).Packs);
        Assert.Null(pack.StateOfChargeRatio);
        Assert.Null(pack.StateOfChargeCalculatedRatio);
        Assert.Contains(pack.Implausible, d => d.Field == "state_of_charge_ratio");
    }

    [Fact]
    public void Pylontech_mah_placeholders_count_as_placeholders_there()
    {
        var pack = Plausibility.Check(Pack(remaining: 65.535, full: 50), [Plausibility.PlaceholderMilliampHours]);
        Assert.Null(pack.StateOfChargeRatio);
    }
}
