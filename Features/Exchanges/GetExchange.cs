using System.Security.Claims;
using Strongroom.Features.Vocabulary;
using Strongroom.Infrastructure.Common;
using Strongroom.Infrastructure.Http;
using Strongroom.Infrastructure.Security;

namespace Strongroom.Features.Exchanges;

public static class GetExchange
{
    public static RouteHandlerBuilder MapGetExchange(this IEndpointRouteBuilder group) =>
        group.MapGet("/{id}", HandleAsync)
            .WithName("GetExchange")
            .WithSummary("Read an exchange")
            .WithDescription("Visible to the owner of either account and to staff; for anyone else it does not exist (404). The same body as the exchange's 201 and its exchange.completed event.")
            .ProducesProblem(StatusCodes.Status404NotFound);

    public static async Task<Results<Ok<ExchangeResponse>, ProblemHttpResult>> HandleAsync(
        string id, ClaimsPrincipal user, SqlDatabase database, CancellationToken cancellationToken)
    {
        if (!OpaqueId.IsWellFormed(ExchangeIds.Prefix, id))
        {
            return ApiProblems.NotFound("Exchange");
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        // Someone else's exchange is not found, exactly as one that does not exist.
        var found = await connection.QuerySingleOrDefaultAsync<ExchangeRow>(Sql.VisibleById, new { Id = id, Caller = user.UserId(), Staff = user.IsStaff() ? 1 : 0 });
        return found is not null ? TypedResults.Ok(found.ToResponse()) : ApiProblems.NotFound("Exchange");
    }

    private static class Sql
    {
        // Visible to staff and to the owner of either account.
        public const string VisibleById = $"""
            SELECT {ExchangeRow.Columns} FROM exchanges
            WHERE id = @Id
              AND (@Staff = 1 OR EXISTS (SELECT 1 FROM accounts a WHERE a.id IN (from_account_id, to_account_id) AND a.owner_id = @Caller))
            """;
    }
}
