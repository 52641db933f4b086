using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Strongroom.Features.Vocabulary;
using Strongroom.Infrastructure.Common;
using Strongroom.Infrastructure.Http;
using Strongroom.Infrastructure.Security;

namespace Strongroom.Features.Users;

/// <summary>
/// The services a change of a user's authority works with, bound as one <c>[AsParameters]</c>
/// bundle by <see cref="DisableUser"/>, <see cref="EnableUser"/> and <see cref="SetUserRoles"/>.
/// </summary>
public sealed class UserChangeServices
{
    [FromServices]
    public required SqlDatabase Database { get; init; }

    [FromServices]
    public required PersonalDataProtector PersonalData { get; init; }

    [FromServices]
    public required ProfileCache Profiles { get; init; }

    [FromServices]
    public required Authorities Authorities { get; init; }
}

/// <summary>
/// What disabling, enabling a user and setting their roles share. Each takes effect on the
/// caller's next request on every replica (see <see cref="Authorities"/>); disabling also revokes
/// every refresh token the user holds. Nobody changes their own account here, the acting admin
/// must still be an active admin when the change commits, and the last active admin can be
/// neither disabled nor demoted.
/// </summary>
public static class ChangeUser
{
    /// <summary>A new status, or new roles.</summary>
    internal sealed record Change(string? Status, IReadOnlyList<string>? Roles);

    internal static async Task<Results<Ok<UserAdminResponse>, ProblemHttpResult>> ApplyAsync(
        string id, Change change, HttpContext context, UserChangeServices services, CancellationToken cancellationToken)
    {
        var (database, personalData, profiles, authorities) = (services.Database, services.PersonalData, services.Profiles, services.Authorities);
        if (!OpaqueId.IsWellFormed(UserIds.Prefix, id))
        {
            return ApiProblems.NotFound("User");
        }

        var actorId = context.User.UserId();
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (database.Provider == Infrastructure.Database.DatabaseProvider.SqlServer)
        {
            // One authority change at a time (SQLite's IMMEDIATE transaction already is): two admins
            // demoting each other at once are decided one after the other, never both, never a deadlock.
            await connection.ExecuteAsync(SqlServer.Serialize, transaction: transaction);
        }

        var before = await connection.QuerySingleOrDefaultAsync<UserRow>(UserQueries.ById(database), new { Id = id }, transaction);
        if (before is null)
        {
            return ApiProblems.NotFound("User");
        }

        if (id == actorId)
        {
            // Not even "keep admin": one's own authority is always someone else's decision.
            return ApiProblems.Unprocessable("cannot_change_self",
                "Nobody can change their own roles or status; ask another admin.");
        }

        // Decided on what is stored now, under the transaction's locks: an admin demoted or disabled
        // a moment ago (by a request racing this one) can no longer act.
        if (await connection.QuerySingleOrDefaultAsync<string>(database.Pick(Sqlite.ActiveAdmin, SqlServer.ActiveAdmin), new { Id = actorId }, transaction) is null)
        {
            // Released first: the audit log takes the write lock of its own.
            await transaction.RollbackAsync(cancellationToken);
            await context.RequestServices.GetRequiredService<AuditLog>().RecordAsync(new AuditEvent("authorization_denied", ActorId: actorId,
                Target: $"{context.Request.Method} {context.Request.Path}", Details: "not_an_active_admin"), context, cancellationToken);
            return ApiProblems.Forbidden("forbidden");
        }

        var rolesBefore = RolesOf(before);
        var statusAfter = change.Status ?? before.Status;
        var rolesAfter = change.Roles ?? rolesBefore;
        var wasActiveAdmin = before.Status == UserStatuses.Active && rolesBefore.Contains(Roles.Admin);
        var staysActiveAdmin = statusAfter == UserStatuses.Active && rolesAfter.Contains(Roles.Admin);
        if (wasActiveAdmin && !staysActiveAdmin
            && await connection.QuerySingleAsync<int>(database.Pick(Sqlite.OtherActiveAdmins, SqlServer.OtherActiveAdmins), new { Id = id }, transaction) == 0)
        {
            return ApiProblems.Conflict("last_admin", "This is the last active admin: make another admin first.");
        }

        if (change.Status is { } status)
        {
            await connection.ExecuteAsync(Sql.SetStatus, new { Id = id, Status = status }, transaction);
            if (status == UserStatuses.Disabled)
            {
                // Every sign-in they hold ends here: re-enabling later does not bring a stolen refresh token back.
                await connection.ExecuteAsync(Sql.RevokeRefreshTokens, new { UserId = id }, transaction);
            }
        }

        if (change.Roles is { } roles)
        {
            await connection.ExecuteAsync(Sql.ClearRoles, new { UserId = id }, transaction);
            foreach (var role in roles)
            {
                await connection.ExecuteAsync(Sql.AddRole, new { UserId = id, Role = role }, transaction);
            }
        }

        var user = await connection.QuerySingleAsync<UserRow>(UserQueries.ById(database), new { Id = id }, transaction);
        await transaction.CommitAsync(cancellationToken);
        // The next request on every replica reads the new authority; the profile shows roles too.
        await authorities.EvictUserAsync(id);
        await profiles.EvictAsync(id);
        context.SetAuditDetails(change.Status is not null
            ? $"status {before.Status}->{statusAfter}"
            : $"roles {string.Join(',', rolesBefore)}->{string.Join(',', rolesAfter)}");
        return TypedResults.Ok(user.ToResponse(personalData));
    }

    private static List<string> RolesOf(UserRow user) =>
        [.. (user.Roles ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal)];

    private static class Sql
    {
        public const string SetStatus = """
            UPDATE users SET status = @Status WHERE id = @Id
            """;

        public const string RevokeRefreshTokens = """
            UPDATE refresh_tokens SET status = 'revoked' WHERE user_id = @UserId AND status <> 'revoked'
            """;

        public const string ClearRoles = """
            DELETE FROM user_roles WHERE user_id = @UserId
            """;

        public const string AddRole = """
            INSERT INTO user_roles (user_id, role) VALUES (@UserId, @Role)
            """;
    }

    private static class Sqlite
    {
        public const string ActiveAdmin = """
            SELECT u.id FROM users u JOIN user_roles r ON r.user_id = u.id
            WHERE u.id = @Id AND u.status = 'active' AND r.role = 'admin'
            """;

        public const string OtherActiveAdmins = """
            SELECT COUNT(*) FROM users u JOIN user_roles r ON r.user_id = u.id
            WHERE u.id <> @Id AND u.status = 'active' AND r.role = 'admin'
            """;
    }

    private static class SqlServer
    {
        public const string Serialize = """
            EXEC sp_getapplock @Resource = N'strongroom:user-authority', @LockMode = N'Exclusive', @LockOwner = N'Transaction', @LockTimeout = 10000
            """;

        // Locked to the end of the transaction, so two admins demoting each other at once are
        // decided one after the other and never leave the bank without one.
        public const string ActiveAdmin = """
            SELECT u.id FROM users u WITH (UPDLOCK, HOLDLOCK) JOIN user_roles r WITH (UPDLOCK, HOLDLOCK) ON r.user_id = u.id
            WHERE u.id = @Id AND u.status = N'active' AND r.role = N'admin'
            """;

        public const string OtherActiveAdmins = """
            SELECT COUNT(*) FROM users u WITH (UPDLOCK, HOLDLOCK) JOIN user_roles r WITH (UPDLOCK, HOLDLOCK) ON r.user_id = u.id
            WHERE u.id <> @Id AND u.status = N'active' AND r.role = N'admin'
            """;
    }
}
