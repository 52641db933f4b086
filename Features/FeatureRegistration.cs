using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Strongroom.Features.Accounts;
using Strongroom.Features.Admin;
using Strongroom.Features.Audit;
using Strongroom.Features.Clients;
using Strongroom.Features.Identity;
using Strongroom.Features.Ledger;
using Strongroom.Features.Profiles;
using Strongroom.Features.Transfers;
using Strongroom.Features.Users;
using Strongroom.Features.Vocabulary;
using Strongroom.Infrastructure.Hosting;
using Strongroom.Infrastructure.Security;
using Strongroom.Infrastructure.Caching;

namespace Strongroom.Features;

public static class FeatureRegistration
{
    public static IServiceCollection AddFeatures(this IServiceCollection services)
    {
        // Called here, where the endpoints are mapped, so the validation source generator sees their parameter types.
        services.AddValidation();
        services.AddLedger();
        services.AddSingleton<AccountCache>();
        services.AddSingleton<ProfileCache>();
        services.AddCachedTypes(AccountCacheJsonContext.Default);
        services.AddSingleton<Authorities>();
        services.AddSingleton<IAuthorities>(sp => sp.GetRequiredService<Authorities>());
        services.AddCachedTypes(AuthorityCacheJsonContext.Default);
        services.AddSingleton<RefreshTokens>();
        services.AddSingleton<SignInThrottle>();
        services.AddSingleton<MfaFactors>();
        services.AddSingleton<IExternalIdentities, ExternalIdentities>();
        return services;
    }

    /// <summary>
    /// Every capability and the module it belongs to, explicitly: no scanning, no reflection. A
    /// module not in <c>Modules:Enabled</c> is not mapped at all, so its paths answer 404 and are
    /// absent from the OpenAPI document.
    /// </summary>
    private static readonly (string Module, Func<IEndpointRouteBuilder, IEndpointRouteBuilder> Map)[] Capabilities =
    [
        (Modules.Identity, IdentityEndpoints.MapIdentity),
        (Modules.Accounts, AccountsEndpoints.MapAccounts),
        (Modules.Transfers, TransfersEndpoints.MapTransfers),
        (Modules.Admin, AdminEndpoints.MapAdmin),
        (Modules.Users, UsersEndpoints.MapUsers),
        (Modules.Profiles, ProfileEndpoints.MapProfiles),
        (Modules.Audit, AuditEndpoints.MapAudit),
        (Modules.Clients, ClientsEndpoints.MapClients),
    ];

    /// <summary>The enabled modules' endpoints.</summary>
    public static IEndpointRouteBuilder MapFeatures(this IEndpointRouteBuilder app)
    {
        var modules = app.ServiceProvider.GetRequiredService<IOptions<ModulesOptions>>().Value;
        foreach (var (module, map) in Capabilities)
        {
            if (modules.IsEnabled(module))
            {
                map(app);
            }
        }

        return app;
    }
}
