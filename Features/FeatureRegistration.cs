using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Strongroom.Features.Vocabulary;
using Strongroom.Infrastructure.Hosting;

namespace Strongroom.Features;

public static class FeatureRegistration
{
    /// <summary>The shared reads, then each capability's own services (see <see cref="Modules.Capabilities"/>).</summary>
    public static IServiceCollection AddFeatures(this IServiceCollection services)
    {
        // Called here, where the endpoints are mapped, so the validation source generator sees their parameter types.
        services.AddValidation();
        services.AddVocabulary();
        foreach (var capability in Modules.Capabilities)
        {
            capability.Add?.Invoke(services);
        }

        return services;
    }

    /// <summary>
    /// The enabled modules' endpoints. A module not in <c>Modules:Enabled</c> is not mapped at all,
    /// so its paths answer 404 and are absent from the OpenAPI document.
    /// </summary>
    public static IEndpointRouteBuilder MapFeatures(this IEndpointRouteBuilder app)
    {
        var modules = app.ServiceProvider.GetRequiredService<IOptions<ModulesOptions>>().Value;
        foreach (var capability in Modules.Capabilities)
        {
            if (modules.IsEnabled(capability.Module))
            {
                capability.Map(app);
            }
        }

        return app;
    }
}
