using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Strongroom.Infrastructure.Security;

public static class AuditedEndpoints
{
    private const string DetailsKey = "strongroom.audit.details";

    /// <summary>
    /// What the change was (before and after, as codes and ids: never a secret or a personal value),
    /// for the record <see cref="AuditSuccessfulChanges"/> writes when the endpoint succeeds.
    /// </summary>
    public static void SetAuditDetails(this HttpContext context, string details) => context.Items[DetailsKey] = details;

    /// <summary>
    /// Records every successful change (any method but GET) made through the group's endpoints:
    /// the action is the endpoint's name, the actor the caller, the target the route's <c>id</c>.
    /// </summary>
    public static TBuilder AuditSuccessfulChanges<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            var result = await next(context);
            var http = context.HttpContext;
            if (!HttpMethods.IsGet(http.Request.Method) && Succeeded(result)
                && http.GetEndpoint()?.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.IEndpointNameMetadata>() is { } name)
            {
                await http.RequestServices.GetRequiredService<AuditLog>().RecordAsync(
                    new AuditEvent(name.EndpointName, ActorId: http.User.FindFirst(StrongroomClaims.Subject)?.Value, Target: http.GetRouteValue("id") as string,
                        Details: http.Items.TryGetValue(DetailsKey, out var details) ? details as string : null),
                    http, http.RequestAborted);
            }

            return result;
        });

    private static bool Succeeded(object? result) => result switch
    {
        INestedHttpResult nested => Succeeded(nested.Result),
        IStatusCodeHttpResult { StatusCode: { } status } => status is >= 200 and < 300,
        _ => false,
    };
}
