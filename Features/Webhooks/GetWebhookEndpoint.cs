using System.Security.Claims;

namespace Strongroom.Features.Webhooks;

public static class GetWebhookEndpoint
{
    public static RouteHandlerBuilder MapGetWebhookEndpoint(this IEndpointRouteBuilder group) =>
        group.MapGet("/{id}", HandleAsync)
            .WithName("GetWebhookEndpoint")
            .WithSummary("Read one of the caller's webhook endpoints (never its secret)")
            .WithDescription("404 when the caller has no endpoint with this id.")
            .ProducesProblem(StatusCodes.Status404NotFound);

    public static async Task<Results<Ok<WebhookEndpointResponse>, ProblemHttpResult>> HandleAsync(
        string id, ClaimsPrincipal user, SqlDatabase database, TimeProvider time, CancellationToken cancellationToken) =>
        await WebhookEndpointStore.FindOwnAsync(database, id, user, cancellationToken) is { } endpoint
            ? TypedResults.Ok(endpoint.ToResponse(time))
            : WebhookEndpointStore.NotFound();
}
