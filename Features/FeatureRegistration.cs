using Microsoft.Extensions.DependencyInjection;
using Strongroom.Features.Accounts;
using Strongroom.Features.Identity;

namespace Strongroom.Features;

public static class FeatureRegistration
{
    public static IServiceCollection AddFeatures(this IServiceCollection services)
    {
        // Called here, where the endpoints are mapped, so the validation source generator sees their parameter types.
        services.AddValidation();
        return services;
    }

    /// <summary>Every capability, explicitly: no scanning, no reflection.</summary>
    public static IEndpointRouteBuilder MapFeatures(this IEndpointRouteBuilder app)
    {
        app.MapIdentity();
        app.MapAccounts();
        return app;
    }
}
