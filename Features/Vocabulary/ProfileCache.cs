using System.Data.Common;
using Strongroom.Infrastructure.Caching;
using Strongroom.Infrastructure.Security;

namespace Strongroom.Features.Vocabulary;

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
            return await LoadAsync(connection, database, userId, personalData);
        }, cancellationToken);

    public ValueTask EvictAsync(string userId) => cache.EvictAsync(Key(userId), CacheScope.Local);

    /// <summary>The profile as stored now, on a connection the caller already holds (after a change, say).</summary>
    public static async Task<ProfileResponse?> LoadAsync(DbConnection connection, SqlDatabase database, string id, PersonalDataProtector personalData) =>
        (await connection.QuerySingleOrDefaultAsync<ProfileRow>(database.Pick(Sqlite.ById, SqlServer.ById), new { Id = id }))?.ToResponse(personalData);

    private static string Key(string userId) => $"profile:{userId}";

    private static class Sqlite
    {
        public const string ById = """
            SELECT u.id AS Id, u.email AS Email, u.full_name AS FullName, u.phone AS Phone, u.address AS Address, u.date_of_birth AS DateOfBirth,
                   group_concat(r.role, ',') AS Roles
            FROM users u LEFT JOIN user_roles r ON r.user_id = u.id
            WHERE u.id = @Id
            GROUP BY u.id, u.email, u.full_name, u.phone, u.address, u.date_of_birth
            """;
    }

    private static class SqlServer
    {
        public const string ById = """
            SELECT u.id AS Id, u.email AS Email, u.full_name AS FullName, u.phone AS Phone, u.address AS Address, u.date_of_birth AS DateOfBirth,
                   STRING_AGG(r.role, ',') AS Roles
            FROM users u LEFT JOIN user_roles r ON r.user_id = u.id
            WHERE u.id = @Id
            GROUP BY u.id, u.email, u.full_name, u.phone, u.address, u.date_of_birth
            """;
    }
}

