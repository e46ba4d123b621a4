using System.Collections.Concurrent;
using System.Text;
using BmsPace.Configuration;
using BmsPace.Polling;
using BmsPace.Resilience;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Protocol;
using Prometheus;

namespace BmsPace.Outputs.Mqtt;

/// <summary>
/// Publishes every snapshot over MQTT with Home Assistant discovery (docs/MQTT.md). One broker connection per process,
/// opened again with <see cref="Reconnect"/> backoff whenever it fails.
/// </summary>
/// <remarks>
/// <para><see cref="PublishAsync"/> only stores the snapshot in a slot per battery (the latest wins) and wakes the
/// connection loop: a poller never waits on the broker, and a slow or absent broker holds at most one snapshot per
/// battery. While disconnected, states are not kept (the next poll supersedes them); discovery and availability are
/// sent again on every connect.</para>
/// <para>Discovery goes out on connect, when a pack first appears or its identity changes, and 1-5 s after Home
/// Assistant announces <c>online</c>. Retained discovery of a pack or battery that is no longer in the configuration
/// is cleared (found among the retained messages the broker hands over on subscribing); a pack that only stopped
/// answering keeps its discovery and goes <c>offline</c> once it has missed <c>stale_after_cycles</c> cycles.</para>
/// </remarks>
public sealed class MqttSink : BackgroundService, IReadingSink
{
    private const string Online = MqttBrokerConnection.Online;
    private const string Offline = MqttBrokerConnection.Offline;

    /// <summary>How long a clean shutdown may take to publish <c>offline</c> and disconnect.</summary>
    private static readonly TimeSpan ShutdownBudget = TimeSpan.FromSeconds(5);

