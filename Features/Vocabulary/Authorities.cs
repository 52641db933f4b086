using System.Text.Json.Serialization;
using Strongroom.Infrastructure.Caching;
using Strongroom.Infrastructure.Security;
using ZiggyCreatures.Caching.Fusion.Internals.Distributed;

namespace Strongroom.Features.Vocabulary;

/// <summary>
/// Every user's and service client's current authority, cached (memory and Redis) so that the
/// check every request makes is a memory read. Every change of a role, a status or a client
/// evicts its entry after the commit, on every replica through the backplane, so the next request
/// anywhere reads what is stored now.
/// </summary>
public sealed class Authorities(CachedReads cache, SqlDatabase database) : IAuthorities
{
    public async Task<UserAuthority?> UserAsync(string userId, CancellationToken cancellationToken) =>
        await cache.GetOrLoadValueAsync(UserKey(userId), async token =>
        {
            await using var connection = await database.OpenAsync(token);
            var status = await connection.QuerySingleOrDefaultAsync<string>(Sql.UserStatus, new { Id = userId });
            if (status is null)
            {
                return null;
            }

            var roles = await connection.QueryAsync<string>(Sql.UserRoles, new { UserId = userId });
            return new UserAuthority(status == UserStatuses.Active, [.. roles]);
        }, cancellationToken);

    public async Task<ClientAuthority?> ClientAsync(string clientId, CancellationToken cancellationToken) =>
        await cache.GetOrLoadValueAsync(ClientKey(clientId), async token =>
        {
            await using var connection = await database.OpenAsync(token);
            var client = await connection.QuerySingleOrDefaultAsync<ClientRow>(Sql.Client, new { Id = clientId });
            return client is null ? null : new ClientAuthority(client.OwnerId, client.Status == "active");
        }, cancellationToken);

    /// <summary>After a user's roles or status changed (and committed): every replica reads them again.</summary>
    public ValueTask EvictUserAsync(string userId) => cache.EvictAsync(UserKey(userId), CacheScope.Shared);

    /// <summary>After a client was revoked (and committed).</summary>
    public ValueTask EvictClientAsync(string clientId) => cache.EvictAsync(ClientKey(clientId), CacheScope.Shared);

    private static string UserKey(string userId) => $"authority:user:{userId}";

    private static string ClientKey(string clientId) => $"authority:client:{clientId}";

    public sealed class ClientRow
    {
        public string OwnerId { get; init; } = "";

        public string Status { get; init; } = "";
    }

    private static class Sql
    {
        public const string UserStatus = """
            SELECT status FROM users WHERE id = @Id
            """;

        public const string UserRoles = """
            SELECT role FROM user_roles WHERE user_id = @UserId ORDER BY role
            """;

        public const string Client = """
            SELECT owner_id AS OwnerId, status AS Status FROM service_clients WHERE id = @Id
            """;
    }
}

/// <summary>What Redis holds for <see cref="Authorities"/>.</summary>
[JsonSerializable(typeof(FusionCacheDistributedEntry<UserAuthority>))]
[JsonSerializable(typeof(FusionCacheDistributedEntry<ClientAuthority>))]
public sealed partial class AuthorityCacheJsonContext : JsonSerializerContext;
