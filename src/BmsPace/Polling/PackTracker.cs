using BmsPace.Protocol.Readings;

namespace BmsPace.Polling;

/// <summary>
/// What the poller remembers of one pack between cycles: its last good blocks, how many cycles it has missed, and the
/// energy integrated from consecutive good reads. Values survive a few misses (a flaky converter drops a frame now and
/// then) and are withdrawn once the pack has missed <c>stale_after_cycles</c> cycles, so nothing is ever frozen.
/// </summary>
internal sealed class PackTracker(int pack)
{
    public int Pack { get; } = pack;

    public AnalogPack? Analog { get; private set; }

    public AlarmPack? Alarm { get; private set; }

    public DateTimeOffset? LastSuccess { get; private set; }

    public int MissedCycles { get; private set; }

    public int MissedAlarmCycles { get; private set; }

    public double ChargedWattHours { get; private set; }

    public double DischargedWattHours { get; private set; }

    public void RecordAnalog(AnalogPack analog, DateTimeOffset at)
    {
        // Integrate only between reads of consecutive cycles: across a gap the current in between is unknown.
        if (Analog is { } previous && LastSuccess is { } previousAt && MissedCycles == 0 && at > previousAt)
        {
            double hours = (at - previousAt).TotalHours;
            double averagePowerWatts = (previous.PowerWatts + analog.PowerWatts) / 2;
            double energy = averagePowerWatts * hours;
            if (energy >= 0)
            {
                ChargedWattHours += energy;
            }
            else
            {
                DischargedWattHours -= energy;
            }
        }

        Analog = analog;
        LastSuccess = at;
        MissedCycles = 0;
    }

    public void MissAnalog() => MissedCycles++;

    public void RecordAlarm(AlarmPack alarm)
    {
        Alarm = alarm;
        MissedAlarmCycles = 0;
    }

    public void MissAlarm() => MissedAlarmCycles++;

    public PackState ToState(int staleAfterCycles)
    {
        bool fresh = Analog is not null && MissedCycles < staleAfterCycles;
        return new PackState
        {
            Pack = Pack,
            Fresh = fresh,
            LastSuccess = LastSuccess,
            Analog = fresh ? Analog : null,
            Alarm = fresh && MissedAlarmCycles < staleAfterCycles ? Alarm : null,
            AnalogReadThisCycle = MissedCycles == 0,
            AlarmReadThisCycle = MissedAlarmCycles == 0,
            ChargedWattHours = Resolution.Energy(ChargedWattHours),
            DischargedWattHours = Resolution.Energy(DischargedWattHours),
        };
    }
}
