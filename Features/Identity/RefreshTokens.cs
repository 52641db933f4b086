using System.Data.Common;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Strongroom.Features.Vocabulary;
using Strongroom.Infrastructure.Common;
using Strongroom.Infrastructure.Security;

namespace Strongroom.Features.Identity;

/// <summary>
/// Opaque refresh tokens (256 random bits), stored only as a SHA-256 hash, rotated on every use.
/// A token presented a second time means it leaked: its whole family is revoked, so neither the
/// thief nor the user can continue with it, and the user signs in again.
/// </summary>
public sealed partial class RefreshTokens(SqlDatabase database, IOptions<AuthOptions> options, TimeProvider time, ILogger<RefreshTokens> logger)
{
    public enum Outcome
    {
        Rotated,
        Invalid,
        Reused,
    }

    /// <summary>
    /// Starts a family (a sign-in) and returns its first token. The family remembers how the sign-in
    /// was authenticated (RFC 8176 <c>amr</c>), so refreshed access tokens say the same.
    /// </summary>
    public async Task<string> IssueAsync(DbConnection connection, string userId, IReadOnlyList<string>? authenticationMethods = null, DateTimeOffset? authenticatedAt = null)
    {
        var token = OpaqueSecret.New();
        var amr = string.Join(' ', authenticationMethods ?? AuthenticationMethods.PasswordOnly);
        var signedInAt = authenticatedAt is { } at ? UnixMicroseconds.From(at) : (long?)null;
        await connection.ExecuteAsync(Sql.Insert, Row(token, userId, Guid.CreateVersion7().ToString("N"), amr, signedInAt));
        return token;
    }

    /// <summary>Uses <paramref name="token"/> once: on success, the user id, its successor, and how and when the family's sign-in was authenticated.</summary>
    public async Task<(Outcome Outcome, string? UserId, string? Successor, IReadOnlyList<string> AuthenticationMethods, DateTimeOffset? AuthenticatedAt)> RotateAsync(string token, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var stored = await connection.QuerySingleOrDefaultAsync<StoredToken>(database.Pick(Sqlite.Find, SqlServer.Find), new { TokenHash = OpaqueSecret.Hash(token) }, transaction);
        var now = UnixMicroseconds.Now(time);
        if (stored is null || stored.Status == "revoked" || stored.ExpiresAt <= now)
        {
            return (Outcome.Invalid, null, null, [], null);
        }

        if (stored.Status == "used" || stored.UserStatus != UserStatuses.Active)
        {
            await connection.ExecuteAsync(Sql.RevokeFamily, new { stored.FamilyId }, transaction);
            await transaction.CommitAsync(cancellationToken);
            if (stored.Status == "used")
            {
                LogReuse(logger, stored.UserId);
                return (Outcome.Reused, stored.UserId, null, [], null);
            }

            return (Outcome.Invalid, null, null, [], null);
        }

        var successor = OpaqueSecret.New();
        await connection.ExecuteAsync(Sql.MarkUsed, new { stored.TokenHash }, transaction);
        await connection.ExecuteAsync(Sql.Insert, Row(successor, stored.UserId, stored.FamilyId, stored.Amr, stored.AuthenticatedAt), transaction);
        await transaction.CommitAsync(cancellationToken);
        return (Outcome.Rotated, stored.UserId, successor, stored.Amr.Split(' ', StringSplitOptions.RemoveEmptyEntries),
            stored.AuthenticatedAt is { } at ? UnixMicroseconds.ToDateTimeOffset(at) : null);
    }

    /// <summary>RFC 7009: revokes the token's family; an unknown token is not an error.</summary>
    public async Task RevokeAsync(string token, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(Sql.RevokeFamilyOf, new { TokenHash = OpaqueSecret.Hash(token) });
    }

    private NewRow Row(string token, string userId, string familyId, string amr, long? authenticatedAt)
    {
        var now = UnixMicroseconds.Now(time);
        return new NewRow(OpaqueSecret.Hash(token), userId, familyId, now, now + (options.Value.RefreshTokenLifetime.Ticks / TimeSpan.TicksPerMicrosecond), amr, authenticatedAt);
    }

    // The user id only; the token itself never reaches a log.
    [LoggerMessage(Level = LogLevel.Warning, Message = "A used refresh token was presented again for user {UserId}; its family is revoked")]
    private static partial void LogReuse(ILogger logger, string userId);

    public sealed record NewRow(string TokenHash, string UserId, string FamilyId, long CreatedAt, long ExpiresAt, string Amr, long? AuthenticatedAt);

    public sealed class StoredToken
    {
        public string TokenHash { get; init; } = "";

        public string UserId { get; init; } = "";

        public string FamilyId { get; init; } = "";

        public string Status { get; init; } = "";

        public long ExpiresAt { get; init; }

        public string UserStatus { get; init; } = "";

        public string Amr { get; init; } = "";

        public long? AuthenticatedAt { get; init; }
    }

    private static class Sql
    {
        public const string Insert = """
            INSERT INTO refresh_tokens (token_hash, user_id, family_id, status, created_at, expires_at, amr, authenticated_at)
            VALUES (@TokenHash, @UserId, @FamilyId, 'active', @CreatedAt, @ExpiresAt, @Amr, @AuthenticatedAt)
            """;

        public const string MarkUsed = """
            UPDATE refresh_tokens SET status = 'used' WHERE token_hash = @TokenHash
            """;

        public const string RevokeFamily = """
            UPDATE refresh_tokens SET status = 'revoked' WHERE family_id = @FamilyId
            """;

        public const string RevokeFamilyOf = """
            UPDATE refresh_tokens SET status = 'revoked'
            WHERE family_id = (SELECT family_id FROM refresh_tokens WHERE token_hash = @TokenHash)
            """;
    }

    private static class Sqlite
    {
        public const string Find = """
            SELECT t.token_hash AS TokenHash, t.user_id AS UserId, t.family_id AS FamilyId, t.status AS Status, t.expires_at AS ExpiresAt, u.status AS UserStatus, t.amr AS Amr, t.authenticated_at AS AuthenticatedAt
            FROM refresh_tokens t JOIN users u ON u.id = t.user_id
            WHERE t.token_hash = @TokenHash
            """;
    }

    private static class SqlServer
    {
        public const string Find = """
            SELECT t.token_hash AS TokenHash, t.user_id AS UserId, t.family_id AS FamilyId, t.status AS Status, t.expires_at AS ExpiresAt, u.status AS UserStatus, t.amr AS Amr, t.authenticated_at AS AuthenticatedAt
            FROM refresh_tokens t WITH (UPDLOCK, ROWLOCK, HOLDLOCK) JOIN users u ON u.id = t.user_id
            WHERE t.token_hash = @TokenHash
            """;
    }
}
