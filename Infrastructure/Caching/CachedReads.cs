using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Strongroom.Infrastructure.Hosting;
using ZiggyCreatures.Caching.Fusion;

namespace Strongroom.Infrastructure.Caching;

/// <summary>Where a cached read may live.</summary>
public enum CacheScope
{
    /// <summary>Memory, and Redis when configured: what every replica may share.</summary>
    Shared,

    /// <summary>This replica's memory only (personal data never goes to Redis); changes still evict it on every replica.</summary>
    Local,
}

/// <summary>How a read was answered, as RFC 9211 <c>Cache-Status</c> says it.</summary>
public enum CacheOutcome
{
    /// <summary>From the cache, fresh.</summary>
    Hit,

    /// <summary>From the cache past its freshness, because the database failed or was too slow (fail-safe).</summary>
    Stale,

    /// <summary>Read from the database and cached.</summary>
    Stored,

    /// <summary>Read from the database and not cached (nothing to show this caller).</summary>
    NotStored,

    /// <summary>Read from the database: caching is off on this replica (several replicas, no backplane).</summary>
    Bypass,
}

public readonly record struct CacheRead<T>(T? Value, CacheOutcome Outcome)
{
    public const string HeaderName = "Cache-Status";

    /// <summary>The <c>Cache-Status</c> value (RFC 9211). RFC 9211 has no stale flag besides a
    /// negative ttl, which FusionCache does not expose, so a stale answer says so in <c>detail</c>.</summary>
    public string Header => Outcome switch
    {
        CacheOutcome.Hit => "strongroom; hit",
        CacheOutcome.Stale => "strongroom; hit; detail=stale",
        CacheOutcome.Stored => "strongroom; fwd=miss; stored",
        CacheOutcome.Bypass => "strongroom; fwd=bypass",
        _ => "strongroom; fwd=miss",
    };
}

/// <summary>
/// Reads through FusionCache and tells how each was answered. Writes never decide on the data
/// this returns: every money movement and every admin change re-reads its rows inside its own
/// transaction. Who the caller is now (status and roles) is read through here on every request;
/// the changes to it evict it on every replica, and user administration rechecks it in its transaction.
/// </summary>
public sealed partial class CachedReads
{
    // FusionCache raises its events synchronously on the caller's flow (EnableSyncEventHandlersExecution),
    // so a hit on a stale entry or a fail-safe activation is seen by the read that caused it.
    private static readonly AsyncLocal<Probe?> CurrentProbe = new();

    private readonly IFusionCache _cache;
    private readonly FusionCacheEntryOptions _shared;
    private readonly FusionCacheEntryOptions _local;
    private readonly FusionCacheEntryOptions _localEviction;

    private readonly bool _bypass;
    private readonly CacheMetrics _metrics;

    public CachedReads(IFusionCache cache, IOptions<ClusterOptions> cluster, IOptions<RedisOptions> redis, CacheMetrics metrics, ILogger<CachedReads> logger)
    {
        _cache = cache;
        _metrics = metrics;
        // Several replicas and no Redis: nothing would tell the others when this one changes a row,
        // so each would serve its own copy for Cache:Duration. Correct beats fast: read through.
        _bypass = cluster.Value.IsClustered && string.IsNullOrWhiteSpace(redis.Value.Configuration);
        if (_bypass)
        {
            LogBypass(logger);
        }

        _shared = cache.CreateEntryOptions();
        // Memory only, and no "changed" notice when a replica loads it: the others' copies stay valid.
        // An eviction (below) still reaches every replica.
        _local = cache.CreateEntryOptions(options =>
        {
            options.SkipDistributedCacheRead = true;
            options.SkipDistributedCacheWrite = true;
            options.SkipBackplaneNotifications = true;
        });
        _localEviction = cache.CreateEntryOptions(options =>
        {
            options.SkipDistributedCacheRead = true;
            options.SkipDistributedCacheWrite = true;
        });
        cache.Events.Hit += (_, e) =>
        {
            if (e.IsStale && CurrentProbe.Value is { } probe && e.Key.EndsWith(probe.Key, StringComparison.Ordinal))
            {
                probe.Stale = true;
            }
        };
        cache.Events.FailSafeActivate += (_, e) =>
        {
            if (CurrentProbe.Value is { } probe && e.Key.EndsWith(probe.Key, StringComparison.Ordinal))
            {
                probe.Stale = true;
            }
        };
    }

