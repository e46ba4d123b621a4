using System.Globalization;
using BmsPace.Protocol.Framing;

namespace BmsPace.Simulator;

/// <summary>
/// A PACE 0x25 BMS (CID1 0x46) that answers requests with protocol-correct frames built from an evolving battery model.
/// Requests are read with the protocol library's parser; replies are written by <see cref="PaceReplyEncoder"/>. Faults
/// are not its business: wrap it in a <see cref="FaultInjector"/>.
/// </summary>
/// <remarks>Thread-safe: several sessions may share one instance.</remarks>
public sealed class SimulatedBms : ISimulatedDevice
{
    private const byte Cid1 = 0x46;

    private readonly object _gate = new();
    private readonly BatteryModel _model;
    private readonly TimeProvider _time;
    private readonly PaceBlockShape _shape;
    private long _lastAdvanceTimestamp;

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
        _shape = new PaceBlockShape(Options.TailBytes, Options.UserDefinedP, Options.AlarmTailBytes);
        _lastAdvanceTimestamp = _time.GetTimestamp();
        Line = new LineTiming(Options.BaudRate, Options.EffectiveThinkTime);
    }

    public SimulatedBmsOptions Options { get; }

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

        if (!IsOurs(parsed.Version, parsed.Cid1))
        {
            return null;
        }

        return Reply(parsed.Address, parsed.Cid2, parsed.Info.AsSpan());
    }

    private bool IsOurs(byte version, byte cid1) => version == Options.Version && cid1 == Cid1;

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
        FrameEncoder.EncodeResponse(Options.Version, address, Cid1, returnCode, info);

    private string? Reply(byte address, byte cid2, ReadOnlySpan<byte> info)
    {
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
                else if (command <= Options.Packs)
                {
                    blocks = [stack[Math.Max(1, (int)command) - 1]];
                }
                else
                {
                    // RS485: a slave that does not exist does not answer.
                    return null;
                }

                byte countOrEcho = command == 0xFF ? (byte)Options.Packs : command;
                return Encode(address, 0, cid2 == 0x42
                    ? PaceReplyEncoder.Analog(countOrEcho, blocks, stack, _shape)
                    : PaceReplyEncoder.Alarm(countOrEcho, blocks, _shape));
            }

            case 0xC1:
                return Encode(address, 0, PaceReplyEncoder.SoftwareVersion(Options.SoftwareVersion));
            case 0xC2:
                return Encode(address, 0, PaceReplyEncoder.Serials(Options.BmsSerial, Options.PackSerial));
            case 0x90:
                return Encode(address, 0, PaceReplyEncoder.PackCount(Options.Packs));
            case 0xA6:
                return Encode(address, 0, PaceReplyEncoder.Capacity(_model.Sample()[0]));
            case 0xB1:
                return Encode(address, 0, PaceReplyEncoder.DateTime(_time.GetLocalNow().DateTime));
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
            _model.Advance(Math.Min(elapsed.TotalSeconds * Options.TimeScale, 3600));
        }
    }
}
