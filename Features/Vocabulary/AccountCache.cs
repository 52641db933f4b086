using System.Security.Claims;
using System.Text.Json.Serialization;
using Strongroom.Infrastructure.Caching;
using Strongroom.Infrastructure.Security;
using ZiggyCreatures.Caching.Fusion.Internals.Distributed;

namespace Strongroom.Features.Vocabulary;

/// <summary>
/// Account summaries (with balance) as their readers see them, cached per viewer: the owner's
/// key holds only what the owner may see, the staff key what staff may see, and nothing is
/// cached for anyone else, so one caller's entry can never answer another. An account's owner
/// never changes, so the entry also answers "may this caller read this account" for the other
/// read endpoints. Every change evicts both keys on every replica, after its commit.
/// </summary>
public sealed class AccountCache(CachedReads cache, SqlDatabase database)
{
    private const string StaffViewer = "staff";

    /// <summary>The account as <paramref name="user"/> may see it; null when absent or not theirs.</summary>
    public Task<CacheRead<AccountResponse>> ReadAsync(string id, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var isStaff = user.IsStaff();
        var caller = user.UserId();
        return cache.GetOrLoadAsync(Key(id, isStaff ? StaffViewer : caller), CacheScope.Shared, async token =>
        {
            await using var connection = await database.OpenAsync(token);
            var account = await connection.QuerySingleOrDefaultAsync<AccountRow>(Sql.ById, new { Id = id });
            // Someone else's account is reported exactly like a missing one: existence is not revealed.
            return account is not null && (isStaff || account.OwnerId == caller) ? account.ToResponse() : null;
        }, cancellationToken);
    }

    /// <summary>Evicts an account that changed, for its owner and for staff, on every replica.</summary>
    public async ValueTask EvictAsync(string id, string? ownerId)
    {
        await cache.EvictAsync(Key(id, StaffViewer), CacheScope.Shared);
        if (ownerId is not null)
        {
            await cache.EvictAsync(Key(id, ownerId), CacheScope.Shared);
        }
    }

    private static string Key(string id, string viewer) => $"account:{id}:{viewer}";

    private static class Sql
    {
        public const string ById = $"""
            SELECT {AccountRow.Columns} FROM accounts WHERE id = @Id
            """;
    }
}

/// <summary>What Redis holds for <see cref="AccountCache"/>.</summary>
[JsonSerializable(typeof(FusionCacheDistributedEntry<AccountResponse>))]
public sealed partial class AccountCacheJsonContext : JsonSerializerContext;
