using System.ComponentModel.DataAnnotations;
using System.Data.Common;
using System.Security.Claims;
using Strongroom.Features.Identity;
using Strongroom.Features.Profiles;
using Strongroom.Infrastructure.Common;
using Strongroom.Infrastructure.Http;
using Strongroom.Infrastructure.Security;

namespace Strongroom.Features.Users;

public sealed record UserRolesRequest([Required] IReadOnlyList<string> Roles);

/// <summary>
/// Disable or enable a user, or set their roles. A disabled user cannot sign in (their access
/// tokens still expire on their own, within one token lifetime). An admin can neither disable
/// themselves nor drop their own admin role, so the last admin cannot lock everyone out by accident.
/// </summary>
public static class ChangeUser
{
    public static IEndpointRouteBuilder MapChangeUser(this IEndpointRouteBuilder group)
    {
        group.MapPost("/{id}/disable", (string id, ClaimsPrincipal admin, SqlDatabase database, PersonalDataProtector personalData, ProfileCache profiles, CancellationToken cancellationToken) =>
                ApplyAsync(id, admin, database, personalData, profiles, target => target == admin.UserId() ? Refuse("cannot_disable_self", "An admin cannot disable their own account.") : null,
                    (connection, transaction) => connection.ExecuteAsync(Sql.SetStatus, new { Id = id, Status = UserStatuses.Disabled }, transaction), cancellationToken))
            .WithName("DisableUser").WithSummary("Stop a user from signing in")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        group.MapPost("/{id}/enable", (string id, ClaimsPrincipal admin, SqlDatabase database, PersonalDataProtector personalData, ProfileCache profiles, CancellationToken cancellationToken) =>
                ApplyAsync(id, admin, database, personalData, profiles, _ => null,
                    (connection, transaction) => connection.ExecuteAsync(Sql.SetStatus, new { Id = id, Status = UserStatuses.Active }, transaction), cancellationToken))
            .WithName("EnableUser").WithSummary("Let a disabled user sign in again")
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPut("/{id}/roles", SetRolesAsync)
            .WithName("SetUserRoles").WithSummary("Replace a user's roles")
            .WithDescription("Roles: customer, operator, admin; at least one. An admin cannot remove their own admin role.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        return group;
    }

    public static Task<Results<Ok<UserAdminResponse>, ProblemHttpResult>> SetRolesAsync(
        string id, UserRolesRequest request, ClaimsPrincipal admin, SqlDatabase database, PersonalDataProtector personalData, ProfileCache profiles,
        CancellationToken cancellationToken)
    {
        var roles = request.Roles.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        if (roles.Count == 0 || roles.Any(role => !Roles.All.Contains(role)))
        {
            return Task.FromResult<Results<Ok<UserAdminResponse>, ProblemHttpResult>>(
                ApiProblems.BadRequest("invalid_roles", $"roles must be one or more of: {string.Join(", ", Roles.All)}."));
        }

        return ApplyAsync(id, admin, database, personalData, profiles,
            target => target == admin.UserId() && !roles.Contains(Roles.Admin) ? Refuse("cannot_remove_own_admin", "An admin cannot remove their own admin role.") : null,
            async (connection, transaction) =>
            {
                await connection.ExecuteAsync(Sql.ClearRoles, new { UserId = id }, transaction);
                foreach (var role in roles)
                {
                    await connection.ExecuteAsync(Sql.AddRole, new { UserId = id, Role = role }, transaction);
                }
            },
            cancellationToken);
    }

    private static async Task<Results<Ok<UserAdminResponse>, ProblemHttpResult>> ApplyAsync(
        string id, ClaimsPrincipal admin, SqlDatabase database, PersonalDataProtector personalData, ProfileCache profiles, Func<string, ProblemHttpResult?> refuse,
        Func<DbConnection, DbTransaction, Task> change, CancellationToken cancellationToken)
    {
        if (!OpaqueId.IsWellFormed(UserIds.Prefix, id))
        {
            return ApiProblems.NotFound("User");
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (await connection.QuerySingleOrDefaultAsync<string>(Sql.Exists, new { Id = id }, transaction) is null)
        {
            return ApiProblems.NotFound("User");
        }

        if (refuse(id) is { } refusal)
        {
            return refusal;
        }

        await change(connection, transaction);
        var user = await connection.QuerySingleAsync<UserRow>(UserQueries.ById(database), new { Id = id }, transaction);
        await transaction.CommitAsync(cancellationToken);
        // The profile shows roles; evicted on every replica so none keeps the old ones.
        await profiles.EvictAsync(id);
        return TypedResults.Ok(user.ToResponse(personalData));
    }

    private static ProblemHttpResult Refuse(string code, string detail) =>
        ApiProblems.Create(StatusCodes.Status422UnprocessableEntity, code, "Unprocessable Entity", detail);

    private static class Sql
    {
        public const string Exists = """
            SELECT id FROM users WHERE id = @Id
            """;

        public const string SetStatus = """
            UPDATE users SET status = @Status WHERE id = @Id
            """;

        public const string ClearRoles = """
            DELETE FROM user_roles WHERE user_id = @UserId
            """;

        public const string AddRole = """
            INSERT INTO user_roles (user_id, role) VALUES (@UserId, @Role)
            """;
    }
}
