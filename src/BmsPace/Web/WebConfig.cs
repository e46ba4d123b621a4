using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using BmsPace.Configuration;

namespace BmsPace.Web;

/// <summary>How a client certificate is asked for, by the names of the Prometheus exporter toolkit (Go's tls.ClientAuthType).</summary>
public enum ClientAuthType
{
    NoClientCert,
    RequestClientCert,
    RequireAnyClientCert,
    VerifyClientCertIfGiven,
    RequireAndVerifyClientCert,
}

/// <summary>The <c>tls_server_config</c> part of a web configuration file, with its certificate and key loaded.</summary>
public sealed record WebTlsConfig(X509Certificate2 Certificate, X509Certificate2Collection? ClientCertificateAuthorities, ClientAuthType ClientAuth, SslProtocols Protocols);

/// <summary>
/// A web configuration file in the format of the Prometheus exporter toolkit (<c>--web.config.file</c>):
/// <c>tls_server_config</c> (<c>cert_file</c>, <c>key_file</c>, <c>client_ca_file</c>, <c>client_auth_type</c>,
/// <c>min_version</c>) and <c>basic_auth_users</c> (user: bcrypt hash). Other toolkit keys are refused by name rather
/// than ignored, so a setting the user relies on is never silently off.
/// </summary>
public sealed record WebConfig(WebTlsConfig? Tls, IReadOnlyDictionary<string, string> BasicAuthUsers)
{
    private const long MaxFileBytes = 1024 * 1024;

    private static readonly string[] TlsKeys = ["cert_file", "key_file", "client_ca_file", "client_auth_type", "min_version"];

    /// <summary>Reads and checks <paramref name="path"/>; every problem goes to <paramref name="errors"/> (prefixed with the file), null when there is any.</summary>
    public static async Task<WebConfig?> LoadAsync(string path, List<string> errors, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        var config = await ReadAsync(path, problems, cancellationToken);
        errors.AddRange(problems.Select(problem => $"prometheus.web_config_file '{path}': {problem}"));
        return problems.Count == 0 ? config : null;
    }

    private static async Task<WebConfig?> ReadAsync(string path, List<string> problems, CancellationToken cancellationToken)
    {
        string text;
        try
        {
            if (Directory.Exists(path))
            {
                problems.Add("is a directory; allowed: the path of a readable YAML file");
                return null;
            }

            if (new FileInfo(path).Length > MaxFileBytes)
            {
                problems.Add($"larger than {MaxFileBytes} bytes");
                return null;
            }

            text = await File.ReadAllTextAsync(path, cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problems.Add($"cannot be read: {e.Message}");
            return null;
        }

        var tree = YamlConfigReader.Read(text, problems);
        if (tree is null)
        {
            return problems.Count == 0 ? new WebConfig(null, new Dictionary<string, string>()) : null;
        }

        if (tree is not ConfigMapping root)
        {
            problems.Add($"{tree.Origin}: {tree.KindName}; allowed: a mapping with tls_server_config and basic_auth_users");
            return null;
        }

        string baseDirectory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        WebTlsConfig? tls = null;
        var users = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, node) in root.Entries)
        {
            switch (key)
            {
                case "tls_server_config":
                    tls = ReadTls(node, baseDirectory, problems);
                    break;
                case "basic_auth_users":
                    ReadUsers(node, users, problems);
                    break;
                case "http_server_config":
                    problems.Add($"http_server_config ({node.Origin}): not supported by bmspace; allowed: tls_server_config, basic_auth_users");
                    break;
                default:
                    problems.Add($"{key} ({node.Origin}): unknown key; allowed: tls_server_config, basic_auth_users");
                    break;
            }
        }

