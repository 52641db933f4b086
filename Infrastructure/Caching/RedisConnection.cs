using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Strongroom.Infrastructure.Caching;

/// <summary>
/// One Redis connection for the distributed cache and the backplane, made on first use. It never
/// aborts on a failed connect (it keeps reconnecting in the background), and while disconnected
/// commands fail at once instead of queueing, so FusionCache's circuit breaker takes over.
/// </summary>
internal sealed class RedisConnection(IOptions<RedisOptions> options) : IAsyncDisposable
{
    private readonly Lazy<Task<IConnectionMultiplexer>> _connection = new(() => ConnectAsync(options.Value));

    public bool IsConfigured => !string.IsNullOrWhiteSpace(options.Value.Configuration);

    public Task<IConnectionMultiplexer> ConnectAsync() => _connection.Value;

    private static async Task<IConnectionMultiplexer> ConnectAsync(RedisOptions options)
    {
        // TLS, passwords, timeouts: all from the configuration string (e.g. "host:6380,password=…,ssl=true").
        var redis = ConfigurationOptions.Parse(options.Configuration!);
        if (options.TrustedCertificateAuthorityPath is { Length: > 0 } path)
        {
            var authority = X509Certificate2.CreateFromPem(File.ReadAllText(path));
            redis.CertificateValidation += (_, certificate, _, errors) => IssuedBy(authority, certificate, errors);
        }

        redis.AbortOnConnectFail = false;
        redis.BacklogPolicy = BacklogPolicy.FailFast;
        redis.ReconnectRetryPolicy = new ExponentialRetry(deltaBackOffMilliseconds: 250, maxDeltaBackOffMilliseconds: 5_000);
        return await ConnectionMultiplexer.ConnectAsync(redis);
    }

    /// <summary>The name must match as always; only the chain is judged against the private authority instead of the system roots.</summary>
    private static bool IssuedBy(X509Certificate2 authority, X509Certificate? presented, SslPolicyErrors errors)
    {
        if (presented is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var certificate = new X509Certificate2(presented);
        return chain.Build(certificate);
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection.IsValueCreated)
        {
            await (await _connection.Value).DisposeAsync();
        }
    }
}
