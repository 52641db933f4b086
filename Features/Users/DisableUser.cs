using Strongroom.Features.Vocabulary;

namespace Strongroom.Features.Users;

public static class DisableUser
{
    public static RouteHandlerBuilder MapDisableUser(this IEndpointRouteBuilder group) =>
        group.MapPost("/{id}/disable", HandleAsync)
            .WithName("DisableUser").WithSummary("Stop a user: no sign-in, and their tokens and refresh tokens stop working at once")
            .WithDescription("Admins only. Nobody disables themselves (422 cannot_change_self), and the last active admin stays (409 last_admin).")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status422UnprocessableEntity);

    public static Task<Results<Ok<UserAdminResponse>, ProblemHttpResult>> HandleAsync(
        string id, HttpContext context, [AsParameters] UserChangeServices services, CancellationToken cancellationToken) =>
        ChangeUser.ApplyAsync(id, new ChangeUser.Change(UserStatuses.Disabled, Roles: null), context, services, cancellationToken);
}
