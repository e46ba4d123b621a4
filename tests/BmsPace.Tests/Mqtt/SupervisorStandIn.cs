using System.Net;
using System.Net.Sockets;
using System.Text;

namespace BmsPace.Tests.Mqtt;

/// <summary>
/// Home Assistant's Supervisor cannot run here: this answers <c>GET /services/mqtt</c> as the Supervisor's API
/// documentation shows (<c>{"result": "ok", "data": {"addon", "host", "port", "ssl", "username", "password",
/// "protocol"}}</c>; <c>{"result": "error", "message": ...}</c> with status 400 when no add-on provides the service),
/// checks the bearer token like the Supervisor, and records each request line with its Authorization header.
/// </summary>
internal sealed class SupervisorStandIn : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<string> _requests = [];
    private readonly string _token;
    private readonly string? _mqttData;
    private readonly Task _serving;

    private SupervisorStandIn(string token, string? mqttData)
    {
        _token = token;
        _mqttData = mqttData;
        _listener.Start();
        _serving = ServeAsync();
    }

    public string Url => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    /// <summary>"GET /services/mqtt Bearer TOKEN" for each request.</summary>
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

    /// <summary>A Supervisor whose MQTT service is provided by a broker add-on at <paramref name="port"/> with these credentials.</summary>
    public static SupervisorStandIn WithBroker(string token, int port, string username, string password) =>
        new(token, $$"""{"addon": "core_mosquitto", "host": "127.0.0.1", "port": {{port}}, "ssl": false, "protocol": "3.1.1", "username": "{{username}}", "password": "{{password}}"}""");

    /// <summary>A Supervisor with no broker add-on installed.</summary>
    public static SupervisorStandIn WithoutBroker(string token) => new(token, null);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _serving;
        }
        catch (OperationCanceledException)
        {
            // Stopped while waiting for a client.
        }

        _stop.Dispose();
    }

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception error) when (error is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            using (client)
            {
                await AnswerAsync(client.GetStream());
            }
        }
    }

    private async Task AnswerAsync(NetworkStream stream)
    {
        using var reader = new StreamReader(stream, Encoding.ASCII, leaveOpen: true);
        string requestLine = await reader.ReadLineAsync(_stop.Token) ?? "";
        string authorization = "";
        string? header;
        while (!string.IsNullOrEmpty(header = await reader.ReadLineAsync(_stop.Token)))
        {
            if (header.StartsWith("Authorization:", StringComparison.OrdinalIgnoreCase))
            {
                authorization = header["Authorization:".Length..].Trim();
            }
        }

        string[] parts = requestLine.Split(' ');
        lock (_requests)
        {
            _requests.Add($"{parts[0]} {(parts.Length > 1 ? parts[1] : "")} {authorization}");
        }

        var (status, body) = (parts.Length > 1 ? parts[1] : "", authorization == $"Bearer {_token}", _mqttData) switch
        {
            (_, false, _) => (401, """{"result": "error", "message": "Unauthorized"}"""),
            ("/services/mqtt", true, { } data) => (200, $$"""{"result": "ok", "data": {{data}}}"""),
            ("/services/mqtt", true, null) => (400, """{"result": "error", "message": "No mqtt service available"}"""),
            _ => (404, """{"result": "error", "message": "Not found"}"""),
        };
        byte[] content = Encoding.UTF8.GetBytes(body);
        string head = $"HTTP/1.1 {status} {(status == 200 ? "OK" : "Error")}\r\nContent-Type: application/json\r\nContent-Length: {content.Length}\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head), _stop.Token);
        await stream.WriteAsync(content, _stop.Token);
    }
}
