using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Strongroom.Infrastructure.Events;
using Strongroom.Infrastructure.Security;

namespace Strongroom.Features.Webhooks;

public static class WebhooksEndpoints
{
    /// <summary>A person's own webhook endpoints (staff's receive every event of their types), signed per Standard Webhooks 1.0.</summary>
    public static IEndpointRouteBuilder MapWebhooks(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/webhooks/endpoints").WithTags("Webhooks").RequireAuthorization(Policies.Customer);
        group.MapCreateWebhookEndpoint();
        group.MapListWebhookEndpoints();
        group.MapGetWebhookEndpoint();
        group.MapDeleteWebhookEndpoint();
        group.MapRotateWebhookSecret();
        group.MapTestWebhookEndpoint();
        group.MapListWebhookDeliveries();
        group.MapRetryWebhookDelivery();
        return app;
    }

    public static IServiceCollection AddWebhooks(this IServiceCollection services)
    {
        services.AddOptions<WebhookOptions>().BindConfiguration(WebhookOptions.Section)
            .Validate(o => o.Timeout > TimeSpan.Zero && o.Timeout <= TimeSpan.FromMinutes(5), "Webhooks:Timeout must be positive and at most 5 minutes.")
            .Validate(o => o.LeaseDuration > o.Timeout, "Webhooks:LeaseDuration must be longer than Webhooks:Timeout, so an attempt ends before another replica may take it over.")
            .Validate(o => o.Schedule.All(delay => delay > TimeSpan.Zero), "Webhooks:RetrySchedule delays must be positive.")
            .Validate(o => o.MaxRetryAfter > TimeSpan.Zero && o.SecretOverlap >= TimeSpan.Zero && o.PollInterval > TimeSpan.Zero && o.PurgeInterval > TimeSpan.Zero,
                "Webhooks:MaxRetryAfter, PollInterval and PurgeInterval must be positive, SecretOverlap not negative.")
            .Validate(o => o.MaxConcurrentDeliveries > 0 && o.MaxConcurrentPerEndpoint > 0, "Webhooks:MaxConcurrentDeliveries and MaxConcurrentPerEndpoint must be positive.")
            .ValidateOnStart();
        services.TryAddSingleton<EventSignal>();
        services.AddSingleton<WebhookSender>();
        services.AddHostedService<WebhookDispatcher>();
        return services;
    }
}
