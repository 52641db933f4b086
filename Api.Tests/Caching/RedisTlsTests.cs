using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Strongroom.Api.Tests.Support;

namespace Strongroom.Api.Tests.Caching;

/// <summary>Redis over TLS, with a certificate from a private authority (Redis:TrustedCertificateAuthorityPath).</summary>
[Trait("Category", "External")]
public sealed class RedisTlsTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task The_cache_reaches_redis_over_tls_trusting_a_private_authority()
    {
        Assert.SkipWhen(RedisServer.SkipReason is not null, RedisServer.SkipReason ?? "");
        var folder = TempDirectory.Create();
        try
        {
            var (authorityPath, certificatePath, keyPath) = WriteCertificates(folder);
            await using var redis = await RedisServer.StartWithTlsAsync(certificatePath, keyPath);
            await using var app = new SqliteReplica(AppSecrets.Create(), folder, new Dictionary<string, string?>
            {
                // Only the TLS port: a plain connection to it would never be answered.
                ["Redis:Configuration"] = $"127.0.0.1:{redis.TlsPort},ssl=true,sslHost=localhost",
                ["Redis:TrustedCertificateAuthorityPath"] = authorityPath,
                ["Cluster:Enabled"] = "false",
                ["Cache:KeyPrefix"] = $"tls-{Guid.NewGuid():N}",
            });
            await app.InitializeAsync();
            var owner = await app.RegisterAndSignInAsync();
            var account = await owner.OpenAccountAsync();

            var read = await owner.Client.GetAsync($"/v1/accounts/{account}", TestContext.Current.CancellationToken);

            await read.AssertJsonAsync(HttpStatusCode.OK);
            // The entry arrives in Redis only through the TLS connection (the test looks on the plain port).
            await LedgerClient.WaitUntilAsync(() => redis.HoldsFreshEntryAsync($"{account}:{owner.UserId}"), Deadline, "Redis holds the account, written over TLS");
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            TempDirectory.Delete(folder);
        }
    }

    [Fact]
    public void A_missing_authority_file_stops_start_up()
    {
        using var factory = new ConfiguredFactory(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Strongroom"] = $"Data Source={Path.Combine(Path.GetTempPath(), $"never-{Guid.NewGuid():N}.db")}",
            ["Auth:SigningKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["Cluster:Enabled"] = "false",
            ["Redis:Configuration"] = "127.0.0.1:1,ssl=true",
            ["Redis:TrustedCertificateAuthorityPath"] = "/nonexistent/ca.pem",
        }, "Testing");

        var failure = Assert.ThrowsAny<Exception>(() => factory.CreateClient());

        Assert.Contains("Redis:TrustedCertificateAuthorityPath", failure.ToString());
    }

    /// <summary>A private authority and a server certificate it issued for localhost and 127.0.0.1, as PEM files.</summary>
    private static (string Authority, string Certificate, string Key) WriteCertificates(string folder)
    {
        var now = DateTimeOffset.UtcNow;
        using var authorityKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var authorityRequest = new CertificateRequest("CN=Strongroom test authority", authorityKey, HashAlgorithmName.SHA256);
        authorityRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        authorityRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        using var authority = authorityRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddHours(1));

        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var serverRequest = new CertificateRequest("CN=localhost", serverKey, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        serverRequest.CertificateExtensions.Add(names.Build());
        serverRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new("1.3.6.1.5.5.7.3.1")], critical: false));
        using var server = serverRequest.Create(authority, now.AddMinutes(-5), now.AddHours(1), RandomNumberGenerator.GetBytes(8));

        var paths = (Path.Combine(folder, "ca.pem"), Path.Combine(folder, "redis.pem"), Path.Combine(folder, "redis.key"));
        File.WriteAllText(paths.Item1, authority.ExportCertificatePem());
        File.WriteAllText(paths.Item2, server.ExportCertificatePem());
        File.WriteAllText(paths.Item3, serverKey.ExportPkcs8PrivateKeyPem());
        return paths;
    }
}
