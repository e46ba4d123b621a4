using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using BmsPace.Protocol.Framing;

namespace BmsPace.Simulation;

/// <summary>
/// A PACE 0x25 BMS (CID1 0x46) that answers requests with protocol-correct frames built from an evolving battery model.
/// It writes INFO itself, independently of the decoders, records every request it saw, remembers exactly what it
/// sent, and injects the faults of CLI.md on demand.
/// </summary>
/// <remarks>Thread-safe: several sessions and a test thread may use one instance at the same time.</remarks>
public sealed class SimulatedBms
{
    /// <summary>Kelvin offset of PACE 0x25 temperatures in 0.1 K (PROTOCOL.md 10.3).</summary>
    private const int KelvinOffsetTenths = 2730;

    private static readonly ImmutableHashSet<byte> Known = [0x42, 0x44, 0x90, 0xA6, 0xB1, 0xC1, 0xC2];

    private readonly object _gate = new();
    private readonly BatteryModel _model;
    private readonly TimeProvider _time;
    private readonly Random _noise;
    private readonly List<string> _requests = [];
    private readonly List<byte> _cid2s = [];
    private readonly Dictionary<byte, string> _lastReplies = [];
    private readonly Dictionary<int, SentAnalogPack> _lastAnalog = [];
    private readonly Dictionary<int, SentAlarmPack> _lastAlarm = [];
    private readonly Dictionary<SimulatorFaultKind, FaultState> _faults = [];
    private long _lastAdvanceTimestamp;
    private PendingSent? _pending;

    public SimulatedBms(SimulatedBmsOptions? options = null, TimeProvider? timeProvider = null)
    {
        Options = options ?? new SimulatedBmsOptions();
        var problems = Options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", problems), nameof(options));
        }

