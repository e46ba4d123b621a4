using System.Text;
using System.Text.Json;
using MQTTnet;
using MQTTnet.Protocol;

namespace BmsPace.Tests.Mqtt;

/// <summary>One message as a subscriber received it.</summary>
internal sealed record RecordedMessage(string Topic, byte[] Payload, bool Retain, DateTimeOffset ReceivedAt, int Sequence)
{
    public string Text => Encoding.UTF8.GetString(Payload);

    public JsonElement Json => JsonDocument.Parse(Payload).RootElement;
}

/// <summary>A real MQTT client (MQTTnet) subscribed to every topic of a broker, keeping every message it receives.</summary>
internal sealed class MqttRecorder : IAsyncDisposable
{
    private readonly IMqttClient _client;
    private readonly List<RecordedMessage> _messages = [];

    private MqttRecorder(IMqttClient client) => _client = client;

    /// <summary>Connects and subscribes to <c>#</c>; retained messages arrive first, with their retain flag set.</summary>
    public static async Task<MqttRecorder> StartAsync(int port, string filter = "#", string? user = null, string? password = null)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        var recorder = new MqttRecorder(client);
        client.ApplicationMessageReceivedAsync += args =>
        {
            var message = args.ApplicationMessage;
            lock (recorder._messages)
            {
                recorder._messages.Add(new RecordedMessage(message.Topic, System.Buffers.BuffersExtensions.ToArray(message.Payload), message.Retain, DateTimeOffset.UtcNow, recorder._messages.Count));
            }

            return Task.CompletedTask;
        };
        var options = new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId("recorder-" + Guid.NewGuid().ToString("N")[..8]);
        if (user is not null)
        {
            options.WithCredentials(user, password);
        }

        var result = await client.ConnectAsync(options.Build());
        Assert.Equal(MqttClientConnectResultCode.Success, result.ResultCode);
        await client.SubscribeAsync(filter, MqttQualityOfServiceLevel.AtLeastOnce);
        return recorder;
    }

    public IReadOnlyList<RecordedMessage> Messages
    {
        get
        {
            lock (_messages)
            {
                return [.. _messages];
            }
        }
    }

    public int Count
    {
        get
        {
            lock (_messages)
            {
                return _messages.Count;
            }
        }
    }

    public IReadOnlyList<RecordedMessage> On(string topic) => Messages.Where(m => m.Topic == topic).ToList();

    /// <summary>Waits until a message numbered <paramref name="from"/> or later matches (pass <see cref="Count"/> for "from now on").</summary>
    public async Task<RecordedMessage> WaitForAsync(Func<RecordedMessage, bool> match, string what, int from = 0, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var found = Messages.FirstOrDefault(m => m.Sequence >= from && match(m));
            if (found is not null)
            {
                return found;
            }

            if (DateTime.UtcNow > deadline)
            {
                string seen = string.Join("\n", Messages.Where(m => !m.Topic.EndsWith("/state", StringComparison.Ordinal)).TakeLast(20)
                    .Concat(Messages.TakeLast(6))
                    .Select(m => $"#{m.Sequence} {m.ReceivedAt:HH:mm:ss.fff} {m.Topic} {(m.Retain ? "(retained) " : "")}{Shorten(m.Text)}"));
                throw new TimeoutException($"timed out waiting for {what}; last messages:\n{seen}");
            }

            await Task.Delay(50);
        }
    }

    public Task<RecordedMessage> WaitForAsync(string topic, string payload, int from = 0, TimeSpan? timeout = null) =>
        WaitForAsync(m => m.Topic == topic && m.Text == payload, $"'{payload}' on {topic}", from, timeout);

    /// <summary>The retained messages a new subscriber gets right now: what the broker keeps for each topic.</summary>
    public static async Task<Dictionary<string, RecordedMessage>> RetainedAsync(int port, string filter = "#", string? user = null, string? password = null)
    {
        await using var probe = await StartAsync(port, filter, user, password);

        // Retained messages follow the SUBACK at once; a marker published after subscribing arrives after all of them.
        string marker = "bmspace-test-marker/" + Guid.NewGuid().ToString("N");
        await probe._client.PublishStringAsync(marker, "x", MqttQualityOfServiceLevel.AtLeastOnce);
        if (!filter.EndsWith('#'))
        {
            await probe._client.SubscribeAsync(marker, MqttQualityOfServiceLevel.AtLeastOnce);
            await probe._client.PublishStringAsync(marker, "x", MqttQualityOfServiceLevel.AtLeastOnce);
        }

        await probe.WaitForAsync(m => m.Topic == marker, "the marker after the retained messages");
        return probe.Messages.Where(m => m.Retain && m.Payload.Length > 0).GroupBy(m => m.Topic).ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);
    }

    public async Task PublishAsync(string topic, string payload, bool retain = false)
    {
        var message = new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload).WithRetainFlag(retain).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();
        await _client.PublishAsync(message);
    }

    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected)
        {
            await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build());
        }

        _client.Dispose();
    }

    private static string Shorten(string text) => text.Length > 200 ? text[..200] + "..." : text;
}
