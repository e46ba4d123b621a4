using System.CommandLine;
using System.Net;
using System.Text;
using BmsPace.Configuration;
using BmsPace.Web;

namespace BmsPace.Commands;

/// <summary>
/// The container image's health probe: the program asks its running twin for <c>/readyz</c>, because the image has no
/// shell, curl or wget. It reads the configuration as <c>run</c> does without flags (./config.yaml, the add-on's
/// options, BMSPACE_ variables), so the probe follows <c>prometheus.listen</c> and the web configuration's TLS.
/// </summary>
internal static class HealthCommand
{
    /// <summary>A file holding <c>user:password</c> for an endpoint behind basic auth (the hashes in the web configuration cannot be replayed).</summary>
    public const string AuthFileVariable = "HEALTHCHECK_AUTH_FILE";

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(4);

    public static Command Create()
    {
        var config = new Option<string?>("--config") { Description = "The configuration file of the running bmspace (default: ./config.yaml, else the add-on's /data/options.json, else built-in defaults).", HelpName = "PATH" };
        var command = new Command("health", $"Container health check: GET /readyz from the bmspace listening on prometheus.listen of this machine; exit 0 while a battery has fresh data, 1 otherwise. With basic auth, {AuthFileVariable} names a file holding user:password.")
        {
            config,
        };
        command.SetAction((parseResult, cancellationToken) => ProbeAsync(
            new ConfigSources { ConfigPath = parseResult.GetValue(config), EnvironmentVariables = ConfigSources.ProcessEnvironment() },
            parseResult.InvocationConfiguration,
            cancellationToken));
        return command;
    }

    private static async Task<int> ProbeAsync(ConfigSources sources, InvocationConfiguration console, CancellationToken cancellationToken)
    {
        var loaded = await ConfigLoader.LoadAsync(sources, cancellationToken);
        if (!loaded.IsValid)
        {
            return await ConfigCommandLine.ReportErrorsAsync(loaded, console.Error);
        }

        var errors = new List<string>();
        var web = await WebHostSettings.LoadAsync(loaded.Options, errors, cancellationToken);
        if (web is null || errors.Count > 0)
        {
            return await ConfigCommandLine.ReportErrorsAsync(loaded with { Options = null, Errors = errors }, console.Error);
        }

        var tls = web.WebConfig?.Tls;
        var url = ReadyUrl(web.Listen, tls is not null);
        using var handler = new SocketsHttpHandler();
        if (tls is not null)
        {
            // The listener's certificate names the host users reach it by, not 127.0.0.1: the probe trusts exactly the
            // certificate the configuration names.
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                certificate is not null && certificate.GetCertHashString() == tls.Certificate.GetCertHashString();
        }

        using var http = new HttpClient(handler) { Timeout = Timeout };
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (Environment.GetEnvironmentVariable(AuthFileVariable) is { Length: > 0 } authFile)
        {
            string credentials = (await File.ReadAllTextAsync(authFile, cancellationToken)).TrimEnd('\r', '\n');
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)));
        }

        try
        {
            using var response = await http.SendAsync(request, cancellationToken);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return BmsPaceCli.ExitOk;
            }

            await console.Error.WriteLineAsync($"bmspace health: {url} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }
        catch (Exception error) when (error is HttpRequestException or TaskCanceledException)
        {
            await console.Error.WriteLineAsync($"bmspace health: {url}: {error.Message}");
        }

        return BmsPaceCli.ExitDeviceFailed;
    }

    /// <summary>The address a listener on <paramref name="listen"/> is reached at from the same machine.</summary>
    private static Uri ReadyUrl(IPEndPoint endpoint, bool tls)
    {
        var address = endpoint.Address.Equals(IPAddress.Any) ? IPAddress.Loopback
            : endpoint.Address.Equals(IPAddress.IPv6Any) ? IPAddress.IPv6Loopback
            : endpoint.Address;
        string host = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();
        return new Uri($"{(tls ? "https" : "http")}://{host}:{endpoint.Port}/readyz");
    }
}