    /// <summary>1 s first (a restarting broker is usually back within seconds), at most one minute between attempts.</summary>
    private static readonly BackoffPolicy Reconnect = new(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1));

    private readonly BmsPaceOptions _options;
    private readonly MqttOptions _mqtt;
    private readonly MqttTopics _topics;
    private readonly HomeAssistantDiscovery _discovery;
    private readonly MqttSinkMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<MqttSink> _logger;
    private readonly Random _random = new();
    private readonly MqttBrokerConnection _broker;
    private readonly RetainedDiscoveryCleanup _cleanup;

    private readonly ConcurrentDictionary<string, BatterySnapshot> _pending = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, BatterySnapshot> _latest = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _retainedToClear = new();
    private readonly SemaphoreSlim _wake = new(0, 1);

    /// <summary>Every pack seen with values, so discovery can be sent again after a reconnect even while it is stale.</summary>
    private readonly Dictionary<(string Battery, int Pack), PackIdentity> _identities = [];

    private int _homeAssistantBirths;

    /// <param name="options">The whole configuration: the mqtt section, the batteries (to know which packs are configured) and the poll timing (for expire_after).</param>
    /// <param name="exporterVersion">Written as the discovery origin's and link device's sw_version.</param>
    /// <param name="registry">Where the self-metrics go (shared with the Prometheus sink).</param>
    public MqttSink(BmsPaceOptions options, string exporterVersion, CollectorRegistry registry, TimeProvider time, ILogger<MqttSink> logger)
    {
        _options = options;
        _mqtt = options.Mqtt;
        _topics = new MqttTopics(_mqtt);
        var cycle = options.ScanInterval > CycleBudget(options) ? options.ScanInterval : CycleBudget(options);
        _discovery = new HomeAssistantDiscovery(_topics, exporterVersion, HomeAssistantDiscovery.ExpireAfterFor(cycle, options.StaleAfterCycles));
        _metrics = new MqttSinkMetrics(registry);
        _time = time;
        _logger = logger;
        _broker = new MqttBrokerConnection(_mqtt, _topics, _metrics, logger);
        _cleanup = new RetainedDiscoveryCleanup(options, _topics);
    }

    public MqttTopics Topics => _topics;

    /// <summary>Seconds without a state after which Home Assistant shows a value as unavailable.</summary>
    public int ExpireAfterSeconds => _discovery.ExpireAfterSeconds;

    /// <summary>Keeps the snapshot as the battery's latest and wakes the connection loop; never waits on the broker.</summary>
    public ValueTask PublishAsync(BatterySnapshot snapshot, CancellationToken cancellationToken)
    {
        _latest[snapshot.Battery] = snapshot;
        _pending[snapshot.Battery] = snapshot;
        Wake();
        return ValueTask.CompletedTask;
    }

    public override void Dispose()
    {
        base.Dispose();
        _broker.Dispose();
        _wake.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _logger.LogInformation("Publishing to the MQTT broker at {Url} as {ClientId} under {Base}; Home Assistant discovery {Discovery}",
            SafeUrl, _mqtt.EffectiveClientId, _topics.Status[..^"/status".Length], _mqtt.Discovery.Enabled ? $"under {_mqtt.Discovery.Prefix}" : "off");
        int failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            using var client = new MqttClientFactory().CreateMqttClient();
            client.DisconnectedAsync += _ =>
            {
                Wake();
                return Task.CompletedTask;
            };
            client.ApplicationMessageReceivedAsync += OnMessageAsync;
            try
            {
                if (await _broker.ConnectAsync(client, stoppingToken))
                {
                    failures = 0;
                    await RunSessionAsync(client, stoppingToken);
                    if (!stoppingToken.IsCancellationRequested)
                    {
                        _broker.Fail("disconnected", $"the connection to the MQTT broker at {SafeUrl} was lost; connecting again", null);
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                await SayOfflineAsync(client);
                break;
            }
            catch (Exception error)
            {
                _broker.ReportFailure(error);
            }
            finally
            {
                _metrics.Connected.Set(0);
            }

            failures++;
            try
            {
                await Task.Delay(Reconnect.DelayAfter(failures), _time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    /// <summary>The longest a poll cycle may take when every request runs into the timeout (four requests).</summary>
    private static TimeSpan CycleBudget(BmsPaceOptions options) => (options.RequestTimeout + options.RequestGap) * 4;

    private string SafeUrl => _broker.SafeUrl;

    private async Task RunSessionAsync(IMqttClient client, CancellationToken stoppingToken)
    {
        var session = new Session();
        _pending.Clear();
        Interlocked.Exchange(ref _homeAssistantBirths, 0);
        await SendAsync(client, _topics.Status, Encoding.UTF8.GetBytes(Online), retain: true, MqttQualityOfServiceLevel.AtLeastOnce, "status", stoppingToken);
        if (_mqtt.Discovery.Enabled)
        {
            await client.SubscribeAsync(_topics.HomeAssistantStatus, MqttQualityOfServiceLevel.AtLeastOnce, stoppingToken);
            await client.SubscribeAsync(_topics.DiscoveryFilter, MqttQualityOfServiceLevel.AtLeastOnce, stoppingToken);
        }

        await AnnounceAllAsync(client, session, stoppingToken);
        DateTimeOffset? announceAt = null;
        while (client.IsConnected)
        {
            var wait = announceAt is { } at ? at - _time.GetUtcNow() : Timeout.InfiniteTimeSpan;
            if (wait == Timeout.InfiniteTimeSpan || wait > TimeSpan.Zero)
            {
                await _wake.WaitAsync(wait, stoppingToken);
            }

            if (!client.IsConnected)
            {
                return;
            }

            if (Interlocked.Exchange(ref _homeAssistantBirths, 0) > 0 && announceAt is null)
            {
                // Spread over 1-5 s, as Home Assistant recommends, so a restart of it does not meet every device at once.
                announceAt = _time.GetUtcNow() + TimeSpan.FromMilliseconds(1000 + _random.Next(4000));
            }

            if (announceAt is { } due && due <= _time.GetUtcNow())
            {
                announceAt = null;
                await AnnounceAllAsync(client, session, stoppingToken);
            }

            while (_retainedToClear.TryDequeue(out string? topic))
            {
                await SendAsync(client, topic, [], retain: true, MqttQualityOfServiceLevel.AtLeastOnce, "discovery", stoppingToken);
                _logger.LogInformation("Cleared the retained Home Assistant discovery {Topic}: its pack or battery is no longer configured", topic);
            }

            foreach (string battery in _pending.Keys)
            {
                if (_pending.TryRemove(battery, out var snapshot))
                {
                    await PublishSnapshotAsync(client, session, snapshot, stoppingToken);
                }
            }
        }
    }

    /// <summary>Discovery (when on) and availability of every battery and pack known, whatever was sent before.</summary>
    private async Task AnnounceAllAsync(IMqttClient client, Session session, CancellationToken cancellationToken)
    {
        session.Links.Clear();
        session.Packs.Clear();
        session.Availability.Clear();
        foreach (var snapshot in _latest.Values)
        {
            await AnnounceLinkAsync(client, session, snapshot.Battery, PackMaker.ProtocolOf(snapshot), snapshot.Stack is not null, cancellationToken);
            var available = snapshot.Packs.Where(MqttStatePayloads.IsAvailable).Select(p => p.Pack).ToHashSet();
            foreach (var ((battery, pack), identity) in _identities.Where(entry => entry.Key.Battery == snapshot.Battery).ToList())
            {
                await AnnouncePackAsync(client, session, battery, pack, identity, cancellationToken);
                await SetAvailabilityAsync(client, session, battery, pack, available.Contains(pack), cancellationToken);
            }
        }
    }

    private async Task PublishSnapshotAsync(IMqttClient client, Session session, BatterySnapshot snapshot, CancellationToken cancellationToken)
    {
        string battery = snapshot.Battery;
        string protocol = PackMaker.ProtocolOf(snapshot);
        await AnnounceLinkAsync(client, session, battery, protocol, snapshot.Stack is not null, cancellationToken);
        var present = new HashSet<int>();
        foreach (var pack in snapshot.Packs)
        {
            present.Add(pack.Pack);
            bool available = MqttStatePayloads.IsAvailable(pack);
            if (available)
            {
                var identity = new PackIdentity(
                    pack.Analog!.CellCount,
                    pack.Analog.TemperatureCount,
                    protocol,
                    pack.Identity.SoftwareVersion,
                    pack.Identity.PackSerial);
                _identities[(battery, pack.Pack)] = identity;
                await AnnouncePackAsync(client, session, battery, pack.Pack, identity, cancellationToken);
            }

            if (_identities.ContainsKey((battery, pack.Pack)))
            {
                await SetAvailabilityAsync(client, session, battery, pack.Pack, available, cancellationToken);
            }

            if (MqttStatePayloads.Pack(snapshot, pack) is { } state)
            {
                await SendAsync(client, _topics.PackState(battery, pack.Pack), state, _mqtt.RetainState, MqttQualityOfServiceLevel.AtMostOnce, "state", cancellationToken);
            }
        }

        // A pack that vanished from a good answer stopped answering: offline, but its discovery stays.
        foreach (var (key, online) in session.Availability.ToList())
        {
            if (key.Battery == battery && online && !present.Contains(key.Pack))
            {
                await SetAvailabilityAsync(client, session, battery, key.Pack, false, cancellationToken);
            }
        }

        await SendAsync(client, _topics.BatteryState(battery), MqttStatePayloads.Battery(snapshot, protocol), _mqtt.RetainState, MqttQualityOfServiceLevel.AtMostOnce, "state", cancellationToken);
    }

    private async Task AnnounceLinkAsync(IMqttClient client, Session session, string battery, string protocol, bool stack, CancellationToken cancellationToken)
    {
        // Announced again when the dialect changes or a bank master's stack sensors appear.
        string announced = stack ? protocol + " with stack" : protocol;
        if (!_mqtt.Discovery.Enabled || (session.Links.TryGetValue(battery, out string? sent) && sent == announced))
        {
            return;
        }

        await SendAsync(client, _topics.LinkDiscovery(battery), _discovery.Link(battery, protocol, stack), retain: true, MqttQualityOfServiceLevel.AtLeastOnce, "discovery", cancellationToken);
        session.Links[battery] = announced;
    }

    private async Task AnnouncePackAsync(IMqttClient client, Session session, string battery, int pack, PackIdentity identity, CancellationToken cancellationToken)
    {
        if (!_mqtt.Discovery.Enabled || (session.Packs.TryGetValue((battery, pack), out var sent) && sent == identity))
        {
            return;
        }

        await SendAsync(client, _topics.PackDiscovery(battery, pack), _discovery.Pack(battery, pack, identity), retain: true, MqttQualityOfServiceLevel.AtLeastOnce, "discovery", cancellationToken);
        session.Packs[(battery, pack)] = identity;
    }

    private async Task SetAvailabilityAsync(IMqttClient client, Session session, string battery, int pack, bool online, CancellationToken cancellationToken)
    {
        if (session.Availability.TryGetValue((battery, pack), out bool sent) && sent == online)
        {
            return;
        }

        await SendAsync(client, _topics.PackAvailability(battery, pack), Encoding.UTF8.GetBytes(online ? Online : Offline), retain: true, MqttQualityOfServiceLevel.AtLeastOnce, "availability", cancellationToken);
        session.Availability[(battery, pack)] = online;
    }

    private async Task SendAsync(IMqttClient client, string topic, byte[] payload, bool retain, MqttQualityOfServiceLevel qos, string kind, CancellationToken cancellationToken)
    {
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(payload)
            .WithRetainFlag(retain)
            .WithQualityOfServiceLevel(qos)
            .Build();
        MqttClientPublishResult result;
        try
        {
            result = await client.PublishAsync(message, cancellationToken);
        }
        catch (Exception error) when (error is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            _metrics.Errors.WithLabels("publish").Inc();
            throw;
        }

        if (!result.IsSuccess)
        {
            _metrics.Errors.WithLabels("publish").Inc();
            _logger.LogWarning("The MQTT broker at {Url} did not take {Topic} ({Reason}); check the broker's access rules for mqtt.username", SafeUrl, topic, result.ReasonCode);
            return;
        }

        _metrics.Messages.WithLabels(kind).Inc();
    }

    /// <summary>A clean stop: <c>offline</c> on the status topic (the broker drops the will on a normal disconnect), then DISCONNECT.</summary>
    private async Task SayOfflineAsync(IMqttClient client)
    {
        if (!client.IsConnected)
        {
            return;
        }

        using var budget = new CancellationTokenSource(ShutdownBudget);
        try
        {
            await SendAsync(client, _topics.Status, Encoding.UTF8.GetBytes(Offline), retain: true, MqttQualityOfServiceLevel.AtLeastOnce, "status", budget.Token);
            await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.NormalDisconnection).Build(), budget.Token);
        }
        catch (Exception error)
        {
            _logger.LogWarning("Could not say offline to the MQTT broker at {Url} on shutdown ({Message}); it publishes the will instead", SafeUrl, error.Message);
        }
    }

    private Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs args)
    {
        var message = args.ApplicationMessage;
        if (message.Topic == _topics.HomeAssistantStatus)
        {
            // A retained birth is an old one handed over on subscribing, not Home Assistant starting now.
            if (!message.Retain && Encoding.UTF8.GetString(message.Payload) == Online)
            {
                Interlocked.Increment(ref _homeAssistantBirths);
                Wake();
            }
        }
        else if (message.Retain && _cleanup.MustClear(message.Topic, message.Payload))
        {
            _retainedToClear.Enqueue(message.Topic);
            Wake();
        }

        return Task.CompletedTask;
    }

    private void Wake()
    {
        if (_wake.CurrentCount == 0)
        {
            try
            {
                _wake.Release();
            }
            catch (SemaphoreFullException)
            {
                // Another event woke the loop first.
            }
            catch (ObjectDisposedException)
            {
                // Stopped.
            }
        }
    }

    /// <summary>What this connection has sent; empty at every connect, so everything is sent again.</summary>
    private sealed class Session
    {
        public Dictionary<string, string> Links { get; } = new(StringComparer.Ordinal);

        public Dictionary<(string Battery, int Pack), PackIdentity> Packs { get; } = [];

        public Dictionary<(string Battery, int Pack), bool> Availability { get; } = [];
    }
}
