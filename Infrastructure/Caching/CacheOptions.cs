namespace Strongroom.Infrastructure.Caching;

/// <summary>Bound from <c>Cache</c>: how long reads are cached and how the cache behaves when something fails.</summary>
public sealed class CacheOptions
{
    public const string Section = "Cache";

    /// <summary>How long a cached read is fresh. Changes evict at once; this bounds only what nothing evicted.</summary>
    public TimeSpan Duration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How old a cached read may be and still be served (marked stale) while the database is unavailable.</summary>
    public TimeSpan FailSafeMaxDuration { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>After the database failed a read, how long the stale value is served before the database is tried again.</summary>
    public TimeSpan FailSafeThrottleDuration { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>A database read slower than this is answered from the stale value, if there is one, and finishes in the background.</summary>
    public TimeSpan FactorySoftTimeout { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>A database read slower than this fails (503) even with nothing stale to serve.</summary>
    public TimeSpan FactoryHardTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>A Redis read slower than this is skipped when a stale value is at hand.</summary>
    public TimeSpan DistributedCacheSoftTimeout { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>A Redis read slower than this is skipped in any case: a Redis stall never stalls a request.</summary>
    public TimeSpan DistributedCacheHardTimeout { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Prefix of every Redis key and of the backplane channel, so deployments can share one Redis.</summary>
    public string KeyPrefix { get; set; } = "strongroom";
}

/// <summary>Bound from <c>Redis</c>. Unset: memory cache only.</summary>
public sealed class RedisOptions
{
    public const string Section = "Redis";

    /// <summary>A StackExchange.Redis configuration string, e.g. <c>redis.internal:6380,password=…,ssl=true</c>.</summary>
    public string? Configuration { get; set; }

    /// <summary>
    /// A PEM file of the certificate authority that issued Redis's TLS certificate, when it is a
    /// private one: the server's chain must end at it (and its name must still match). Unset: the
    /// system's trusted roots.
    /// </summary>
    public string? TrustedCertificateAuthorityPath { get; set; }
}
