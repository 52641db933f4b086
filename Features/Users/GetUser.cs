using Strongroom.Features.Vocabulary;
using Strongroom.Infrastructure.Common;
using Strongroom.Infrastructure.Http;
using Strongroom.Infrastructure.Security;

namespace Strongroom.Features.Users;

public static class GetUser
{
    public static RouteHandlerBuilder MapGetUser(this IEndpointRouteBuilder group) =>
        group.MapGet("/{id}", HandleAsync)
            .WithName("GetUser")
            .WithSummary("Read a user with their roles and status")
            .WithDescription("Admins only. The personal data is decrypted for the answer; 404 when no user has this id.")
            .ProducesProblem(StatusCodes.Status404NotFound);

    public static async Task<Results<Ok<UserAdminResponse>, ProblemHttpResult>> HandleAsync(string id, SqlDatabase database, PersonalDataProtector personalData, CancellationToken cancellationToken)
    {
        if (!OpaqueId.IsWellFormed(UserIds.Prefix, id))
        {
            return ApiProblems.NotFound("User");
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        var user = await connection.QuerySingleOrDefaultAsync<UserRow>(UserQueries.ById(database), new { Id = id });
        return user is null ? ApiProblems.NotFound("User") : TypedResults.Ok(user.ToResponse(personalData));
    }
}
