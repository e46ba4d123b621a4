using System.Globalization;
using System.Text;
using BmsPace.Protocol.Framing;
using BmsPace.Protocol.Wire;

namespace BmsPace.Simulator;

/// <summary>
/// Damages the replies of a simulated device the way CLI.md's <c>--fault</c> modes describe: it asks the device for its
/// clean reply and then silences, corrupts, cuts, prefixes or paces it. The device never knows.
/// </summary>
/// <remarks>Thread-safe. Every-K-th faults count the requests that reach this injector, starting at its creation.</remarks>
public sealed class FaultInjector : ISimulatedDevice
{
    private readonly object _gate = new();
    private readonly ISimulatedDevice _inner;
    private readonly (SimulatorFault Fault, long[] Seen)[] _faults;
    private readonly Random _noise;
    private readonly byte _returnCode;

    /// <param name="inner">The device whose replies are damaged.</param>
    /// <param name="faults">At most one fault of each kind (a later one of the same kind replaces an earlier one).</param>
    /// <param name="seed">Seeds the <c>garbage</c> noise, so the same seed damages the same way.</param>
    /// <param name="returnCode">The RTN an <c>rtn</c> fault answers with.</param>
    public FaultInjector(ISimulatedDevice inner, IEnumerable<SimulatorFault> faults, int seed = 1, byte returnCode = 0x09)
    {
        _inner = inner;
        _faults = [.. faults.GroupBy(f => f.Kind).Select(g => (g.Last(), new long[1]))];
        _noise = new Random(seed ^ 0x5A5A);
        _returnCode = returnCode;
    }

    public LineTiming Line => _inner.Line;

    public IWireFormat Wire => _inner.Wire;

    public SimulatorReply Respond(ReadOnlySpan<byte> request)
    {
        // The device always sees the request, so its battery moves on exactly as without faults.
        var reply = _inner.Respond(request);
        lock (_gate)
        {
            var fired = Fire();
            byte[] bytes = reply.Bytes;
            bool close = false;
            if (fired.Contains(SimulatorFaultKind.Silent))
            {
                bytes = [];
            }
            else if (bytes.Length > 0)
            {
                string frame = Damage(Encoding.ASCII.GetString(bytes), fired);
                bytes = Encoding.ASCII.GetBytes(frame);
                if (fired.Contains(SimulatorFaultKind.Drop) || fired.Contains(SimulatorFaultKind.Truncate))
                {
                    bytes = bytes[..(bytes.Length / 2)];
                    close = fired.Contains(SimulatorFaultKind.Drop);
                }

                if (Active(SimulatorFaultKind.Garbage) is { } garbage)
                {
                    bytes = [.. Noise(garbage.Argument), .. bytes];
                }
            }

            if (fired.Contains(SimulatorFaultKind.Echo))
            {
                bytes = [.. request, .. bytes];
            }

            var perByte = Active(SimulatorFaultKind.Slow) is { } slow ? TimeSpan.FromMilliseconds(slow.Argument) : reply.PerByteDelay;
            return new SimulatorReply(bytes, close || reply.CloseAfter, perByte, reply.Split || Active(SimulatorFaultKind.Split) is not null);
        }
    }

    private SimulatorFault? Active(SimulatorFaultKind kind) =>
        _faults.Select(f => f.Fault).FirstOrDefault(f => f.Kind == kind);

    private HashSet<SimulatorFaultKind> Fire()
    {
        var fired = new HashSet<SimulatorFaultKind>();
        foreach (var (fault, seen) in _faults)
        {
            seen[0]++;
            if (!fault.IsEveryKth || seen[0] % fault.Argument == 0)
            {
                fired.Add(fault.Kind);
            }
        }

        return fired;
    }

    /// <summary>Applies the faults that change the frame's content, each leaving every other field intact.</summary>
    private string Damage(string frame, HashSet<SimulatorFaultKind> fired)
    {
        if (fired.Contains(SimulatorFaultKind.Rtn))
        {
            var header = FrameDecoder.ParseRequest(frame);
            frame = FrameEncoder.EncodeResponse(header.Version, header.Address, header.Cid1, _returnCode, []);
        }

        if (fired.Contains(SimulatorFaultKind.WrongAddress))
        {
            string address = frame[3..5];
            string otherPack = ((Convert.ToInt32(address, 16) + 1) & 0x0F).ToString("X2", CultureInfo.InvariantCulture);
            frame = Rewrite(frame, 3, otherPack);

            // A single-pack 0x42/0x44 answer names its pack again in the echo byte (after INFOFLAG): name the other one there too.
            if (frame.Length > 17 && frame[15..17] == address && address != "FF")
            {
                frame = Rewrite(frame, 15, otherPack);
            }
        }

        if (fired.Contains(SimulatorFaultKind.BadLength))
        {
            int lchk = Convert.ToInt32(frame[9..10], 16);
            frame = Rewrite(frame, 9, ((lchk + 1) & 0xF).ToString("X1", CultureInfo.InvariantCulture));
        }

        if (fired.Contains(SimulatorFaultKind.BadChecksum))
        {
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
}
