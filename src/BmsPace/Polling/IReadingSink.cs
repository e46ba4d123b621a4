namespace BmsPace.Polling;

/// <summary>An output that receives every battery snapshot (Prometheus, InfluxDB, console). A sink that fails is logged and counted and never stops polling.</summary>
public interface IReadingSink
{
    /// <summary>Takes one snapshot. Must return quickly: slow work (network writes) is queued, not awaited here.</summary>
    ValueTask PublishAsync(BatterySnapshot snapshot, CancellationToken cancellationToken);
}
