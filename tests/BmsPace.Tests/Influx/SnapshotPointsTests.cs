using BmsPace.Configuration;
using BmsPace.Protocol.Readings;
using BmsPace.Outputs.Influx;
using BmsPace.Protocol.Dialects.Pace;

namespace BmsPace.Tests.Influx;

public class SnapshotPointsTests
{
    private static readonly string GoldenPath = Path.Combine(AppContext.BaseDirectory, "expected", "influx-snapshot.lp");

    /// <summary>Pack 1 fresh (4 cells, cells 3 balancing, charge and discharge FET on, one protection and one warning), pack 2 stale, pack 3 an offline block, pack 4 fresh without alarm and without SOC/SOH.</summary>
    private static global::BmsPace.Polling.BatterySnapshot Sample()
    {
        var at = TestSnapshots.Start;
        var pack1 = TestSnapshots.Analog(1, cells: 4, temperatures: 2) with
        {
            CellVoltagesVolts = [3.271, 3.305, 3.29, 3.3],
            TemperaturesCelsius = [24.1, 25.0],
            VoltageVolts = 13.166,
            CurrentAmperes = -2.25,
        };
        var alarm1 = TestSnapshots.Alarm(1, cells: 4, temperatures: 2, instruction: 0x06, balance1: 0x04, balance2: 0x01, protect1: 0x01, warn2: 0x80);
        var offline = TestSnapshots.Analog(3, cells: 4, temperatures: 2) with { Offline = true, StateOfChargeRatio = null, StateOfHealthRatio = null };
        var pack4 = TestSnapshots.Analog(4, cells: 2, temperatures: 1, soc: null, soh: null) with
        {
            CellVoltagesVolts = [3.4, 3.2],
            TemperaturesCelsius = [20.0],
            VoltageVolts = 6.6,
            CurrentAmperes = 0,
            RemainingAmpHours = 0,
            FullAmpHours = 0,
        };
        return TestSnapshots.Snapshot("garage shed", at,
            TestSnapshots.Fresh(pack1, alarm1, at),
            TestSnapshots.Stale(2, at.AddMinutes(-5)),
            TestSnapshots.Fresh(offline, null, at),
            TestSnapshots.Fresh(pack4, null, at));
    }

    private static string Render(global::BmsPace.Polling.BatterySnapshot snapshot)
    {
        var writer = new LineProtocolWriter(InfluxPrecision.Milliseconds);
        var lines = SnapshotPoints.From(snapshot, new LabelFormatter(2, 2)).Select(p => writer.Format(p)!);
        return string.Join('\n', lines) + "\n";
    }

