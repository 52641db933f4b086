using System.ComponentModel.DataAnnotations;
using Strongroom.Infrastructure.Http;
using Strongroom.Infrastructure.Security;

namespace Strongroom.Features.Users;

public sealed record UserRolesRequest([Required] IReadOnlyList<string> Roles);

public static class SetUserRoles
{
    public static RouteHandlerBuilder MapSetUserRoles(this IEndpointRouteBuilder group) =>
        group.MapPut("/{id}/roles", HandleAsync)
            .RequireRecentSignIn()
            .WithName("SetUserRoles").WithSummary("Replace a user's roles")
            .WithDescription("Roles: customer, operator, admin; at least one. Never one's own; never the last active admin's admin role (409 last_admin). "
                + RecentSignIn.Description)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status422UnprocessableEntity);

    public static Task<Results<Ok<UserAdminResponse>, ProblemHttpResult>> HandleAsync(
        string id, UserRolesRequest request, HttpContext context, [AsParameters] UserChangeServices services, CancellationToken cancellationToken)
    {
        var roles = request.Roles.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        if (roles.Count == 0 || roles.Any(role => !Roles.All.Contains(role)))
        {
            return Task.FromResult<Results<Ok<UserAdminResponse>, ProblemHttpResult>>(
                ApiProblems.BadRequest("invalid_roles", $"roles must be one or more of: {string.Join(", ", Roles.All)}."));
        }

        return ChangeUser.ApplyAsync(id, new ChangeUser.Change(Status: null, roles), context, services, cancellationToken);
    }
}
