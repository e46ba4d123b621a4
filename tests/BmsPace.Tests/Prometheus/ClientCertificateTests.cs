using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using BmsPace.Configuration;
using BmsPace.Hosting;
using BmsPace.Web;
using BmsPace.Tests.EndToEnd;
using Microsoft.Extensions.Hosting;

namespace BmsPace.Tests.Prometheus;

/// <summary>
/// Client certificates of the web configuration file (<c>client_ca_file</c>, <c>client_auth_type</c>) on the real host
/// over real TLS: a CA, a client certificate it signed, and a second CA with its own client, all made here with
/// <see cref="CertificateRequest"/>. The client always offers the certificate it was given, whatever CAs the server names.
/// </summary>
public sealed class ClientCertificateTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("bmspace-clientcert-").FullName;
    private readonly DateTimeOffset _now = DateTimeOffset.UtcNow;
    private X509Certificate2 _serverCertificate = null!;
    private X509Certificate2 _trustedClient = null!;
    private X509Certificate2 _serverOnlyClient = null!;
    private X509Certificate2 _strangerClient = null!;

    public async Task InitializeAsync()
    {
        using var caKey = RSA.Create(2048);
        using var ca = Authority("CN=bmspace test CA", caKey);
        using var otherKey = RSA.Create(2048);
        using var otherCa = Authority("CN=another CA", otherKey);
        await File.WriteAllTextAsync(Path.Combine(_dir, "clients-ca.pem"), ca.ExportCertificatePem());

        using var serverKey = RSA.Create(2048);
        var serverRequest = Leaf("CN=localhost", serverKey, "1.3.6.1.5.5.7.3.1");
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        serverRequest.CertificateExtensions.Add(names.Build());
        _serverCertificate = serverRequest.CreateSelfSigned(_now.AddHours(-1), _now.AddDays(2));
        await File.WriteAllTextAsync(Path.Combine(_dir, "server.crt"), _serverCertificate.ExportCertificatePem());
        await File.WriteAllTextAsync(Path.Combine(_dir, "server.key"), serverKey.ExportPkcs8PrivateKeyPem());

        _trustedClient = Signed("CN=scraper", ca, "1.3.6.1.5.5.7.3.2");
        _serverOnlyClient = Signed("CN=misused server certificate", ca, "1.3.6.1.5.5.7.3.1");
        _strangerClient = Signed("CN=stranger", otherCa, "1.3.6.1.5.5.7.3.2");
    }

    public Task DisposeAsync()
    {
        foreach (var certificate in new[] { _serverCertificate, _trustedClient, _serverOnlyClient, _strangerClient })
        {
            certificate?.Dispose();
        }

        Directory.Delete(_dir, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Client_ca_file_alone_requires_a_certificate_signed_by_that_CA_for_client_use()
    {
        await using var host = await StartAsync(clientAuthType: null);

        Assert.True(await ScrapesAsync(host.Port, _trustedClient));
        Assert.False(await ScrapesAsync(host.Port, client: null));
        Assert.False(await ScrapesAsync(host.Port, _strangerClient));
        Assert.False(await ScrapesAsync(host.Port, _serverOnlyClient));
    }

    [Fact]
    public async Task RequireAndVerifyClientCert_refuses_no_certificate_and_a_certificate_of_another_CA()
    {
        await using var host = await StartAsync("RequireAndVerifyClientCert");

        Assert.True(await ScrapesAsync(host.Port, _trustedClient));
        Assert.False(await ScrapesAsync(host.Port, client: null));
        Assert.False(await ScrapesAsync(host.Port, _strangerClient));
    }

    [Fact]
    public async Task VerifyClientCertIfGiven_lets_a_client_without_one_in_but_not_one_of_another_CA()
    {
        await using var host = await StartAsync("VerifyClientCertIfGiven");

        Assert.True(await ScrapesAsync(host.Port, _trustedClient));
        Assert.True(await ScrapesAsync(host.Port, client: null));
        Assert.False(await ScrapesAsync(host.Port, _strangerClient));
    }

    [Fact]
    public async Task RequireAnyClientCert_wants_a_certificate_but_does_not_check_who_signed_it()
    {
        await using var host = await StartAsync("RequireAnyClientCert");

        Assert.True(await ScrapesAsync(host.Port, _strangerClient));
        Assert.True(await ScrapesAsync(host.Port, _trustedClient));
        Assert.False(await ScrapesAsync(host.Port, client: null));
    }

    /// <summary>True when /metrics answered 200 with the exporter's series; false when the TLS handshake or the connection was refused.</summary>
    private async Task<bool> ScrapesAsync(int port, X509Certificate2? client)
    {
        using var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is not null && certificate.GetCertHash().AsSpan().SequenceEqual(_serverCertificate.GetCertHash()),
                LocalCertificateSelectionCallback = (_, _, _, _, _) => client!,
                ClientCertificates = client is null ? null : [client],
            },
            // A refused handshake must not be hidden by a pooled connection from an earlier request.
            PooledConnectionLifetime = TimeSpan.Zero,
        };
        using var https = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
        try
        {
            using var response = await https.GetAsync(new Uri($"https://127.0.0.1:{port}/metrics"));
            string body = await response.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Contains("pace_bms_exporter_build_info", body, StringComparison.Ordinal);
            return true;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    private async Task<RunningExporter> StartAsync(string? clientAuthType)
    {
        string webConfig = Path.Combine(_dir, "web.yaml");
        await File.WriteAllTextAsync(webConfig, $"""
            tls_server_config:
              cert_file: server.crt
              key_file: server.key
              client_ca_file: clients-ca.pem
            {(clientAuthType is null ? "" : $"  client_auth_type: {clientAuthType}")}
            """);
        var loaded = await ConfigLoader.LoadAsync(
            new ConfigSources { WorkingDirectory = _dir, AddOnOptionsPath = null, Simulate = true, WebConfigFile = webConfig },
            CancellationToken.None);
        Assert.True(loaded.IsValid, string.Join("\n", loaded.Errors));
        int port = ProcessRunner.FreePort();
        var options = loaded.Options with { Prometheus = loaded.Options.Prometheus with { Listen = $"127.0.0.1:{port}" } };
        var webErrors = new List<string>();
        var web = await WebHostSettings.LoadAsync(options, webErrors, CancellationToken.None);
        Assert.Empty(webErrors);
        var app = BmsPaceHost.Build(options, web!, TextWriter.Null);
        await app.StartAsync();
        return new RunningExporter(app, port);
    }

    private X509Certificate2 Authority(string subject, RSA key)
    {
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        return request.CreateSelfSigned(_now.AddHours(-1), _now.AddDays(2));
    }

    private static CertificateRequest Leaf(string subject, RSA key, string extendedKeyUsage)
    {
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(extendedKeyUsage)], critical: false));
        return request;
    }

    /// <summary>A certificate with its private key, signed by <paramref name="issuer"/>, loaded as TLS clients load one (PKCS#12).</summary>
    private X509Certificate2 Signed(string subject, X509Certificate2 issuer, string extendedKeyUsage)
    {
        using var key = RSA.Create(2048);
        var request = Leaf(subject, key, extendedKeyUsage);
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        using var issued = request.Create(issuer, _now.AddHours(-1), _now.AddDays(1), RandomNumberGenerator.GetBytes(8));
        using var withKey = issued.CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), password: null);
    }

    private sealed class RunningExporter(IHost app, int port) : IAsyncDisposable
    {
        public int Port { get; } = port;

        public async ValueTask DisposeAsync()
        {
            await app.StopAsync();
            await app.DisposeHostAsync();
        }
    }
}