    /// <summary>Golden lines in expected/influx-snapshot.lp; run with BMSPACE_UPDATE_GOLDEN=1 to rewrite them after an intended change.</summary>
    [Fact]
    public void Snapshot_GivesTheGoldenLines()
    {
        string actual = Render(Sample());
        if (Environment.GetEnvironmentVariable("BMSPACE_UPDATE_GOLDEN") == "1")
        {
            string source = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "expected", "influx-snapshot.lp"));
            File.WriteAllText(source, actual);
        }

        Assert.Equal(File.ReadAllText(GoldenPath), actual);
    }

    [Fact]
    public void A_bank_masters_stack_gives_one_point_per_battery_with_the_fields_it_sends_and_none_when_kept_from_an_earlier_cycle()
    {
        var stack = global::BmsPace.Tests.Prometheus.TestSnapshots.Stack();
        var withStack = global::BmsPace.Tests.Prometheus.TestSnapshots.Bank("rack", 1) with
        {
            Protocol = "seplos-v3",
            Stack = stack with { Values = stack.Values with { StateOfHealthRatio = null } },
        };
        var writer = new LineProtocolWriter(InfluxPrecision.Milliseconds);

        var line = Assert.Single(SnapshotPoints.From(withStack, new LabelFormatter(0, 0)), p => p.Measurement == SnapshotPoints.StackMeasurement);
        Assert.Equal(
            "pace_bms_stack,battery=rack,protocol=seplos-v3 voltage_volts=53.25,current_amperes=-1.3,power_watts=-69.225,soc_ratio=0.456,"
            + "remaining_amp_hours=135.12,full_amp_hours=297.0,design_amp_hours=300.0,cycle_count=64i,pack_count=3i "
            + withStack.Timestamp.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
            writer.Format(line));

        var kept = withStack with { Stack = withStack.Stack with { ReadThisCycle = false } };
        Assert.DoesNotContain(SnapshotPoints.From(kept, new LabelFormatter(0, 0)), p => p.Measurement == SnapshotPoints.StackMeasurement);
        Assert.DoesNotContain(SnapshotPoints.From(withStack with { Stack = null }, new LabelFormatter(0, 0)), p => p.Measurement == SnapshotPoints.StackMeasurement);
    }

    [Fact]
    public void OnlyFreshOnlinePacks_GivePoints()
    {
        var packs = SnapshotPoints.From(Sample(), new LabelFormatter(0, 0))
            .Select(p => p.Tags.Single(t => t.Key == "pack").Value)
            .Distinct()
            .ToArray();

        Assert.Equal(["1", "4"], packs);
    }

    [Fact]
    public void PackThatMissedThisCycle_GivesNoPoint_EvenWhileStillFresh()
    {
        var earlier = TestSnapshots.Start;
        var now = earlier.AddSeconds(5);
        var missed = TestSnapshots.Fresh(TestSnapshots.Analog(1), TestSnapshots.Alarm(1), earlier) with { AnalogReadThisCycle = false };
        var read = TestSnapshots.Fresh(TestSnapshots.Analog(2), TestSnapshots.Alarm(2), now);

        var points = SnapshotPoints.From(TestSnapshots.Snapshot("main", now, missed, read), new LabelFormatter(0, 0)).ToList();

        Assert.NotEmpty(points);
        Assert.All(points, p => Assert.Equal("2", p.Tags.Single(t => t.Key == "pack").Value));
    }

    [Fact]
    public void AlarmKeptFromAnEarlierCycle_GivesNoFlagsAndNoBalancing()
    {
        var at = TestSnapshots.Start;
        var pack = TestSnapshots.Fresh(TestSnapshots.Analog(1, cells: 4, temperatures: 2), TestSnapshots.Alarm(1, cells: 4, temperatures: 2), at) with { AlarmReadThisCycle = false };

        var points = SnapshotPoints.From(TestSnapshots.Snapshot("main", at, pack), new LabelFormatter(0, 0)).ToList();

        Assert.DoesNotContain(points, p => p.Measurement == SnapshotPoints.FlagsMeasurement);
        var cells = points.Where(p => p.Measurement == SnapshotPoints.CellMeasurement).ToList();
        Assert.Equal(4, cells.Count);
        Assert.All(cells, c => Assert.DoesNotContain(c.Fields, f => f.Key == "balancing"));
    }

    [Fact]
    public void Flags_HaveOneBooleanFieldPerDefinedBit()
    {
        var flags = SnapshotPoints.From(Sample(), new LabelFormatter(0, 0)).Single(p => p.Measurement == SnapshotPoints.FlagsMeasurement);

        var booleans = flags.Fields.Where(f => f.Key != "control_state").ToList();
        Assert.Equal(PaceFlagTable.All.Length, booleans.Count);
        Assert.All(booleans, f => Assert.Equal(InfluxFieldKind.Boolean, f.Value.Kind));
        var controlState = Assert.Single(flags.Fields, f => f.Key == "control_state").Value;
        Assert.Equal((InfluxFieldKind.Integer, 0x0BL), (controlState.Kind, controlState.IntegerValue));
        var set = booleans.Where(f => f.Value.BooleanValue).Select(f => f.Key).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["protection_cell_overvoltage", "status_charge_fet", "status_discharge_fet", "warning_low_capacity"], set);
    }
}
