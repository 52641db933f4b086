using Strongroom.Infrastructure.Caching;
using Strongroom.Infrastructure.Security;

namespace Strongroom.Features.Profiles;

/// <summary>
/// Users' profiles, decrypted, in each replica's memory only: personal data never goes to Redis
/// (and a data-key rotation never meets an old ciphertext there). A profile change, a role change
/// or a disable evicts the user's entry on every replica through the backplane.
/// </summary>
public sealed class ProfileCache(CachedReads cache, SqlDatabase database, PersonalDataProtector personalData)
{
    public Task<CacheRead<ProfileResponse>> ReadAsync(string userId, CancellationToken cancellationToken) =>
        cache.GetOrLoadAsync(Key(userId), CacheScope.Local, async token =>
        {
            await using var connection = await database.OpenAsync(token);
            return await ProfileEndpoints.ReadAsync(connection, database, userId, personalData);
        }, cancellationToken);

    public ValueTask EvictAsync(string userId) => cache.EvictAsync(Key(userId), CacheScope.Local);

    private static string Key(string userId) => $"profile:{userId}";
}