    /// <summary>
    /// The cached value of <paramref name="key"/>, or what <paramref name="load"/> reads. A null from
    /// <paramref name="load"/> (absent, or not the caller's) is never cached. When the database fails
    /// and an entry younger than Cache:FailSafeMaxDuration exists, that entry is served as stale.
    /// </summary>
    public async Task<CacheRead<T>> GetOrLoadAsync<T>(string key, CacheScope scope, Func<CancellationToken, Task<T?>> load, CancellationToken cancellationToken)
        where T : class
    {
        if (_bypass)
        {
            _metrics.Read(CacheOutcome.Bypass);
            return new CacheRead<T>(await load(cancellationToken), CacheOutcome.Bypass);
        }

        var probe = new Probe(key);
        var previous = CurrentProbe.Value;
        CurrentProbe.Value = probe;
        try
        {
            var value = await _cache.GetOrSetAsync<T?>(key, async (context, token) =>
            {
                probe.Loaded = true;
                var loaded = await load(token);
                if (loaded is null)
                {
                    context.Options.SkipMemoryCacheWrite = true;
                    context.Options.SkipDistributedCacheWrite = true;
                    context.Options.SkipBackplaneNotifications = true;
                }

                probe.Value = loaded;
                return loaded;
            }, scope == CacheScope.Local ? _local : _shared, cancellationToken);

            var outcome = (probe.Loaded, probe.Stale) switch
            {
                // The database answered this very read.
                (true, _) when ReferenceEquals(value, probe.Value) => value is null ? CacheOutcome.NotStored : CacheOutcome.Stored,
                // It was asked but failed or was too slow, and the expired entry was served instead.
                (true, _) or (_, true) => CacheOutcome.Stale,
                _ => CacheOutcome.Hit,
            };
            _metrics.Read(outcome);
            return new CacheRead<T>(value, outcome);
        }
        finally
        {
            CurrentProbe.Value = previous;
        }
    }

    /// <summary>
    /// Like <see cref="GetOrLoadAsync{T}"/> (shared scope), without working out how the read was
    /// answered: for the check every request makes, which reports no <c>Cache-Status</c> and so
    /// need not pay for tracking one.
    /// </summary>
    public async ValueTask<T?> GetOrLoadValueAsync<T>(string key, Func<CancellationToken, Task<T?>> load, CancellationToken cancellationToken)
        where T : class
    {
        if (_bypass)
        {
            return await load(cancellationToken);
        }

        return await _cache.GetOrSetAsync<T?>(key, async (context, token) =>
        {
            var loaded = await load(token);
            if (loaded is null)
            {
                context.Options.SkipMemoryCacheWrite = true;
                context.Options.SkipDistributedCacheWrite = true;
                context.Options.SkipBackplaneNotifications = true;
            }

            return loaded;
        }, _shared, cancellationToken);
    }

    /// <summary>
    /// Marks the entry expired in memory and Redis and tells every other replica to do the same.
    /// Expired, not removed: while the database is down it can still be served, marked stale.
    /// Only the memory step is awaited; Redis and the backplane run in the background (and are
    /// replayed by auto-recovery when Redis was unreachable).
    /// </summary>
    public ValueTask EvictAsync(string key, CacheScope scope) =>
        _cache.ExpireAsync(key, scope == CacheScope.Local ? _localEviction : _shared, CancellationToken.None);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Several replicas (Cluster:Enabled) but no Redis:Configuration: with no backplane to tell replicas about changes, reads are not cached")]
    private static partial void LogBypass(ILogger logger);

    private sealed class Probe(string key)
    {
        public string Key { get; } = key;

        public volatile bool Loaded;

        public volatile bool Stale;

        public object? Value;
    }
}
