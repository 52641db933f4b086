using Strongroom.Infrastructure.Http;
using Strongroom.Infrastructure.Security;

namespace Strongroom.Features.Ledger;

public static class MoneyMovingEndpoints
{
    /// <summary>
    /// Marks an endpoint that moves money: the per-user money-movement rate limit, the second factor
    /// when <c>Auth:RequireMfaForMoneyMovement</c> is on, the Idempotency-Key check before the
    /// handler runs, and the endpoint's <see cref="IdempotentOperation"/> for
    /// <see cref="MoneyMovement.Origin"/>. Its success and the ledger's refusals are declared by
    /// the handler's result (<see cref="LedgerCreated{TResponse}"/>, <see cref="LedgerOk{TResponse}"/>).
    /// </summary>
    public static RouteHandlerBuilder MovesMoney(this RouteHandlerBuilder builder)
    {
        // Finally: the route is the whole one, group prefix included, and the method is known.
        builder.Finally(static endpoint =>
        {
            var route = endpoint as RouteEndpointBuilder ?? throw new InvalidOperationException($"{endpoint.DisplayName} moves money but has no route.");
            var method = endpoint.Metadata.OfType<IHttpMethodMetadata>().SelectMany(m => m.HttpMethods).Single();
            endpoint.Metadata.Add(IdempotentOperation.Of(method, route.RoutePattern));
        });
        return builder.RequireRateLimiting(RateLimits.MoneyMovement)
            .RequireAuthorization(MfaRequirement.Policy)
            .AddEndpointFilter(static (context, next) =>
                Idempotency.Refuse(context.HttpContext.Request.Headers[Idempotency.Header]) is { } refused
                    ? ValueTask.FromResult<object?>(refused)
                    : next(context))
            .AddOpenApiOperationTransformer((operation, _, _) =>
            {
                operation.Description = $"{operation.Description} {MfaRequirement.Description}".Trim();
                // The filter refuses a request without one (400 idempotency_key_missing): required, as the service behaves.
                foreach (var key in (operation.Parameters ?? []).OfType<Microsoft.OpenApi.OpenApiParameter>().Where(p => p.Name == Idempotency.Header))
                {
                    key.Required = true;
                    key.Schema = new Microsoft.OpenApi.OpenApiSchema
                    {
                        Type = Microsoft.OpenApi.JsonSchemaType.String,
                        MinLength = 1,
                        MaxLength = Idempotency.MaxKeyLength,
                        Pattern = "^[ -~]+$",
                    };
                }

                return Task.CompletedTask;
            })
            // The Idempotency-Key check and validation (400), and the rate limit (429).
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
    }

    /// <summary>
    /// Marks a money-moving endpoint that honours <c>Prefer: respond-async</c>: its 202, with
    /// <typeparamref name="TAccepted"/> as the body and <c>Preference-Applied</c> (Location, for one
    /// transfer, is added to every documented 202).
    /// </summary>
    public static RouteHandlerBuilder RespondsAsync<TAccepted>(this RouteHandlerBuilder builder) =>
        builder.Produces<TAccepted>(StatusCodes.Status202Accepted)
            .WithMetadata(new SendsHeader(ResponseHeaders.PreferenceApplied, Required: false, StatusCodes.Status202Accepted));
}