        _time = timeProvider ?? TimeProvider.System;
        _model = new BatteryModel(Options);
        _noise = new Random(Options.Seed ^ 0x5A5A);
        _lastAdvanceTimestamp = _time.GetTimestamp();
    }

    public SimulatedBmsOptions Options { get; }

    /// <summary>Requests seen so far (complete frames, CR included), including malformed ones.</summary>
    public IReadOnlyList<string> ReceivedRequests
    {
        get
        {
            lock (_gate)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>The CID2 of every request whose header could be read, in arrival order.</summary>
    public IReadOnlyList<byte> ReceivedCid2s
    {
        get
        {
            lock (_gate)
            {
                return [.. _cid2s];
            }
        }
    }

    public int RequestCount
    {
        get
        {
            lock (_gate)
            {
                return _requests.Count;
            }
        }
    }

    public IReadOnlyList<SimulatorFault> ActiveFaults
    {
        get
        {
            lock (_gate)
            {
                return [.. _faults.Values.Select(f => f.Fault)];
            }
        }
    }

    /// <summary>Turns a fault on (replacing one of the same kind and restarting its every-K-th count).</summary>
    public void SetFault(SimulatorFault fault)
    {
        lock (_gate)
        {
            _faults[fault.Kind] = new FaultState(fault);
        }
    }

    /// <summary>Turns a fault off; true when it was on.</summary>
    public bool ClearFault(SimulatorFaultKind kind)
    {
        lock (_gate)
        {
            return _faults.Remove(kind);
        }
    }

    public void ClearFaults()
    {
        lock (_gate)
        {
            _faults.Clear();
        }
    }

    /// <summary>The last correct reply built for <paramref name="cid2"/> that left without any fault touching it.</summary>
    public string? LastReply(byte cid2)
    {
        lock (_gate)
        {
            return _lastReplies.GetValueOrDefault(cid2);
        }
    }

    /// <summary>What the last intact 0x42 reply carried for <paramref name="pack"/> (1-based), or null if none was sent.</summary>
    public SentAnalogPack? LastSentAnalog(int pack)
    {
        lock (_gate)
        {
            return _lastAnalog.GetValueOrDefault(pack);
        }
    }

    /// <summary>What the last intact 0x44 reply carried for <paramref name="pack"/> (1-based), or null if none was sent.</summary>
    public SentAlarmPack? LastSentAlarm(int pack)
    {
        lock (_gate)
        {
            return _lastAlarm.GetValueOrDefault(pack);
        }
    }

    /// <summary>The date and time the last intact 0xB1 reply carried.</summary>
    public DateTime? LastSentDateTime { get; private set; }

    /// <summary>Moves the battery forward by <paramref name="simulated"/> of battery time (not scaled by <see cref="SimulatedBmsOptions.TimeScale"/>).</summary>
    public void Advance(TimeSpan simulated)
    {
        lock (_gate)
        {
            _model.Advance(simulated.TotalSeconds);
        }
    }

    /// <summary>Whether the stack is charging right now (balancing happens only then).</summary>
    public bool IsCharging
    {
        get
        {
            lock (_gate)
            {
                return _model.IsCharging;
            }
        }
    }

    /// <summary>Answers one request frame (from <c>~</c> to CR) and says how the reply leaves, faults included.</summary>
    public SimulatorReply Respond(string request)
    {
        lock (_gate)
        {
            AdvanceByClock();
            _requests.Add(request);
            var fired = FireFaults();
            var header = ParseRequest(request);
            if (header is null)
            {
                // A real BMS ignores bytes it cannot read as a frame.
                return SimulatorReply.None;
            }

            var (address, cid2, info, returnCode) = header.Value;
            _cid2s.Add(cid2);
            if (fired.Contains(SimulatorFaultKind.Silent))
            {
                return WithEcho(SimulatorReply.None, request, fired);
            }

            string? frame = returnCode != 0
                ? Encode(address, returnCode, [])
                : BuildReply(address, cid2, info, out _);
            if (frame is null)
            {
                return WithEcho(SimulatorReply.None, request, fired);
            }

            string wire = ApplyContentFaults(frame, address, fired, out bool touched);
            bool cut = fired.Contains(SimulatorFaultKind.Drop) || fired.Contains(SimulatorFaultKind.Truncate);
            if (!touched && !cut && returnCode == 0)
            {
                _lastReplies[cid2] = frame;
                CommitSent(cid2);
            }

            _pending = null;
            byte[] bytes = Encoding.ASCII.GetBytes(wire);
            bool close = false;
            if (fired.Contains(SimulatorFaultKind.Drop))
            {
                bytes = bytes[..(bytes.Length / 2)];
                close = true;
            }
            else if (fired.Contains(SimulatorFaultKind.Truncate))
            {
                bytes = bytes[..(bytes.Length / 2)];
            }

            if (_faults.TryGetValue(SimulatorFaultKind.Garbage, out var garbage))
            {
                bytes = [.. Noise(garbage.Fault.Argument), .. bytes];
            }

            return WithEcho(
                new SimulatorReply(bytes, close, SlowPerByte(), _faults.ContainsKey(SimulatorFaultKind.Split)),
                request,
                fired);
        }
    }

    private void CommitSent(byte cid2)
    {
        if (_pending is null)
        {
            return;
        }

        if (cid2 == 0x42)
        {
            foreach (var pack in _pending.Analog)
            {
                _lastAnalog[pack.Pack] = pack;
            }
        }
        else if (cid2 == 0x44)
        {
            foreach (var pack in _pending.Alarm)
            {
                _lastAlarm[pack.Pack] = pack;
            }
        }
        else if (cid2 == 0xB1)
        {
            LastSentDateTime = _pending.DateTime;
        }
    }

    private SimulatorReply WithEcho(SimulatorReply reply, string request, HashSet<SimulatorFaultKind> fired)
    {
        if (!fired.Contains(SimulatorFaultKind.Echo))
        {
            return reply;
        }

        return reply with { Bytes = [.. Encoding.ASCII.GetBytes(request), .. reply.Bytes] };
    }

    private TimeSpan SlowPerByte() =>
        _faults.TryGetValue(SimulatorFaultKind.Slow, out var slow) ? TimeSpan.FromMilliseconds(slow.Fault.Argument) : TimeSpan.Zero;

    private byte[] Noise(int count)
    {
        var noise = new byte[count];
        for (int i = 0; i < count; i++)
        {
            // Anything but SOI: line noise rarely looks like the start of a frame, and a stray ~ is tested separately.
            byte b;
            do
            {
                b = (byte)_noise.Next(256);
            }
            while (b == (byte)'~');
            noise[i] = b;
        }

        return noise;
    }

    private HashSet<SimulatorFaultKind> FireFaults()
    {
        var fired = new HashSet<SimulatorFaultKind>();
        foreach (var state in _faults.Values)
        {
            state.Seen++;
            if (!state.Fault.IsEveryKth || state.Seen % state.Fault.Argument == 0)
            {
                fired.Add(state.Fault.Kind);
            }
        }

        return fired;
    }

    private void AdvanceByClock()
    {
        long now = _time.GetTimestamp();
        var elapsed = _time.GetElapsedTime(_lastAdvanceTimestamp, now);
        _lastAdvanceTimestamp = now;
        if (elapsed > TimeSpan.Zero)
        {
            // A long pause (nobody polled) is not replayed in full: at most an hour of battery time per request.
            _model.Advance(Math.Min(elapsed.TotalSeconds * Options.TimeScale, 3600));
        }
    }

    private string ApplyContentFaults(string frame, byte address, HashSet<SimulatorFaultKind> fired, out bool touched)
    {
        touched = false;
        if (fired.Contains(SimulatorFaultKind.Rtn))
        {
            touched = true;
            frame = Encode(address, Options.FaultReturnCode, []);
        }

        if (fired.Contains(SimulatorFaultKind.WrongAddress))
        {
            touched = true;
            string otherPack = ((address + 1) & 0x0F).ToString("X2", CultureInfo.InvariantCulture);
            frame = Rewrite(frame, 3, otherPack);
            // A single-pack 0x42/0x44 answer names its pack again in the echo byte (after INFOFLAG): name the other one there too.
            if (frame.Length > 17 && frame[15..17] == address.ToString("X2", CultureInfo.InvariantCulture) && frame[15..17] != "FF")
            {
                frame = Rewrite(frame, 15, otherPack);
            }
        }

        if (fired.Contains(SimulatorFaultKind.BadLength))
        {
            touched = true;
            int lchk = Convert.ToInt32(frame[9..10], 16);
            frame = Rewrite(frame, 9, ((lchk + 1) & 0xF).ToString("X1", CultureInfo.InvariantCulture));
        }

        if (fired.Contains(SimulatorFaultKind.BadChecksum))
        {
            touched = true;
            int sum = Convert.ToInt32(frame[^5..^1], 16);
            frame = string.Concat(frame.AsSpan(0, frame.Length - 5), ((sum + 1) & 0xFFFF).ToString("X4", CultureInfo.InvariantCulture), "\r");
        }

        return frame;
    }

    /// <summary>Replaces characters at <paramref name="index"/> and recomputes CHKSUM so only that field is wrong.</summary>
    private static string Rewrite(string frame, int index, string replacement)
    {
        var chars = frame.ToCharArray();
        replacement.CopyTo(0, chars, index, replacement.Length);
        int checksum = Checksums.FrameChecksum(chars.AsSpan(1, chars.Length - 6));
        checksum.ToString("X4", CultureInfo.InvariantCulture).CopyTo(0, chars, chars.Length - 5, 4);
        return new string(chars);
    }

    /// <summary>Reads the envelope of a request; null when it is not a frame at all. RTN 03/02 for bad LCHKSUM/CHKSUM.</summary>
    private static (byte Address, byte Cid2, byte[] Info, byte ReturnCode)? ParseRequest(string request)
    {
        if (request.Length < FrameEncoder.EnvelopeLength || request[0] != '~' || request[^1] != '\r')
        {
            return null;
        }

        var body = request.AsSpan(1, request.Length - 2);
        foreach (char c in body)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return null;
            }
        }

        byte address = ParseByte(body, 2);
        byte cid2 = ParseByte(body, 6);
        int length = (ParseByte(body, 8) << 8) | ParseByte(body, 10);
        int lenId = length & 0xFFF;
        int infoChars = body.Length - 16;
        if (length >> 12 != Checksums.LengthChecksum(lenId) || lenId != infoChars)
        {
            return (address, cid2, [], 0x03);
        }

        int given = (ParseByte(body, body.Length - 4) << 8) | ParseByte(body, body.Length - 2);
        if (given != Checksums.FrameChecksum(body[..^4]))
        {
            return (address, cid2, [], 0x02);
        }

        var info = new byte[infoChars / 2];
        for (int i = 0; i < info.Length; i++)
        {
            info[i] = ParseByte(body, 12 + (2 * i));
        }

        return (address, cid2, info, Known.Contains(cid2) ? (byte)0 : (byte)0x04);
    }

    private static byte ParseByte(ReadOnlySpan<char> text, int index) =>
        byte.Parse(text.Slice(index, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    private string Encode(byte address, byte returnCode, ReadOnlySpan<byte> info) =>
        FrameEncoder.EncodeResponse(Options.Version, address, 0x46, returnCode, info);

    private string? BuildReply(byte address, byte cid2, byte[] info, out bool built)
    {
        built = true;
        _pending = null;
        switch (cid2)
        {
            case 0x42 or 0x44:
            {
                // No INFO (EG4 style) is read as "all packs".
                byte command = info.Length > 0 ? info[0] : (byte)0xFF;
                int[] packs;
                if (command == 0xFF)
                {
                    packs = [.. Enumerable.Range(1, Options.Packs)];
                }
                else if (command <= Options.Packs)
                {
                    packs = [Math.Max(1, (int)command)];
                }
                else
                {
                    // RS485: a slave that does not exist does not answer.
                    built = false;
                    return null;
                }

                var writer = new InfoWriter();
                writer.U8(0x00);
                writer.U8(command == 0xFF ? Options.Packs : command);
                _pending = cid2 == 0x42 ? new PendingSent { Analog = [.. packs.Select(p => WriteAnalog(writer, _model.Packs[p - 1]))] }
                                        : new PendingSent { Alarm = [.. packs.Select(p => WriteAlarm(writer, _model.Packs[p - 1]))] };
                return Encode(address, 0, writer.ToArray());
            }

            case 0xC1:
            {
                var writer = new InfoWriter();
                writer.Ascii(Options.SoftwareVersion, 20);
                return Encode(address, 0, writer.ToArray());
            }

            case 0xC2:
            {
                var writer = new InfoWriter();
                writer.Ascii(Options.BmsSerial, 20);
                writer.Ascii(Options.PackSerial, 20);
                return Encode(address, 0, writer.ToArray());
            }

            case 0x90:
                return Encode(address, 0, [(byte)Options.Packs]);

            case 0xA6:
            {
                var pack = _model.Packs[0];
                var writer = new InfoWriter();
                writer.U16(Centi(pack.RemainingAmpHours));
                writer.U16(Centi(pack.FullAmpHours));
                writer.U16(Centi(pack.DesignAmpHours));
                return Encode(address, 0, writer.ToArray());
            }

            case 0xB1:
            {
                var now = _time.GetLocalNow().DateTime;
                now = new DateTime(now.Year, now.Month, now.Day, now.Hour, now.Minute, now.Second, DateTimeKind.Unspecified);
                _pending = new PendingSent { DateTime = now };
                return Encode(address, 0, [(byte)(now.Year - 2000), (byte)now.Month, (byte)now.Day, (byte)now.Hour, (byte)now.Minute, (byte)now.Second]);
            }

            default:
                return Encode(address, 0x04, []);
        }
    }

    private static int Centi(double value) => (int)Math.Round(value * 100, MidpointRounding.AwayFromZero);

    private static int Milli(double value) => (int)Math.Round(value * 1000, MidpointRounding.AwayFromZero);

    private SentAnalogPack WriteAnalog(InfoWriter writer, PackState pack)
    {
        int[] cellsMv = [.. pack.CellVoltagesVolts.Select(Milli)];
        int[] tempsRaw = [.. pack.TemperaturesCelsius.Select(t => KelvinOffsetTenths + (int)Math.Round(t * 10, MidpointRounding.AwayFromZero))];
        int currentRaw = Math.Clamp(Centi(pack.CurrentAmperes), short.MinValue, short.MaxValue);
        int voltageMv = Math.Min(cellsMv.Sum(), 0xFFFF);
        int remainingRaw = Centi(pack.RemainingAmpHours);
        int fullRaw = Centi(pack.FullAmpHours);
        int designRaw = Centi(pack.DesignAmpHours);

        writer.U8(cellsMv.Length);
        foreach (int mv in cellsMv)
        {
            writer.U16(mv);
        }

        writer.U8(tempsRaw.Length);
        foreach (int raw in tempsRaw)
        {
            writer.U16(raw);
        }

        writer.S16(currentRaw);
        writer.U16(voltageMv);
        writer.U16(remainingRaw);
        writer.U8(Options.UserDefinedP);
        writer.U16(fullRaw);
        writer.U16(pack.CycleCount);
        writer.U16(designRaw);

        int tailStart = writer.Length;
        int socPercent = fullRaw == 0 ? 0 : (int)Math.Round(remainingRaw * 100.0 / fullRaw, MidpointRounding.AwayFromZero);
        int sohPercent = designRaw == 0 ? 0 : Math.Min(255, (int)Math.Round(fullRaw * 100.0 / designRaw, MidpointRounding.AwayFromZero));
        if (Options.TailBytes >= 1)
        {
            writer.U8(socPercent);
        }

        if (Options.TailBytes >= 14)
        {
            // Real firmware fills both cumulative fields with the design capacity repeated (PROTOCOL.md 10.4).
            writer.U16(designRaw);
            writer.U16(designRaw);
            writer.U16(designRaw);
            writer.U16(designRaw);
            writer.U8(sohPercent);
            writer.U16(Math.Max(0, voltageMv - 150));
            writer.S16(currentRaw);
        }

        if (Options.TailBytes >= 22)
        {
            writer.U32(_model.Packs.Sum(p => (long)Centi(p.RemainingAmpHours)));
            writer.U32(_model.Packs.Sum(p => (long)Centi(p.FullAmpHours)));
        }

        return new SentAnalogPack
        {
            Pack = pack.Number,
            CellVoltagesVolts = [.. cellsMv.Select(mv => mv / 1000.0)],
            TemperaturesCelsius = [.. tempsRaw.Select(raw => (raw - KelvinOffsetTenths) / 10.0)],
            CurrentAmperes = (short)currentRaw / 100.0,
            VoltageVolts = voltageMv / 1000.0,
            RemainingAmpHours = remainingRaw / 100.0,
            FullAmpHours = fullRaw / 100.0,
            DesignAmpHours = designRaw / 100.0,
            CycleCount = pack.CycleCount,
            UserDefinedP = Options.UserDefinedP,
            TailHex = writer.HexFrom(tailStart),
            TailStateOfChargeRatio = Options.TailBytes >= 1 ? socPercent / 100.0 : null,
            TailStateOfHealthRatio = Options.TailBytes >= 14 ? sohPercent / 100.0 : null,
        };
    }

    private SentAlarmPack WriteAlarm(InfoWriter writer, PackState pack)
    {
        int[] cellsMv = [.. pack.CellVoltagesVolts.Select(Milli)];
        byte[] cellWarnings = [.. cellsMv.Select(mv => mv > 3600 ? (byte)0x02 : mv < 2800 ? (byte)0x01 : (byte)0x00)];
        byte[] tempWarnings = [.. pack.TemperaturesCelsius.Select(t => t > 50 ? (byte)0x02 : t < 0 ? (byte)0x01 : (byte)0x00)];
        double soc = pack.StateOfCharge;

        // The highest cells bleed while the stack charges near full (balance start 3.34 V, delta 3 mV).
        int balance = 0;
        if (_model.IsCharging && cellsMv.Length > 0)
        {
            int max = cellsMv.Max();
            if (max >= 3340)
            {
                for (int cell = 0; cell < Math.Min(16, cellsMv.Length); cell++)
                {
                    if (cellsMv[cell] >= max - 3)
                    {
                        balance |= 1 << cell;
                    }
                }
            }
        }

        byte instruction = 0x06;
        if (_model.IsDischarging && pack.CurrentAmperes < 0)
        {
            instruction |= 0x08;
        }

        if (_model.IsCharging)
        {
            instruction |= 0x20;
        }

        byte warn1 = 0;
        if (cellsMv.Length > 0 && cellsMv.Max() > 3550)
        {
            warn1 |= 0x01;
        }

        if (cellsMv.Length > 0 && cellsMv.Min() < 2900)
        {
            warn1 |= 0x02;
        }

        byte warn2 = soc < 0.22 ? (byte)0x80 : (byte)0x00;
        byte protect2 = soc >= 0.99 ? (byte)0x80 : (byte)0x00;

        writer.U8(cellWarnings.Length);
        foreach (byte w in cellWarnings)
        {
            writer.U8(w);
        }

        writer.U8(tempWarnings.Length);
        foreach (byte w in tempWarnings)
        {
            writer.U8(w);
        }

        writer.U8(0);
        writer.U8(0);
        writer.U8(0);
        writer.U8(0);
        writer.U8(protect2);
        writer.U8(instruction);
        writer.U8(0);
        writer.U8(0);
        writer.U8(balance & 0xFF);
        writer.U8((balance >> 8) & 0xFF);
        writer.U8(warn1);
        writer.U8(warn2);
        int tailStart = writer.Length;
        for (int i = 0; i < Options.AlarmTailBytes; i++)
        {
            writer.U8(0);
        }

        return new SentAlarmPack
        {
            Pack = pack.Number,
            CellWarnings = [.. cellWarnings],
            TemperatureWarnings = [.. tempWarnings],
            ChargeCurrentWarning = 0,
            PackVoltageWarning = 0,
            DischargeCurrentWarning = 0,
            ProtectState1 = 0,
            ProtectState2 = protect2,
            InstructionState = instruction,
            ControlState = 0,
            FaultState = 0,
            BalanceState1 = (byte)(balance & 0xFF),
            BalanceState2 = (byte)((balance >> 8) & 0xFF),
            WarnState1 = warn1,
            WarnState2 = warn2,
            TailHex = writer.HexFrom(tailStart),
        };
    }

    private sealed class FaultState(SimulatorFault fault)
    {
        public SimulatorFault Fault { get; } = fault;

        public long Seen { get; set; }
    }

    private sealed class PendingSent
    {
        public ImmutableArray<SentAnalogPack> Analog { get; init; } = [];

        public ImmutableArray<SentAlarmPack> Alarm { get; init; } = [];

        public DateTime DateTime { get; init; }
    }
}

/// <summary>How one reply leaves the simulator: the bytes (echo, noise and a possibly damaged frame), and the manner.</summary>
/// <param name="Bytes">Everything to write, in order; empty for no reply.</param>
/// <param name="CloseAfter">Disconnect after writing (the <c>drop</c> fault).</param>
/// <param name="PerByteDelay">The <c>slow</c> fault: a pause before every byte.</param>
/// <param name="Split">The <c>split</c> fault: several small writes.</param>
public sealed record SimulatorReply(byte[] Bytes, bool CloseAfter, TimeSpan PerByteDelay, bool Split)
{
    public static SimulatorReply None { get; } = new([], false, TimeSpan.Zero, false);
}
