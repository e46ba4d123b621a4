using System.Globalization;
using BmsPace.Protocol.Framing;

namespace BmsPace.Simulator;

/// <summary>
/// A BMS of one dialect (PACE 0x25 by default; EG4, Seplos or Pylontech) that answers requests with protocol-correct
/// frames built from an evolving battery model. Requests are read with the protocol library's parser; replies are
/// written by the dialect's encoder. Frames of another dialect (VER or CID1) get no answer, as from a real pack. Faults
/// are not its business: wrap it in a <see cref="FaultInjector"/>.
/// </summary>
/// <remarks>Thread-safe: several sessions may share one instance.</remarks>
public sealed class SimulatedBms : ISimulatedDevice
{
    private readonly object _gate = new();
    private readonly SimulatedBmsOptions _options;
    private readonly BatteryModel _model;
    private readonly TimeProvider _time;
    private readonly PaceBlockShape _shape;
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
        _shape = new PaceBlockShape(_options.TailBytes, _options.UserDefinedP, _options.AlarmTailBytes);
        _lastAdvanceTimestamp = _time.GetTimestamp();
        Line = new LineTiming(_options.BaudRate, _options.EffectiveThinkTime);
    }

    public LineTiming Line { get; }

    public SimulatorReply Respond(string request)
    {
        lock (_gate)
        {
            AdvanceByClock();
            string? frame = Answer(request);
            return frame is null ? SimulatorReply.None : SimulatorReply.Frame(frame);
        }
    }

    private string? Answer(string request)
    {
        RequestFrame parsed;
        try
        {
            parsed = FrameDecoder.ParseRequest(request);
        }
        catch (PaceProtocolException ex)
        {
            // A damaged request in our own dialect gets the RTN the PACE documents give for it; bytes that are not a
            // frame at all, or a frame for another dialect, get nothing (a real BMS ignores them).
            byte? returnCode = ex.Error switch
            {
                FrameError.Checksum => 0x02,
                FrameError.LengthChecksum or FrameError.Length => 0x03,
                _ => null,
            };
            return returnCode is { } rtn && ReadHeader(request) is { } header && IsOurs(header.Version, header.Cid1)
                ? Encode(header.Address, rtn, [])
                : null;
        }

        if (_options.Bus == SimulatedBus.OwnAddress)
        {
            return AnswerOwnAddress(parsed);
        }

        if (!IsOurs(parsed.Version, parsed.Cid1))
        {
            return null;
        }

        return Reply(parsed.Address, parsed.Cid2, parsed.Info.AsSpan());
    }

    /// <summary>
    /// <see cref="SimulatedBus.OwnAddress"/>: only pack ADR (1 to the pack count) answers; a 0x42/0x44 only with COMMAND
    /// ADR or 00; a question of our CID1 in another VER gets RTN 01 in our VER 25 header.
    /// </summary>
    private string? AnswerOwnAddress(RequestFrame request)
    {
        if (request.Address < 1 || request.Address > _options.Packs || request.Cid1 != _options.Dialect.Cid1)
        {
            return null;
        }

        if (request.Version != _options.Version)
        {
            return Encode(request.Address, 0x01, []);
        }

        if (request.Cid2 is 0x42 or 0x44 && (request.Info.Length == 0 || (request.Info[0] != request.Address && request.Info[0] != 0)))
        {
            return null;
        }

        return Reply(request.Address, request.Cid2, request.Info.Length > 0 && request.Info[0] == 0 ? [request.Address] : request.Info.AsSpan());
    }

    private bool IsOurs(byte version, byte cid1) => version == _options.Version && cid1 == _options.Dialect.Cid1;

    /// <summary>VER, ADR and CID1 of a request whose envelope is damaged but whose header characters are hex.</summary>
    private static (byte Version, byte Address, byte Cid1)? ReadHeader(string request)
    {
        if (request.Length < 7 || request[0] != FrameEncoder.StartOfFrame
            || !byte.TryParse(request.AsSpan(1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out byte version)
            || !byte.TryParse(request.AsSpan(3, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out byte address)
            || !byte.TryParse(request.AsSpan(5, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out byte cid1))
        {
            return null;
        }

        return (version, address, cid1);
    }

    private string Encode(byte address, byte returnCode, ReadOnlySpan<byte> info) =>
        FrameEncoder.EncodeResponse(_options.Version, address, _options.Dialect.Cid1, returnCode, info);

    private string? Reply(byte address, byte cid2, ReadOnlySpan<byte> info)
    {
        if (_options.Dialect != SimulatedDialect.Pace)
        {
            return ReplyFamily20(address, cid2, info);
        }

        switch (cid2)
        {
            case 0x42 or 0x44:
            {
                // No INFO (EG4 style) is read as "all packs".
                byte command = info.Length > 0 ? info[0] : (byte)0xFF;
                var stack = _model.Sample();
                PackSample[] blocks;
                if (command == 0xFF)
                {
                    blocks = [.. stack];
                }
                else if (command <= _options.Packs)
                {
                    blocks = [stack[Math.Max(1, (int)command) - 1]];
                }
                else
                {
                    // RS485: a slave that does not exist does not answer.
                    return null;
                }

                byte countOrEcho = command == 0xFF ? (byte)_options.Packs : command;
                return Encode(address, 0, cid2 == 0x42
                    ? PaceReplyEncoder.Analog(countOrEcho, blocks, stack, _shape)
                    : PaceReplyEncoder.Alarm(countOrEcho, blocks, _shape));
            }

            case 0xC1:
                return Encode(address, 0, PaceReplyEncoder.SoftwareVersion(_options.SoftwareVersion));
            case 0xC2:
            {
                // 0xC2 describes the pack addressed (PROTOCOL.md 8.4): a pack of the stack at its own address answers
                // with its own serials; any other address gets the master's.
                var (bmsSerial, packSerial) = _options.SerialsOf(address >= 2 && address <= _options.Packs ? address : 1);
                return Encode(address, 0, PaceReplyEncoder.Serials(bmsSerial, packSerial));
            }

            case 0x90:
                return Encode(address, 0, PaceReplyEncoder.PackCount(_options.Packs));
            case 0xA6:
                return Encode(address, 0, PaceReplyEncoder.Capacity(_model.Sample()[0]));
            case 0xB1:
                return Encode(address, 0, PaceReplyEncoder.DateTime(_time.GetLocalNow().DateTime));
            default:
                return Encode(address, 0x04, []);
        }
    }

    /// <summary>
    /// The 0x20 family: one pack per answer, chosen by ADR (RS485: pack n answers its own address n, 1 to the pack count;
    /// no pack of a stack answers 0, the stand-alone address). The 0x42/0x44 INFO byte (Seplos group, Pylontech command)
    /// is echoed; EG4 requests carry none.
    /// </summary>
    private string? ReplyFamily20(byte address, byte cid2, ReadOnlySpan<byte> info)
    {
        var dialect = _options.Dialect;
        byte echo = info.Length > 0 ? info[0] : address;
        int packNumber = address;
        switch (cid2)
        {
            case 0x42 or 0x44:
            {
                if (packNumber < 1 || packNumber > _options.Packs)
                {
                    return null;
                }

                var pack = _model.Sample()[packNumber - 1];
                byte[] reply = (dialect.Name, cid2) switch
                {
                    ("eg4", 0x42) => Eg4ReplyEncoder.Analog(address, pack),
                    ("eg4", _) => Eg4ReplyEncoder.Alarm(address, pack),
                    ("seplos", 0x42) => SeplosReplyEncoder.Analog(echo, pack),
                    ("seplos", _) => SeplosReplyEncoder.Alarm(echo, pack),
                    (_, 0x42) => PylontechReplyEncoder.Analog(echo, pack),
                    _ => PylontechReplyEncoder.Alarm(echo, pack),
                };
                return Encode(address, 0, reply);
            }

            case 0x4F when dialect != SimulatedDialect.Eg4:
                // The protocol version is the reply's VER; INFO is empty (PROTOCOL.md 12.6).
                return Encode(address, 0, []);
            case 0x51:
                return Encode(address, 0, Family20IdentityEncoder.ManufacturerInfo(_options.SoftwareVersion[..Math.Min(10, _options.SoftwareVersion.Length)], 1, 0, "BmsPace simulator"));
            case 0x93 when dialect == SimulatedDialect.Pylontech:
                return Encode(address, 0, Family20IdentityEncoder.ModuleSerial(echo, _options.PackSerial));
            case 0x4D when dialect == SimulatedDialect.Eg4:
                return Encode(address, 0, Eg4ReplyEncoder.DateTime(_time.GetLocalNow().DateTime));
            default:
                return Encode(address, 0x04, []);
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
}
