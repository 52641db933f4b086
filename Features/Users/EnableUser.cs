using Strongroom.Features.Vocabulary;

namespace Strongroom.Features.Users;

public static class EnableUser
{
    public static RouteHandlerBuilder MapEnableUser(this IEndpointRouteBuilder group) =>
        group.MapPost("/{id}/enable", HandleAsync)
            .WithName("EnableUser").WithSummary("Let a disabled user sign in again")
            .WithDescription("Admins only. Nobody enables themselves (422 cannot_change_self).")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status422UnprocessableEntity);

    public static Task<Results<Ok<UserAdminResponse>, ProblemHttpResult>> HandleAsync(
        string id, HttpContext context, [AsParameters] UserChangeServices services, CancellationToken cancellationToken) =>
        ChangeUser.ApplyAsync(id, new ChangeUser.Change(UserStatuses.Active, Roles: null), context, services, cancellationToken);
}
