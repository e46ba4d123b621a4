using System.Collections.Concurrent;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace BmsPace.Web;

/// <summary>
/// Applies the web configuration file to every connection (TLS) and every request (basic auth), and re-reads the file
/// when it changes: a new certificate, user or password takes effect without a restart. A changed file with problems
/// is logged and the last good one stays in force; switching TLS on or off needs a restart (the listener is either
/// plain or TLS).
/// </summary>
public sealed class WebConfigGuard
{
    /// <summary>How often at most the file's timestamp and length are looked at: cheap enough for every scrape.</summary>
    private static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(1);

    private const int MaxRememberedLogins = 64;

    private readonly string _path;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private int _reloading;

    /// <summary>Successful logins by a digest of user, password and hash: bcrypt costs milliseconds per check by design.</summary>
    private readonly ConcurrentDictionary<string, bool> _verified = new(StringComparer.Ordinal);

    private volatile WebConfig _current;
    private (DateTime Written, long Length) _stamp;
    private long _nextCheck;

    public WebConfigGuard(string path, WebConfig initial, TimeProvider time, ILogger logger)
    {
        _path = path;
        _current = initial;
        _time = time;
        _logger = logger;
        _stamp = Stamp(path);
        _nextCheck = time.GetTimestamp();
    }

    public bool TlsEnabled => _current.Tls is not null;

    /// <summary>The configuration in force, re-read first when the file has changed since the last look.</summary>
    public async ValueTask<WebConfig> CurrentAsync(CancellationToken cancellationToken)
    {
        long now = _time.GetTimestamp();
        if (now < Interlocked.Read(ref _nextCheck) || Interlocked.CompareExchange(ref _reloading, 1, 0) != 0)
        {
            return _current;
        }

        try
        {
            Interlocked.Exchange(ref _nextCheck, now + (long)(CheckInterval.TotalSeconds * _time.TimestampFrequency));
            var stamp = Stamp(_path);
            if (stamp == _stamp)
            {
                return _current;
            }

            _stamp = stamp;
            var problems = new List<string>();
            var fresh = await WebConfig.LoadAsync(_path, problems, cancellationToken);
            if (fresh is not null && (fresh.Tls is null) != (_current.Tls is null))
            {
                problems.Add($"prometheus.web_config_file '{_path}': switching TLS {(fresh.Tls is null ? "off" : "on")} needs a restart");
            }

            if (problems.Count > 0)
            {
                _logger.LogWarning("The changed web configuration file is not applied, the previous one stays in force: {Problems}", string.Join("; ", problems));
                return _current;
            }

            _current = fresh!;
            _verified.Clear();
            _logger.LogInformation("Web configuration file {Path} re-read: TLS {Tls}, {Users} basic-auth user(s)", _path, fresh!.Tls is null ? "off" : "on", fresh.BasicAuthUsers.Count);
            return _current;
        }
        finally
        {
            Volatile.Write(ref _reloading, 0);
        }
    }

    /// <summary>The TLS settings of one new connection, from the configuration in force.</summary>
    public async ValueTask<SslServerAuthenticationOptions> TlsOptionsAsync(CancellationToken cancellationToken)
    {
        var tls = (await CurrentAsync(cancellationToken)).Tls!;
        return new SslServerAuthenticationOptions
        {
            ServerCertificate = tls.Certificate,
            EnabledSslProtocols = tls.Protocols,
            ClientCertificateRequired = tls.ClientAuth != ClientAuthType.NoClientCert,
            RemoteCertificateValidationCallback = (_, certificate, _, _) => AcceptsClient(tls, certificate as X509Certificate2 ?? (certificate is null ? null : X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()))),
        };
    }

    private static bool AcceptsClient(WebTlsConfig tls, X509Certificate2? certificate)
    {
        switch (tls.ClientAuth)
        {
            case ClientAuthType.NoClientCert or ClientAuthType.RequestClientCert:
                return true;
            case ClientAuthType.RequireAnyClientCert:
                return certificate is not null;
            case ClientAuthType.VerifyClientCertIfGiven when certificate is null:
                return true;
        }

        if (certificate is null || tls.ClientCertificateAuthorities is null)
        {
            return false;
        }

        // Only the configured authorities are trusted, never the system store; revocation is not checked (no CRLs here).
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(tls.ClientCertificateAuthorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid("1.3.6.1.5.5.7.3.2"));
        return chain.Build(certificate);
    }

    /// <summary>
    /// Lets the request through when no users are configured or it carries the right user and password; otherwise
    /// answers 401 with a Basic challenge. Nothing about the credentials is logged.
    /// </summary>
    public async Task AuthenticateAsync(HttpContext context, RequestDelegate next)
    {
        var users = (await CurrentAsync(context.RequestAborted)).BasicAuthUsers;
        if (users.Count == 0 || await IsAuthorizedAsync(users, context.Request.Headers.Authorization.ToString()))
        {
            await next(context);
            return;
        }

        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.Headers.WWWAuthenticate = "Basic realm=\"bmspace\", charset=\"UTF-8\"";
        context.Response.Headers.CacheControl = "no-store";
    }

    private async ValueTask<bool> IsAuthorizedAsync(IReadOnlyDictionary<string, string> users, string header)
    {
        const string scheme = "Basic ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header[scheme.Length..].Trim()));
        }
        catch (FormatException)
        {
            return false;
        }

        int colon = decoded.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0 || !users.TryGetValue(decoded[..colon], out string? hash))
        {
            return false;
        }

        string password = decoded[(colon + 1)..];
        string key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"{decoded}\n{hash}")));
        if (_verified.ContainsKey(key))
        {
            return true;
        }

        // Off the socket event thread the request arrived on (see SocketEvents): a wrong password must not hold up the
        // other connections for the milliseconds bcrypt takes.
        bool valid = await Task.Run(() =>
        {
            try
            {
                return BCrypt.Net.BCrypt.Verify(password, hash);
            }
            catch (BCrypt.Net.SaltParseException)
            {
                return false;
            }
        });

        if (valid)
        {
            if (_verified.Count >= MaxRememberedLogins)
            {
                _verified.Clear();
            }

            _verified[key] = true;
        }

        return valid;
    }

    private static (DateTime, long) Stamp(string path)
    {
        var info = new FileInfo(path);
        return info.Exists ? (info.LastWriteTimeUtc, info.Length) : (DateTime.MinValue, -1);
    }
}
