using System.Security.Claims;
using Strongroom.Features.Common;
using Strongroom.Infrastructure.Security;

namespace Strongroom.Features.Webhooks;

public static class ListWebhookEndpoints
{
    public static RouteHandlerBuilder MapListWebhookEndpoints(this IEndpointRouteBuilder group) =>
        group.MapGet("/", HandleAsync)
            .WithName("ListWebhookEndpoints")
            .WithSummary("List the caller's webhook endpoints, oldest first (never their secrets)")
            .WithDescription("Keyset-paginated: pass the returned nextCursor for the next page. limit is 1 to 100 (default 20).")
            .ProducesValidationProblem();

    public static async Task<Results<Ok<Page<WebhookEndpointResponse>>, ProblemHttpResult>> HandleAsync(
        [AsParameters] PageRequest page, ClaimsPrincipal user, SqlDatabase database, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!page.TryAfter(out var after))
        {
            return PageRequest.InvalidCursor();
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = (await connection.QueryAsync<WebhookEndpointRow>(
            database.FirstRows(Sql.Page), new { OwnerId = user.UserId(), After = after, Take = page.Fetch })).ToList();
        return TypedResults.Ok(Paging.From(rows, page.Take, row => row.ToResponse(time), endpoint => endpoint.Id));
    }

    private static class Sql
    {
        public const string Page = $"""
            SELECT {WebhookEndpointRow.Columns} FROM webhook_endpoints
            WHERE owner_id = @OwnerId AND id > @After
            ORDER BY id
            """;
    }
}
