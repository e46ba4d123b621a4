using BmsPace.Protocol.Tests;
using BmsPace.Protocol.Wire;
using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace BmsPace.Tests.Probe;

/// <summary>
/// A real TCP server on 127.0.0.1 that plays one kind of device on the far end of a serial server: it cuts each request
/// frame out of the byte stream (an ASCII frame, or a Modbus RTU read: probe asks in both languages), records it as
/// Latin-1 text, and answers with whatever <c>respond</c> returns (nothing = silence).
/// </summary>
internal sealed class ScriptedLineServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Func<string, byte[]?> _respond;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<string> _requests = [];
    private readonly List<Socket> _clients = [];
    private readonly Task _accept;

    private ScriptedLineServer(Func<string, byte[]?> respond)
    {
        _respond = respond;
        _listener.Start();
        _accept = Task.Run(AcceptAsync);
    }

    public string Uri => $"tcp://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    /// <summary>Every request frame received (ASCII with its CR, Modbus as its 8 bytes in Latin-1), in arrival order.</summary>
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

    public static ScriptedLineServer Start(Func<string, byte[]?> respond) => new(respond);

    /// <summary>A converter with a loopback: every request comes straight back.</summary>
    public static ScriptedLineServer Echo() => Start(Encoding.Latin1.GetBytes);

    /// <summary>A link with nothing on the other end.</summary>
    public static ScriptedLineServer Silent() => Start(_ => null);

    /// <summary>A frame-by-frame answer from a table of request to reply; anything else stays silent.</summary>
    public static ScriptedLineServer Frames(IReadOnlyDictionary<string, string> replies) =>
        Start(request => replies.TryGetValue(request, out string? reply) ? Encoding.ASCII.GetBytes(reply) : null);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        lock (_clients)
        {
            foreach (var client in _clients)
            {
                client.Dispose();
            }
        }

        try
        {
            await _accept;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            lock (_clients)
            {
                _clients.Add(socket);
            }

            _ = Task.Run(() => ServeAsync(socket));
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        var pending = ReadOnlySequence<byte>.Empty;
        var buffer = new byte[1024];
        try
        {
            while (true)
            {
                int count = await socket.ReceiveAsync(buffer, _stop.Token);
                if (count == 0)
                {
                    return;
                }

                pending = new ReadOnlySequence<byte>([.. pending.ToArray(), .. buffer.AsSpan(0, count)]);
                while (TryCutRequest(ref pending, out string request))
                {
                    lock (_requests)
                    {
                        _requests.Add(request);
                    }

                    if (_respond(request) is { } reply)
                    {
                        await socket.SendAsync(reply, _stop.Token);
                    }
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    private static bool TryCutRequest(ref ReadOnlySequence<byte> pending, out string request)
    {
        IWireFormat wire = pending.IsEmpty || pending.FirstSpan[0] == (byte)'~' ? AsciiWire.Instance : ModbusRtuWire.Instance;
        bool cut = wire.TryCutRequest(ref pending, out var frame);
        request = cut ? Encoding.Latin1.GetString(frame) : "";
        return cut;
    }
}
