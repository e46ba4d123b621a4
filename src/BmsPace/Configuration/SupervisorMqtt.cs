using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;

namespace BmsPace.Configuration;

/// <summary>What became of the MQTT settings, for one line in the log (never with the password).</summary>
public sealed record SupervisorMqttOutcome(BmsPaceOptions Options, string? Found, string? Problem);

/// <summary>
/// MQTT without typing a password, in the Home Assistant add-on: when MQTT is enabled, no <c>mqtt.url</c> is set and
/// the Supervisor gave the add-on its token, the broker's host, port, TLS flag, user and password come from the
/// Supervisor's services API (<c>GET /services/mqtt</c>, the broker add-on such as Mosquitto registers them there).
/// A missing or failing Supervisor turns MQTT off with one reason, so the rest of the program still runs.
/// </summary>
public static class SupervisorMqtt
{
    /// <summary>The token the Supervisor puts in every add-on's environment.</summary>
    public const string TokenVariable = "SUPERVISOR_TOKEN";

    /// <summary>Where the Supervisor's API is; <c>http://supervisor</c> inside Home Assistant, another address in tests.</summary>
    public const string UrlVariable = "SUPERVISOR_URL";

    private const string DefaultUrl = "http://supervisor";

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public static async Task<SupervisorMqttOutcome> ResolveAsync(BmsPaceOptions options, IReadOnlyDictionary<string, string> environment, CancellationToken cancellationToken)
    {
        // A broker the user named wins; the default URL (this container's own localhost) means none was named.
        if (!options.Mqtt.Enabled || options.Mqtt.Url != new MqttOptions().Url || !environment.TryGetValue(TokenVariable, out string? token) || token.Length == 0)
        {
            return new SupervisorMqttOutcome(options, null, null);
        }

        var services = new Uri(new Uri(environment.TryGetValue(UrlVariable, out string? url) && url.Length > 0 ? url : DefaultUrl), "services/mqtt");
        string? problem;
        try
        {
            using var http = new HttpClient { Timeout = Timeout };
            using var request = new HttpRequestMessage(HttpMethod.Get, services);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await http.SendAsync(request, cancellationToken);
            string body = await response.Content.ReadAsStringAsync(cancellationToken);
            BmsPaceOptions? resolved = null;
            string? found = null;
            problem = response.IsSuccessStatusCode
                ? Read(body, options, out resolved, out found)
                : $"it answered {(int)response.StatusCode}{Message(body)}";
            if (problem is null)
            {
                return new SupervisorMqttOutcome(resolved!, $"MQTT broker from the Supervisor's mqtt service ({services}): {found}", null);
            }
        }
        catch (Exception error) when (error is HttpRequestException or TaskCanceledException)
        {
            problem = error.Message;
        }

        return new SupervisorMqttOutcome(
            options with { Mqtt = options.Mqtt with { Enabled = false } },
            null,
            $"MQTT is off: no mqtt.url is set and the Supervisor's mqtt service ({services}) gave no broker: {problem}. Install a broker add-on such as Mosquitto, or set mqtt.url, mqtt.username and mqtt.password.");
    }

    /// <summary>Reads the Supervisor's answer <c>{"result": "ok", "data": {"host", "port", "ssl", "username", "password", ...}}</c>.</summary>
    private static string? Read(string body, BmsPaceOptions options, out BmsPaceOptions? resolved, out string? found)
    {
        resolved = null;
        found = null;
        try
        {
            using var document = JsonDocument.Parse(body);
            if (!document.RootElement.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Object)
            {
                return "its answer holds no data";
            }

            string host = Text(data, "host");

            // The documentation shows the port as a string, the Supervisor sends a number: either is taken.
            string port = Text(data, "port");
            bool tls = data.TryGetProperty("ssl", out var ssl) && ssl.ValueKind == JsonValueKind.True;
            if (host.Length == 0 || !int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out int portNumber) || portNumber is < 1 or > 65535)
            {
                return $"its answer names no host and port (host '{host}', port '{port}')";
            }

            var url = new UriBuilder(tls ? "mqtts" : "mqtt", host, portNumber).Uri;
            string username = Text(data, "username");
            resolved = options with { Mqtt = options.Mqtt with { Url = url, Username = username, Password = new Secret(Text(data, "password")), PasswordFile = null } };
            found = $"{url.GetLeftPart(UriPartial.Authority)}" + (username.Length > 0 ? $" as user '{username}'" : " without a user")
                + (data.TryGetProperty("addon", out var addon) && addon.ValueKind == JsonValueKind.String ? $", provided by the add-on {addon.GetString()}" : "");
            return null;
        }
        catch (JsonException error)
        {
            return $"its answer is not JSON: {error.Message}";
        }
    }

    private static string Text(JsonElement data, string name) =>
        !data.TryGetProperty(name, out var value) ? ""
        : value.ValueKind == JsonValueKind.String ? value.GetString() ?? ""
        : value.ValueKind == JsonValueKind.Number ? value.GetRawText()
        : "";

    private static string Message(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String ? $": {message.GetString()}" : "";
        }
        catch (JsonException)
        {
            return "";
        }
    }
}
