using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
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
        services.AddSingleton<CacheMetrics>();
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
