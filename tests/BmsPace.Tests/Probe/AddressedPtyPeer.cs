using BmsPace.Protocol.Tests;
using BmsPace.Protocol.Wire;
using BmsPace.Simulator;
using BmsPace.Tests.Transport;

namespace BmsPace.Tests.Probe;

/// <summary>
/// An RS485 bus on a real socat pty pair: the probe opens one end; on the other, packs that each answer only frames
/// carrying their own DIP address (PROTOCOL.md 8.1), with replies built by the simulator.
/// </summary>
internal sealed class AddressedPtyPeer : IAsyncDisposable
{
    private readonly SocatPtyPair _pair;
    private readonly UnixFdStream _peer;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _serve;
    private readonly List<string> _requests = [];

    private AddressedPtyPeer(SocatPtyPair pair, UnixFdStream peer, ISimulatedDevice bms, IReadOnlySet<int> addresses)
    {
        _pair = pair;
        _peer = peer;
        _serve = Task.Run(() => ServeAsync(bms, addresses));
    }

    /// <summary>The end the probe opens.</summary>
    public string Path => _pair.PathA;

    public IReadOnlyList<string> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    public static async Task<AddressedPtyPeer> StartAsync(ISimulatedDevice bms, params int[] addresses)
    {
        var pair = await SocatPtyPair.StartAsync();
        return new AddressedPtyPeer(pair, new UnixFdStream(UnixTerminal.OpenRaw(pair.PathB)), bms, addresses.ToHashSet());
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _serve;
        }
        catch (OperationCanceledException)
        {
        }

        await _peer.DisposeAsync();
        await _pair.DisposeAsync();
        _stop.Dispose();
    }

    private async Task ServeAsync(ISimulatedDevice bms, IReadOnlySet<int> addresses)
    {
        var assembler = new WireBuffer(AsciiWire.Instance);
        var buffer = new byte[1024];
        while (!_stop.IsCancellationRequested)
        {
            int count;
            try
            {
                count = await _peer.ReadAsync(buffer, _stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or ObjectDisposedException)
            {
                return;
            }

            if (count == 0)
            {
                return;
            }

            foreach (string request in assembler.Feed(buffer.AsSpan(0, count)))
            {
                lock (_requests)
                {
                    _requests.Add(request);
                }

                int address = Convert.ToInt32(request[3..5], 16);
                if (addresses.Contains(address))
                {
                    await _peer.WriteAsync(bms.Respond(request).Bytes, _stop.Token);
                }
            }
        }
    }
}
