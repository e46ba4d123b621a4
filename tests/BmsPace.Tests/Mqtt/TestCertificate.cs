using BmsPace.Tests.Prometheus;

namespace BmsPace.Tests.Mqtt;

/// <summary>A self-signed certificate for 127.0.0.1 and localhost, made by openssl for one test.</summary>
internal static class TestCertificate
{
    /// <summary>Writes <c>broker.pem</c> and <c>broker.key</c> into <paramref name="directory"/>; returns the certificate's path.</summary>
    public static async Task<string> CreateAsync(string directory)
    {
        string certificate = Path.Combine(directory, "broker.pem");
        string key = Path.Combine(directory, "broker.key");
        var result = await ProcessRunner.RunAsync("openssl",
        [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", key, "-out", certificate,
        ]);
        Assert.True(result.ExitCode == 0, $"openssl: {result.All}");

        // Mosquitto drops root privileges to its own user: the key must stay readable for it (a throwaway test key).
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }

        return certificate;
    }

    public static string KeyOf(string certificate) => Path.ChangeExtension(certificate, ".key");
}
