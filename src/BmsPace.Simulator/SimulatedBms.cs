using BmsPace.Protocol.Simulation;
using BmsPace.Protocol.Wire;

namespace BmsPace.Simulator;

/// <summary>
/// A BMS of one dialect (the registry's first by default) that answers requests from an evolving battery model. The
/// dialect brings everything that is its own: the wire format that cuts requests and the reply encoder that answers
/// them (<see cref="Protocol.Dialects.IBmsDialect.Replies"/>); this core only keeps the battery and its clock. Faults
/// are not its business: wrap it in a <see cref="FaultInjector"/>.
/// </summary>
/// <remarks>Thread-safe: several sessions may share one instance.</remarks>
public sealed class SimulatedBms : ISimulatedDevice
{
    private readonly object _gate = new();
    private readonly SimulatedBmsOptions _options;
    private readonly BatteryModel _model;
    private readonly TimeProvider _time;
    private readonly Battery _battery;
    private long _lastAdvanceTimestamp;

    public SimulatedBms(SimulatedBmsOptions? options = null, TimeProvider? timeProvider = null)
    {
        _options = options ?? new SimulatedBmsOptions();
        var problems = _options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", problems), nameof(options));
        }

        _time = timeProvider ?? TimeProvider.System;
        _model = new BatteryModel(_options);
        _battery = new Battery(_options, _model, _time);
        _lastAdvanceTimestamp = _time.GetTimestamp();
        Line = new LineTiming(_options.BaudRate, _options.EffectiveThinkTime);
    }

    public LineTiming Line { get; }

    public IWireFormat Wire => _options.Dialect.Wire;

    public SimulatorReply Respond(ReadOnlySpan<byte> request)
    {
        lock (_gate)
        {
            AdvanceByClock();
            return _options.Dialect.Replies.Answer(request, _battery) is { } reply ? SimulatorReply.Frame(reply) : SimulatorReply.None;
        }
    }

    private void AdvanceByClock()
    {
        long now = _time.GetTimestamp();
        var elapsed = _time.GetElapsedTime(_lastAdvanceTimestamp, now);
        _lastAdvanceTimestamp = now;
        if (elapsed > TimeSpan.Zero)
        {
            // A long pause (nobody polled) is not replayed in full: at most an hour of battery time per request.
            _model.Advance(Math.Min(elapsed.TotalSeconds * _options.TimeScale, 3600));
        }
    }

    /// <summary>The battery as the dialect's reply encoder reads it.</summary>
    private sealed class Battery(SimulatedBmsOptions options, BatteryModel model, TimeProvider time) : ISimulatedBattery
    {
        public int Packs => options.Packs;

        public byte Version => options.Version;

        public SimulatedBus Bus => options.Bus;

        public int TailBytes => options.TailBytes;

        public int UserDefinedP => options.UserDefinedP;

        public int AlarmTailBytes => options.AlarmTailBytes;

        public string SoftwareVersion => options.SoftwareVersion;

        public DateTime LocalNow => time.GetLocalNow().DateTime;

        public IReadOnlyList<PackSample> Sample() => model.Sample();

        public (string BmsSerial, string PackSerial) SerialsOf(int pack) => options.SerialsOf(pack);

        public IReadOnlyList<byte> PackAddresses => options.Addresses;
    }
}
