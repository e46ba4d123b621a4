using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using BmsPace.Protocol.Framing;
using BmsPace.Protocol.Wire;
using BmsPace.Simulator;

namespace BmsPace.Tests.Simulation;

/// <summary>
/// The tests' own view of a simulated PACE BMS: a tap between the simulator and the line. It switches faults on and off
/// (a fresh <see cref="FaultInjector"/> around the same battery each time), records every request, and reads every reply
/// that leaves intact (complete, valid envelope, RTN 0, the address asked for) by the documented layout of PROTOCOL.md
/// 10.2 and 11.2, written here independently of the program's decoders. That is "what the simulator sent" for the
/// assertions; the simulator itself keeps no such record.
/// </summary>
internal sealed class RecordedBms : ISimulatedDevice
{
    private readonly object _gate = new();
    private readonly SimulatedBms _bms;
    private readonly Dictionary<SimulatorFaultKind, SimulatorFault> _faults = [];
    private readonly List<string> _requests = [];
    private readonly List<byte> _cid2s = [];
    private readonly Dictionary<byte, string> _lastReplies = [];
    private readonly Dictionary<int, SentAnalogPack> _lastAnalog = [];
    private readonly Dictionary<int, SentAlarmPack> _lastAlarm = [];
    private ISimulatedDevice _line;
    private DateTime? _lastDateTime;
    private byte _returnCode = 0x09;

    public RecordedBms(SimulatedBmsOptions? options = null, TimeProvider? clock = null)
    {
        Options = options ?? new SimulatedBmsOptions();
        _bms = new SimulatedBms(Options, clock);
        _line = _bms;
    }

    public SimulatedBmsOptions Options { get; }

