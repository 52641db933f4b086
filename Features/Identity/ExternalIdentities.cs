using System.Data.Common;
using Strongroom.Features.Vocabulary;
using Strongroom.Infrastructure.Common;
using Strongroom.Infrastructure.Security;

namespace Strongroom.Features.Identity;

/// <summary>
/// The local users behind people signed in at the external authority (<c>Auth:Authority</c>; the
/// scheme itself: Infrastructure/Security/ExternalAuthority.cs). A person there is (issuer,
/// subject); the first token we see for one provisions a local user and links it, every later
/// token finds that user. The authority decides their roles: the stored roles follow each token's.
/// </summary>
/// <remarks>
/// A new user is never linked to an existing one by email. The authority's email claim may be
/// unverified or reassigned, so trusting it would hand a local account (and its money) to whoever
/// controls that address there. Nor does an external user take the email's place locally: the row
/// gets a blind index of its own (<c>external:&lt;user id&gt;</c>, which no typed email can produce),
/// so the email stays free for a local registration, the password grant can never find the row,
/// and its password hash is a marker no password verifies against. The email is kept only to show.
/// </remarks>
public sealed class ExternalIdentities(SqlDatabase database, PersonalDataProtector personalData, AuditLog audit, ProfileCache profiles, TimeProvider time)
    : IExternalIdentities
{
    /// <summary>Stored in place of a password hash: not in the hash format, so no password ever verifies.</summary>
    public const string NoPassword = "!external";

    public async Task<string?> ResolveAsync(ExternalIdentity identity, HttpContext context, CancellationToken cancellationToken)
    {
        var linked = await FindAsync(identity, cancellationToken);
        if (linked is null)
        {
            if (await TryProvisionAsync(identity, context, cancellationToken) is { } created)
            {
                return created;
            }

            // Another request provisioned the same person a moment ago: theirs is the one.
            linked = await FindAsync(identity, cancellationToken)
                ?? throw new InvalidOperationException("An external identity was linked concurrently but cannot be found.");
        }

        if (linked.Status != UserStatuses.Active)
        {
            return null;
        }

        var stored = (linked.Roles ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal);
        if (!stored.SequenceEqual(identity.Roles, StringComparer.Ordinal))
        {
            await ReplaceRolesAsync(linked.Id, identity.Roles, context, cancellationToken);
        }

        return linked.Id;
    }

    /// <summary>Never an existing user's: see the remarks on the class.</summary>
    public static string EmailIndexFor(string userId) => $"external:{userId}";

    private async Task<LinkedUser?> FindAsync(ExternalIdentity identity, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<LinkedUser>(database.Pick(Sqlite.Find, SqlServer.Find), new { identity.Issuer, identity.Subject });
    }

    /// <returns>The new user's id; null when the identity was linked by someone else first.</returns>
    private async Task<string?> TryProvisionAsync(ExternalIdentity identity, HttpContext context, CancellationToken cancellationToken)
    {
        var id = OpaqueId.New(UserIds.Prefix, time);
        var now = UnixMicroseconds.Now(time);
        var email = identity.Email is { } address ? UserIds.NormalizeEmail(address) : "";
        var user = new Register.NewUser(id, EmailIndexFor(id), personalData.Protect(email, UserIds.EmailContext(id)), identity.FullName ?? "", NoPassword, now);

        await using (var connection = await database.OpenAsync(cancellationToken))
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            try
            {
                await connection.ExecuteAsync(Register.Sql.InsertUser, user, transaction);
                foreach (var role in identity.Roles)
                {
                    await connection.ExecuteAsync(Register.Sql.InsertRole, new { UserId = id, Role = role }, transaction);
                }

                await connection.ExecuteAsync(Sql.Link, new { identity.Issuer, identity.Subject, UserId = id, CreatedAt = now }, transaction);
                await transaction.CommitAsync(cancellationToken);
            }
            catch (DbException exception) when (SqlDatabase.IsUniqueViolation(exception))
            {
                return null;
            }
        }

        // The issuer is configuration, not personal; the subject stays out like any personal identifier.
        await audit.RecordAsync(new AuditEvent("external_identity_linked", ActorId: id, Target: id, Details: identity.Issuer), context, cancellationToken);
        return id;
    }

    private async Task ReplaceRolesAsync(string userId, IReadOnlyList<string> roles, HttpContext context, CancellationToken cancellationToken)
    {
        await using (var connection = await database.OpenAsync(cancellationToken))
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            try
            {
                await connection.ExecuteAsync(Sql.ClearRoles, new { UserId = userId }, transaction);
                foreach (var role in roles)
                {
                    await connection.ExecuteAsync(Register.Sql.InsertRole, new { UserId = userId, Role = role }, transaction);
                }

                await transaction.CommitAsync(cancellationToken);
            }
            catch (DbException exception) when (SqlDatabase.IsUniqueViolation(exception))
            {
                // A concurrent request with the same token wrote the same roles.
                return;
            }
        }

        // The profile shows the roles; every replica must drop its copy.
        await profiles.EvictAsync(userId);

        // A change of privilege: who, and the roles they now hold.
        await audit.RecordAsync(new AuditEvent("external_roles_changed", ActorId: userId, Target: userId, Details: string.Join(',', roles)), context, cancellationToken);
    }

    public sealed class LinkedUser
    {
        public string Id { get; init; } = "";

        public string Status { get; init; } = "";

        /// <summary>Comma-separated.</summary>
        public string? Roles { get; init; }
    }

    private static class Sql
    {
        public const string Link = """
            INSERT INTO external_identities (issuer, subject, user_id, created_at) VALUES (@Issuer, @Subject, @UserId, @CreatedAt)
            """;

        public const string ClearRoles = """
            DELETE FROM user_roles WHERE user_id = @UserId
            """;
    }

    private static class Sqlite
    {
        public const string Find = """
            SELECT u.id AS Id, u.status AS Status, (SELECT group_concat(r.role, ',') FROM user_roles r WHERE r.user_id = u.id) AS Roles
            FROM external_identities e JOIN users u ON u.id = e.user_id
            WHERE e.issuer = @Issuer AND e.subject = @Subject
            """;
    }

    private static class SqlServer
    {
        public const string Find = """
            SELECT u.id AS Id, u.status AS Status, (SELECT STRING_AGG(r.role, ',') FROM user_roles r WHERE r.user_id = u.id) AS Roles
            FROM external_identities e JOIN users u ON u.id = e.user_id
            WHERE e.issuer = @Issuer AND e.subject = @Subject
            """;
    }
}
