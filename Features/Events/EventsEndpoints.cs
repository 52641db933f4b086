using Strongroom.Infrastructure.Security;

namespace Strongroom.Features.Events;

public static class EventsEndpoints
{
    public static IEndpointRouteBuilder MapEvents(this IEndpointRouteBuilder app)
    {
        // What happened to a person's own accounts (a service client's owner's, within its scopes); staff see everything.
        var group = app.MapGroup("/v1/events").WithTags("Events").RequireAuthorization(Policies.LedgerRead);
        group.MapListEvents();
        group.MapGetEvent();
        return app;
    }
}
