namespace Strongroom.Api.Tests.Support;

/// <summary>
/// A pair of replicas of its own: this test kills their Redis. The client's own timeouts are long,
/// so a request that waited on the dead Redis instead of the cache's short hard timeouts would take
/// far longer than <see cref="StallBound"/>, and that bound can be generous for a busy machine.
/// </summary>
public sealed class ReplicasWithFragileRedis : TwoReplicas
{
    /// <summary>The most a few requests together may take while Redis is down: a fifth of one Redis timeout.</summary>
    public static readonly TimeSpan StallBound = TimeSpan.FromSeconds(6);

    protected override string RedisConfiguration(RedisServer redis) =>
        $"{redis.Configuration},connectTimeout=30000,syncTimeout=30000,asyncTimeout=30000";
}