        return new WebConfig(tls, users);
    }

    private static WebTlsConfig? ReadTls(ConfigNode node, string baseDirectory, List<string> problems)
    {
        if (node is ConfigScalar { IsNull: true })
        {
            return null;
        }

        if (node is not ConfigMapping map)
        {
            problems.Add($"tls_server_config ({node.Origin}): {node.KindName}; allowed: a mapping of {string.Join(", ", TlsKeys)}");
            return null;
        }

        foreach (var (key, value) in map.Entries.Where(entry => !TlsKeys.Contains(entry.Key)))
        {
            problems.Add($"tls_server_config.{key} ({value.Origin}): unknown or unsupported key; allowed: {string.Join(", ", TlsKeys)}");
        }

        string? certFile = FileKey(map, "cert_file", baseDirectory, problems);
        string? keyFile = FileKey(map, "key_file", baseDirectory, problems);
        string? caFile = FileKey(map, "client_ca_file", baseDirectory, problems, required: false);
        int before = problems.Count;

        var clientAuth = caFile is null ? ClientAuthType.NoClientCert : ClientAuthType.RequireAndVerifyClientCert;
        if (Text(map, "client_auth_type", problems) is { } authText)
        {
            if (Enum.TryParse<ClientAuthType>(authText, ignoreCase: false, out var parsed) && Enum.IsDefined(parsed) && !char.IsDigit(authText[0]))
            {
                clientAuth = parsed;
            }
            else
            {
                problems.Add($"tls_server_config.client_auth_type: '{authText}' is not a client auth type; allowed: {string.Join(", ", Enum.GetNames<ClientAuthType>())}");
            }
        }

        if (clientAuth is ClientAuthType.VerifyClientCertIfGiven or ClientAuthType.RequireAndVerifyClientCert && caFile is null && map.Get("client_ca_file") is null)
        {
            problems.Add($"tls_server_config.client_auth_type: {clientAuth} verifies client certificates and needs client_ca_file");
        }

        var protocols = SslProtocols.Tls12 | SslProtocols.Tls13;
        if (Text(map, "min_version", problems) is { } minVersion)
        {
            switch (minVersion)
            {
                case "TLS12":
                    break;
                case "TLS13":
                    protocols = SslProtocols.Tls13;
                    break;
                default:
                    problems.Add($"tls_server_config.min_version: '{minVersion}' is not offered; allowed: TLS12 or TLS13 (TLS 1.0 and 1.1 are not offered)");
                    break;
            }
        }

        X509Certificate2? certificate = null;
        if (certFile is not null && keyFile is not null)
        {
            try
            {
                certificate = X509Certificate2.CreateFromPemFile(certFile, keyFile);
                if (!certificate.HasPrivateKey)
                {
                    problems.Add($"tls_server_config.key_file: '{keyFile}' holds no private key for the certificate in '{certFile}'");
                }
            }
            catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
            {
                // The message names what is wrong with the PEM (no certificate, a key that does not match), never the key.
                problems.Add($"tls_server_config: the certificate '{certFile}' and key '{keyFile}' cannot be loaded as a pair: {e.Message}");
            }
        }

        X509Certificate2Collection? authorities = null;
        if (caFile is not null)
        {
            try
            {
                authorities = [];
                authorities.ImportFromPemFile(caFile);
                if (authorities.Count == 0)
                {
                    problems.Add($"tls_server_config.client_ca_file: '{caFile}' holds no PEM certificate");
                }
            }
            catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
            {
                problems.Add($"tls_server_config.client_ca_file: '{caFile}' cannot be read as PEM certificates: {e.Message}");
            }
        }

        return problems.Count == before && certificate is not null ? new WebTlsConfig(certificate, authorities, clientAuth, protocols) : null;
    }

    private static void ReadUsers(ConfigNode node, Dictionary<string, string> users, List<string> problems)
    {
        if (node is ConfigScalar { IsNull: true })
        {
            return;
        }

        if (node is not ConfigMapping map)
        {
            problems.Add($"basic_auth_users ({node.Origin}): {node.KindName}; allowed: a mapping of user: bcrypt hash");
            return;
        }

        foreach (var (user, value) in map.Entries)
        {
            // The hash is not a password, but it is never printed either: it can be attacked offline.
            if (user.Length == 0 || user.Contains(':', StringComparison.Ordinal))
            {
                problems.Add($"basic_auth_users ({value.Origin}): the user name '{user}' is empty or holds ':'");
            }
            else if (value is not ConfigScalar { IsNull: false } scalar || !IsBcryptHash(scalar.Value))
            {
                problems.Add($"basic_auth_users.{user} ({value.Origin}): not a bcrypt hash; allowed: a hash such as `htpasswd -nbB USER PASSWORD` prints after the colon ($2y$...)");
            }
            else
            {
                users[user] = scalar.Value;
            }
        }
    }

    /// <summary>$2a$, $2b$ or $2y$, a two-digit cost from 4 to 31, then 53 characters of salt and hash.</summary>
    private static bool IsBcryptHash(string text) =>
        text.Length == 60 && text[0] == '$' && text[1] == '2' && text[2] is 'a' or 'b' or 'y' && text[3] == '$'
        && int.TryParse(text.AsSpan(4, 2), out int cost) && cost is >= 4 and <= 31 && text[6] == '$'
        && text.AsSpan(7).IndexOfAnyExcept(BcryptAlphabet) < 0;

    private static readonly System.Buffers.SearchValues<char> BcryptAlphabet =
        System.Buffers.SearchValues.Create("./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789");

    private static string? Text(ConfigMapping map, string key, List<string> problems)
    {
        switch (map.Get(key))
        {
            case null or ConfigScalar { IsNull: true }:
                return null;
            case ConfigScalar scalar:
                return scalar.Value;
            case var other:
                problems.Add($"tls_server_config.{key} ({other.Origin}): {other.KindName}; allowed: a single value");
                return null;
        }
    }

    private static string? FileKey(ConfigMapping map, string key, string baseDirectory, List<string> problems, bool required = true)
    {
        if (Text(map, key, problems) is not { Length: > 0 } given)
        {
            if (required && map.Get(key) is null or ConfigScalar)
            {
                problems.Add($"tls_server_config.{key}: missing; allowed: the path of a readable PEM file");
            }

            return null;
        }

        string path = Path.GetFullPath(given, baseDirectory);
        if (!File.Exists(path))
        {
            problems.Add($"tls_server_config.{key}: the file '{given}' does not exist; allowed: the path of a readable PEM file");
            return null;
        }

        return path;
    }
}
