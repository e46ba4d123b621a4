using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using BmsPace.Configuration;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace BmsPace.Outputs.Mqtt;

/// <summary>
/// How the MQTT sink reaches its broker: the client options (will, credentials, TLS with an optional <c>ca_file</c>),
/// the connect with its timeout, and every connection failure counted by reason and logged once per kind of problem
/// (a broker down for an hour is one line, not one per retry).
/// </summary>
internal sealed class MqttBrokerConnection : IDisposable
{
    public const string Online = "online";
    public const string Offline = "offline";

    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);

    private readonly MqttOptions _mqtt;
    private readonly MqttTopics _topics;
    private readonly MqttSinkMetrics _metrics;
    private readonly ILogger _logger;
    private readonly X509Certificate2Collection? _trustedCas;
    private string? _problem;

    public MqttBrokerConnection(MqttOptions mqtt, MqttTopics topics, MqttSinkMetrics metrics, ILogger logger)
    {
        _mqtt = mqtt;
        _topics = topics;
        _metrics = metrics;
        _logger = logger;
        if (_mqtt.CaPem is { } pem)
        {
            _trustedCas = [];
            _trustedCas.ImportFromPem(pem);
        }
    }

    /// <summary>The broker's address without credentials, for logs.</summary>
    public string SafeUrl => _mqtt.Url.GetLeftPart(UriPartial.Authority);

    public void Dispose()
    {
        foreach (var certificate in _trustedCas ?? [])
        {
            certificate.Dispose();
        }
    }

    /// <returns>True when connected; false after a refusal (already logged and counted).</returns>
    public async Task<bool> ConnectAsync(IMqttClient client, CancellationToken stoppingToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        timeout.CancelAfter(ConnectTimeout);
        MqttClientConnectResult result;
        try
        {
            result = await client.ConnectAsync(BuildClientOptions(), timeout.Token);
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            Fail("timeout", $"the MQTT broker at {SafeUrl} did not complete the connection within 10 s: check mqtt.url. Retrying with backoff", null);
            return false;
        }

        if (result.ResultCode != MqttClientConnectResultCode.Success)
        {
            string fix = result.ResultCode switch
            {
                MqttClientConnectResultCode.BadUserNameOrPassword or MqttClientConnectResultCode.NotAuthorized =>
                    "fix mqtt.username and mqtt.password (or mqtt.password_file), or the broker's access rules",
                MqttClientConnectResultCode.ClientIdentifierNotValid => "fix mqtt.client_id",
                MqttClientConnectResultCode.Banned => "the broker bans this client: check mqtt.client_id and mqtt.username",
                _ => "check mqtt.url and the broker's log",
            };
            Fail("refused", $"the MQTT broker at {SafeUrl} refused the connection ({result.ResultCode}{(string.IsNullOrEmpty(result.ReasonString) ? "" : ": " + result.ReasonString)}): {fix}. Retrying with backoff", null);
            return false;
        }

        _metrics.Connected.Set(1);
        if (_problem is not null)
        {
            _logger.LogInformation("Connected to the MQTT broker at {Url} again", SafeUrl);
            _problem = null;
        }
        else
        {
            _logger.LogInformation("Connected to the MQTT broker at {Url}", SafeUrl);
        }

        return true;
    }

    private MqttClientOptions BuildClientOptions()
    {
        bool tls = _mqtt.Url.Scheme == "mqtts";
        int port = _mqtt.Url.IsDefaultPort || _mqtt.Url.Port <= 0 ? (tls ? 8883 : 1883) : _mqtt.Url.Port;
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(_mqtt.Url.Host, port)
            .WithProtocolVersion(MqttProtocolVersion.V311)
            .WithClientId(_mqtt.EffectiveClientId)
            .WithCleanSession(true)
            .WithKeepAlivePeriod(_mqtt.Keepalive)
            .WithTimeout(ConnectTimeout)
            .WithWillTopic(_topics.Status)
            .WithWillPayload(Encoding.UTF8.GetBytes(Offline))
            .WithWillRetain(true)
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
        if (_mqtt.Username.Length > 0 || !_mqtt.Password.IsEmpty)
        {
            builder.WithCredentials(_mqtt.Username, _mqtt.Password.Value);
        }

        if (tls)
        {
            builder.WithTlsOptions(options => options
                .UseTls()
                .WithTargetHost(_mqtt.Url.IdnHost)
                .WithCertificateValidationHandler(ValidateServerCertificate));
        }

        return builder.Build();
    }

    /// <summary>The system store decides first; with <c>ca_file</c>, a chain ending in one of its certificates is accepted too (the host name must still match).</summary>
    private bool ValidateServerCertificate(MqttClientCertificateValidationEventArgs args)
    {
        if (args.SslPolicyErrors == SslPolicyErrors.None)
        {
            return true;
        }

        if (_trustedCas is null || args.Certificate is null || (args.SslPolicyErrors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(_trustedCas);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (args.Chain is not null)
        {
            foreach (var element in args.Chain.ChainElements)
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        using var certificate = new X509Certificate2(args.Certificate);
        return chain.Build(certificate);
    }

    public void ReportFailure(Exception error)
    {
        var chain = new List<Exception>();
        for (var e = error; e is not null; e = e.InnerException)
        {
            chain.Add(e);
        }

        if (chain.OfType<AuthenticationException>().FirstOrDefault() is { } tls)
        {
            Fail("tls", $"the TLS handshake with the MQTT broker at {SafeUrl} failed ({tls.Message}): check mqtt.url (the host name must match the broker's certificate) and mqtt.ca_file. Retrying with backoff", null);
        }
        else if (chain.OfType<SocketException>().FirstOrDefault() is { } socket)
        {
            Fail("unreachable", $"cannot reach the MQTT broker at {SafeUrl} ({socket.SocketErrorCode}: {socket.Message}): check mqtt.url and that the broker runs. Retrying with backoff; polling goes on", null);
        }
        else if (chain.OfType<MQTTnet.Exceptions.MqttCommunicationTimedOutException>().Any() || chain.OfType<TimeoutException>().Any())
        {
            Fail("timeout", $"the MQTT broker at {SafeUrl} did not answer in time: check mqtt.url. Retrying with backoff", null);
        }
        else
        {
            Fail("connection", $"the connection to the MQTT broker at {SafeUrl} failed ({error.GetType().Name}: {error.Message}). Retrying with backoff", error);
        }
    }

    /// <summary>Counts the failure; logs it once per kind of problem (a broker down for an hour is one line, not one per retry).</summary>
    public void Fail(string reason, string message, Exception? error)
    {
        _metrics.Errors.WithLabels(reason).Inc();
        string key = reason + "|" + message;
        if (key == _problem)
        {
            _logger.LogDebug("MQTT: still failing ({Reason})", reason);
            return;
        }

        _problem = key;
        _logger.LogWarning(error, "MQTT: {Problem}", message);
    }
}
