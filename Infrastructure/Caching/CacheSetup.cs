using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using ZiggyCreatures.Caching.Fusion;
using ZiggyCreatures.Caching.Fusion.Backplane.StackExchangeRedis;

namespace Strongroom.Infrastructure.Caching;

/// <summary>The JSON contexts that know the types cached in Redis (see <see cref="CacheJsonSerializer"/>).</summary>
public sealed class CacheSerializationOptions
{
    public List<IJsonTypeInfoResolver> Resolvers { get; } = [];
}

public static class CacheSetup
{
    /// <summary>FusionCache logs every miss and set at Information; only its warnings and errors are worth keeping.</summary>
    public const string FusionCacheLogCategory = "ZiggyCreatures.Caching.Fusion";

    /// <summary>
    /// FusionCache with memory (L1) always. With <c>Redis:Configuration</c>: Redis as L2 and as the
    /// backplane, so a change on one replica evicts the entry on all. Redis trouble never fails or
    /// stalls a request: soft/hard timeouts, a circuit breaker, commands that fail fast while
    /// disconnected, and auto-recovery that replays missed evictions once Redis is back.
    /// </summary>
    public static IServiceCollection AddStrongroomCache(this IServiceCollection services)
    {
        services.AddOptions<CacheOptions>().BindConfiguration(CacheOptions.Section)
            .Validate(o => o.Duration > TimeSpan.Zero && o.FailSafeMaxDuration >= o.Duration, "Cache:Duration must be positive and at most Cache:FailSafeMaxDuration.")
            .Validate(o => o.FailSafeThrottleDuration > TimeSpan.Zero, "Cache:FailSafeThrottleDuration must be positive.")
            .Validate(o => o.FactorySoftTimeout > TimeSpan.Zero && o.FactoryHardTimeout >= o.FactorySoftTimeout, "Cache:FactorySoftTimeout must be positive and at most Cache:FactoryHardTimeout.")
            .Validate(o => o.DistributedCacheSoftTimeout > TimeSpan.Zero && o.DistributedCacheHardTimeout >= o.DistributedCacheSoftTimeout,
                "Cache:DistributedCacheSoftTimeout must be positive and at most Cache:DistributedCacheHardTimeout.")
            .Validate(o => !string.IsNullOrWhiteSpace(o.KeyPrefix), "Cache:KeyPrefix must not be empty.")
            .ValidateOnStart();
        services.AddOptions<RedisOptions>().BindConfiguration(RedisOptions.Section)
            .Validate(o => string.IsNullOrWhiteSpace(o.TrustedCertificateAuthorityPath) || File.Exists(o.TrustedCertificateAuthorityPath),
                "Redis:TrustedCertificateAuthorityPath names a file that does not exist.")
            .ValidateOnStart();
        services.AddOptions<CacheSerializationOptions>();
        services.AddLogging(logging => logging.AddFilter(FusionCacheLogCategory, LogLevel.Warning));
        services.AddSingleton<RedisConnection>();
        services.AddSingleton<IFusionCache>(CreateCache);
        services.AddSingleton<CachedReads>();
        return services;
    }

    /// <summary>Adds a JSON context that knows <c>FusionCacheDistributedEntry&lt;T&gt;</c> for types cached in Redis.</summary>
    public static IServiceCollection AddCachedTypes(this IServiceCollection services, IJsonTypeInfoResolver resolver) =>
        services.Configure<CacheSerializationOptions>(options => options.Resolvers.Add(resolver));

    private static FusionCache CreateCache(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<CacheOptions>>().Value;
        var redis = services.GetRequiredService<RedisConnection>();
        var loggers = services.GetRequiredService<ILoggerFactory>();
        var cache = new FusionCache(Options.Create(new FusionCacheOptions
        {
            CacheName = options.KeyPrefix,
            CacheKeyPrefix = options.KeyPrefix + ":",
            BackplaneChannelPrefix = options.KeyPrefix,
            // After a Redis error, skip Redis for this long instead of paying a timeout on every call.
            DistributedCacheCircuitBreakerDuration = TimeSpan.FromSeconds(2),
            BackplaneCircuitBreakerDuration = TimeSpan.FromSeconds(2),
            // Evictions that could not reach Redis are replayed when it is back, so replicas resync.
            EnableAutoRecovery = true,
            // A replica starts (and serves from memory) while Redis is unreachable.
            WaitForInitialBackplaneSubscribe = false,
            // CachedReads reads the stale flag of the hit it caused (see there).
            EnableSyncEventHandlersExecution = true,
            DefaultEntryOptions = new FusionCacheEntryOptions
            {
                Duration = options.Duration,
                IsFailSafeEnabled = true,
                FailSafeMaxDuration = options.FailSafeMaxDuration,
                FailSafeThrottleDuration = options.FailSafeThrottleDuration,
                FactorySoftTimeout = options.FactorySoftTimeout,
                FactoryHardTimeout = options.FactoryHardTimeout,
                AllowTimedOutFactoryBackgroundCompletion = true,
                DistributedCacheSoftTimeout = options.DistributedCacheSoftTimeout,
                DistributedCacheHardTimeout = options.DistributedCacheHardTimeout,
                AllowBackgroundDistributedCacheOperations = true,
                AllowBackgroundBackplaneOperations = true,
            },
        }), memoryCache: null, logger: loggers.CreateLogger<FusionCache>());

        if (redis.IsConfigured)
        {
            var serializer = new CacheJsonSerializer(services.GetRequiredService<IOptions<CacheSerializationOptions>>().Value.Resolvers);
            cache.SetupDistributedCache(
                new RedisCache(Options.Create(new RedisCacheOptions { ConnectionMultiplexerFactory = redis.ConnectAsync })),
                serializer);
            cache.SetupBackplane(new RedisBackplane(
                Options.Create(new RedisBackplaneOptions { ConnectionMultiplexerFactory = redis.ConnectAsync }),
                loggers.CreateLogger<RedisBackplane>()));
        }

        return cache;
    }
}

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
