using System.Net;
using BmsPace.Configuration;

namespace BmsPace.Web;

/// <summary>Where the web host listens and the web configuration file it applies, checked before it starts.</summary>
/// <param name="Listen">The address of <c>prometheus.listen</c> / <c>--listen</c>.</param>
/// <param name="WebConfigFile">The path of <c>prometheus.web_config_file</c> / <c>--web.config.file</c> (absolute), or null.</param>
/// <param name="WebConfig">That file as read at start; the host re-reads it when it changes.</param>
public sealed record WebHostSettings(IPEndPoint Listen, string? WebConfigFile, WebConfig? WebConfig)
{
    /// <summary>
    /// The settings for <paramref name="options"/>, or null when the web configuration file has problems, each of which
    /// is added to <paramref name="errors"/>. The web host runs whether or not the Prometheus output is on: the status
    /// page and health belong to the host, and only <c>/metrics</c> leaves with <c>prometheus.enabled: false</c>.
    /// </summary>
    public static async Task<WebHostSettings?> LoadAsync(BmsPaceOptions options, List<string> errors, CancellationToken cancellationToken)
    {
        WebConfig? webConfig = null;
        if (options.Prometheus.WebConfigFile is { } path)
        {
            webConfig = await WebConfig.LoadAsync(path, errors, cancellationToken);
            if (webConfig is null)
            {
                return null;
            }
        }

        return new WebHostSettings(ListenAddress.Parse(options.Prometheus.Listen), options.Prometheus.WebConfigFile, webConfig);
    }
}
