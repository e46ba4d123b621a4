using System.Collections.Immutable;
using BmsPace.Polling;
using BmsPace.Protocol.Readings;
using BmsPace.Protocol.Dialects.Pace;

namespace BmsPace.Tests.Prometheus;

/// <summary>Realistic battery snapshots with deterministic values (a 48 V LFP bank of 16-cell PACE packs).</summary>
internal static class TestSnapshots
{
    public static readonly DateTimeOffset Start = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    /// <summary>A fresh pack: 16 cells around 3.3 V, 6 sensors, charging at 12.5 A, some flags set.</summary>
    public static PackState FreshPack(int pack, int cells = 16, int sensors = 6, DateTimeOffset? at = null, bool withAlarm = true, double chargedWh = 1234.5, double dischargedWh = 987.25)
    {
        var time = at ?? Start;
        var cellVolts = Enumerable.Range(0, cells).Select(i => Math.Round(3.300 + (0.001 * ((i * 7 + pack) % 13)), 3)).ToImmutableArray();
        var temps = Enumerable.Range(0, sensors).Select(i => Math.Round(20.0 + pack + (i * 1.5), 1)).ToImmutableArray();
        double remaining = 80.0 + pack;
        double full = 100.0;
        double design = 100.0;
        var analog = new AnalogPack
        {
            Pack = pack,
            Offline = false,
            CellVoltagesVolts = cellVolts,
            TemperaturesCelsius = temps,
            CurrentAmperes = 12.5 - pack,
            VoltageVolts = Math.Round(cellVolts.Sum(), 3),
            RemainingAmpHours = remaining,
            FullAmpHours = full,
            DesignAmpHours = design,
            CycleCount = 40 + pack,
            UserDefinedP = 3,
            TailHex = "",
            Tail = null,
            StateOfChargeRatio = remaining / full,
            StateOfHealthRatio = full / design,
            StateOfChargeCalculatedRatio = remaining / full,
            StateOfHealthCalculatedRatio = full / design,
        };
        AlarmPack? alarm = withAlarm ? Alarm(pack, cells, sensors) : null;
        return new PackState
        {
            Pack = pack,
            Fresh = true,
            LastSuccess = time,
            Analog = analog,
            Alarm = alarm,
            ChargedWattHours = chargedWh + pack,
            DischargedWattHours = dischargedWh + pack,
        };
    }

    /// <summary>Cell 2 warns high, sensor 1 warns low, cell 4 balancing; charge and discharge FETs on, charging.</summary>
    public static AlarmPack Alarm(int pack, int cells = 16, int sensors = 6, byte protect1 = 0, byte fault = 0, byte warn1 = 0) => PaceStatusBytes.WithNamedViews(new AlarmPack
    {
        Pack = pack,
        CellWarnings = [.. Enumerable.Range(1, cells).Select(c => c == 2 ? (byte)0x02 : (byte)0x00)],
        TemperatureWarnings = [.. Enumerable.Range(1, sensors).Select(s => s == 1 ? (byte)0x01 : (byte)0x00)],
        ChargeCurrentWarning = 0,
        PackVoltageWarning = 0,
        DischargeCurrentWarning = 0,
        ProtectState1 = protect1,
        ProtectState2 = 0,
        InstructionState = 0b0010_0110, // charge_fet, discharge_fet, charging
        ControlState = 0x0A,
        FaultState = fault,
        BalanceState1 = 0b0000_1000, // cell 4
        BalanceState2 = 0,
        WarnState1 = warn1,
        WarnState2 = 0,
        TailHex = "",
    });

    public static PackState StalePack(int pack, DateTimeOffset? lastSuccess = null) => new()
    {
        Pack = pack,
        Fresh = false,
        LastSuccess = lastSuccess ?? Start,
        Analog = null,
        Alarm = null,
        ChargedWattHours = 1234.5 + pack,
        DischargedWattHours = 987.25 + pack,
    };

    public static BatterySnapshot Battery(string battery, IEnumerable<PackState> packs, DateTimeOffset? at = null, long requests = 10, long timeouts = 1)
    {
        var packList = packs.ToImmutableArray();
        int decoded = packList.Count(p => p.Fresh);
        return new BatterySnapshot
        {
            Battery = battery,
            Timestamp = at ?? Start,
            Duration = TimeSpan.FromMilliseconds(850),
            Up = decoded > 0,
            PacksReported = packList.Length,
            PacksDecoded = decoded,
            ProtocolVersion = "25",
            Identity = IdentityOfPack(1),
            Packs = [.. packList.Select(p => p.Identity == BatteryIdentity.Unknown ? p with { Identity = IdentityOfPack(p.Pack) } : p)],
            Counters = new PollCounters
            {
                Requests = ImmutableDictionary<string, long>.Empty.Add("analog", requests).Add("alarm", requests - 1),
                Failures = ImmutableDictionary<(string Command, string Reason), long>.Empty.Add(("analog", "timeout"), timeouts).Add(("alarm", "checksum"), 2),
                Reconnects = 1,
            },
        };
    }

    /// <summary>What pack <paramref name="pack"/> of a stack on an RS485 bus says about itself: pack 1 is the master.</summary>
    public static BatteryIdentity IdentityOfPack(int pack) => pack == 1
        ? new("P16S100A-21521-1.02", "2102011602018", "PACK0000001")
        : new("P16S100A-21521-1.02", $"21020116020{17 + pack:D2}", $"PACK00000{pack:D2}");

    /// <summary>A bank master's summary with every stack value (a Seplos V3 EIA block of three 100 Ah packs).</summary>
    public static StackState Stack(DateTimeOffset? at = null) => new()
    {
        Values = new StackReading
        {
            VoltageVolts = 53.25, CurrentAmperes = -1.3, StateOfChargeRatio = 0.456, StateOfHealthRatio = 0.99, RemainingAmpHours = 135.12,
            FullAmpHours = 297.0, DesignAmpHours = 300.0, CycleCount = 64, PackCount = 3,
        },
        LastSuccess = at ?? Start,
    };

    /// <summary>A bank of <paramref name="packs"/> fresh packs.</summary>
    public static BatterySnapshot Bank(string battery, int packs, int cells = 16, int sensors = 6, DateTimeOffset? at = null) =>
        Battery(battery, Enumerable.Range(1, packs).Select(p => FreshPack(p, cells, sensors, at)), at);
}
