using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Strongroom.Infrastructure.Events;

namespace Strongroom.Features.Events;

public static class EventsSetup
{
    public static IServiceCollection AddEvents(this IServiceCollection services)
    {
        services.AddOptions<EventsOptions>().BindConfiguration(EventsOptions.Section)
            .Validate(o => o.Retention > TimeSpan.Zero, "Events:Retention must be positive.")
            .Validate(o => o.PurgeInterval > TimeSpan.Zero, "Events:PurgeInterval must be positive.")
            .ValidateOnStart();
        // Every commit that writes events rings it, whichever modules this replica serves.
        services.TryAddSingleton<EventSignal>();
        // Stands down where Events is not enabled; safe on several replicas at once (see the job).
        services.AddHostedService<EventPurgeJob>();
        return services;
    }
}