    public LineTiming Line => _bms.Line;

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
                return [.. _faults.Values];
            }
        }
    }

    /// <summary>Turns a fault on (replacing one of the same kind); every-K-th counts start again.</summary>
    /// <param name="returnCode">The RTN an <c>rtn</c> fault answers with.</param>
    public void SetFault(SimulatorFault fault, byte returnCode = 0x09)
    {
        lock (_gate)
        {
            _faults[fault.Kind] = fault;
            _returnCode = returnCode;
            _line = new FaultInjector(_bms, _faults.Values, Options.Seed, _returnCode);
        }
    }

    public void ClearFault(SimulatorFaultKind kind)
    {
        lock (_gate)
        {
            _faults.Remove(kind);
            _line = _faults.Count == 0 ? _bms : new FaultInjector(_bms, _faults.Values, Options.Seed, _returnCode);
        }
    }

    public void ClearFaults()
    {
        lock (_gate)
        {
            _faults.Clear();
            _line = _bms;
        }
    }

    /// <summary>The last reply to <paramref name="cid2"/> that left intact.</summary>
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
    public DateTime? LastSentDateTime
    {
        get
        {
            lock (_gate)
            {
                return _lastDateTime;
            }
        }
    }

    public IWireFormat Wire => _bms.Wire;

    public SimulatorReply Respond(ReadOnlySpan<byte> bytes)
    {
        string request = Encoding.Latin1.GetString(bytes);
        lock (_gate)
        {
            var reply = _line.Respond(bytes);
            _requests.Add(request);
            if (HeaderByte(request, 7) is { } cid2)
            {
                _cid2s.Add(cid2);
                if (IntactFrame(reply, request) is { } frame)
                {
                    Record(cid2, request, frame);
                }
            }

            return reply;
        }
    }

    private static byte? HeaderByte(string request, int index) =>
        request.Length >= index + 2 && request[0] == '~'
        && byte.TryParse(request.AsSpan(index, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out byte value)
            ? value
            : null;

    /// <summary>The COMMAND byte of a 0x42/0x44 request (FF, all packs, when it carries no INFO).</summary>
    private static byte CommandByte(string request) =>
        request.Length > FrameEncoder.EnvelopeLength ? HeaderByte(request, 13) ?? 0xFF : (byte)0xFF;

    /// <summary>The reply frame when it left whole and valid: after any echo or noise, with its CR, RTN 0, the address asked for.</summary>
    private string? IntactFrame(SimulatorReply reply, string request)
    {
        string text = Encoding.Latin1.GetString(reply.Bytes);
        int start = text.LastIndexOf('~');
        if (reply.CloseAfter || start < 0 || !text.EndsWith('\r'))
        {
            return null;
        }

        string frame = text[start..];
        try
        {
            var parsed = FrameDecoder.Parse(frame, Options.Version);
            return parsed.Address == HeaderByte(request, 3) ? frame : null;
        }
        catch (PaceProtocolException)
        {
            return null;
        }
    }

    private void Record(byte cid2, string request, string frame)
    {
        _lastReplies[cid2] = frame;
        var info = FrameDecoder.Parse(frame, Options.Version).Info;
        switch (cid2)
        {
            case 0x42:
                foreach (var pack in ReadAnalog(info, CommandByte(request)))
                {
                    _lastAnalog[pack.Pack] = pack;
                }

                break;
            case 0x44:
                foreach (var pack in ReadAlarm(info, CommandByte(request)))
                {
                    _lastAlarm[pack.Pack] = pack;
                }

                break;
            case 0xB1:
                _lastDateTime = new DateTime(2000 + info[0], info[1], info[2], info[3], info[4], info[5], DateTimeKind.Unspecified);
                break;
        }
    }

    /// <summary>PROTOCOL.md 10.2: INFOFLAG, pack count (COMMAND FF) or echo, then the blocks; 10.4 for the tail.</summary>
    private List<SentAnalogPack> ReadAnalog(ImmutableArray<byte> info, byte command)
    {
        var reader = new Cursor(info);
        reader.U8();
        int countOrEcho = reader.U8();
        var packs = new List<SentAnalogPack>();
        int blocks = command == 0xFF ? countOrEcho : 1;
        for (int i = 0; i < blocks; i++)
        {
            int number = command == 0xFF ? i + 1 : Math.Max(1, (int)command);
            var cells = Enumerable.Range(0, reader.U8()).Select(_ => reader.U16() / 1000.0).ToImmutableArray();
            var temps = Enumerable.Range(0, reader.U8()).Select(_ => (reader.U16() - 2730) / 10.0).ToImmutableArray();
            double current = (short)reader.U16() / 100.0;
            double voltage = reader.U16() / 1000.0;
            double remaining = reader.U16() / 100.0;
            int p = reader.U8();
            double full = reader.U16() / 100.0;
            int cycles = reader.U16();
            double design = reader.U16() / 100.0;
            byte[] tail = reader.Bytes(Options.TailBytes);
            packs.Add(new SentAnalogPack
            {
                Pack = number,
                CellVoltagesVolts = cells,
                TemperaturesCelsius = temps,
                CurrentAmperes = current,
                VoltageVolts = voltage,
                RemainingAmpHours = remaining,
                FullAmpHours = full,
                DesignAmpHours = design,
                CycleCount = cycles,
                UserDefinedP = p,
                TailHex = Convert.ToHexString(tail),
                TailStateOfChargeRatio = tail.Length >= 1 ? tail[0] / 100.0 : null,
                TailStateOfHealthRatio = tail.Length >= 14 ? tail[9] / 100.0 : null,
            });
        }

        return packs;
    }

    /// <summary>PROTOCOL.md 11.2: per block the cell and temperature warnings, twelve state bytes, then 11.3's tail.</summary>
    private List<SentAlarmPack> ReadAlarm(ImmutableArray<byte> info, byte command)
    {
        var reader = new Cursor(info);
        reader.U8();
        int countOrEcho = reader.U8();
        var packs = new List<SentAlarmPack>();
        int blocks = command == 0xFF ? countOrEcho : 1;
        for (int i = 0; i < blocks; i++)
        {
            var cells = reader.Bytes(reader.U8()).ToImmutableArray();
            var temps = reader.Bytes(reader.U8()).ToImmutableArray();
            byte[] states = reader.Bytes(12);
            byte[] tail = reader.Bytes(Options.AlarmTailBytes);
            packs.Add(new SentAlarmPack
            {
                Pack = command == 0xFF ? i + 1 : Math.Max(1, (int)command),
                CellWarnings = cells,
                TemperatureWarnings = temps,
                ChargeCurrentWarning = states[0],
                PackVoltageWarning = states[1],
                DischargeCurrentWarning = states[2],
                ProtectState1 = states[3],
                ProtectState2 = states[4],
                InstructionState = states[5],
                ControlState = states[6],
                FaultState = states[7],
                BalanceState1 = states[8],
                BalanceState2 = states[9],
                WarnState1 = states[10],
                WarnState2 = states[11],
                TailHex = Convert.ToHexString(tail),
            });
        }

        return packs;
    }

    private sealed class Cursor(ImmutableArray<byte> info)
    {
        private int _position;

        public int U8() => info[_position++];

        public int U16() => (U8() << 8) | U8();

        public byte[] Bytes(int count)
        {
            var slice = info.AsSpan(_position, count).ToArray();
            _position += count;
            return slice;
        }
    }
}
