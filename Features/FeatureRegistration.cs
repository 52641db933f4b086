using Microsoft.Extensions.DependencyInjection;
using Strongroom.Features.Accounts;
using Strongroom.Features.Admin;
using Strongroom.Features.Audit;
using Strongroom.Features.Clients;
using Strongroom.Features.Identity;
using Strongroom.Features.Ledger;
using Strongroom.Features.Profiles;
using Strongroom.Features.Transfers;
using Strongroom.Features.Users;
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
        services.AddSingleton<RefreshTokens>();
        services.AddSingleton<SignInThrottle>();
        services.AddSingleton<MfaFactors>();
        services.AddSingleton<IExternalIdentities, ExternalIdentities>();
        return services;
    }

    /// <summary>Every capability, explicitly: no scanning, no reflection.</summary>
    public static IEndpointRouteBuilder MapFeatures(this IEndpointRouteBuilder app)
    {
        app.MapIdentity();
        app.MapAccounts();
        app.MapTransfers();
        app.MapAdmin();
        app.MapUsers();
        app.MapProfiles();
        app.MapAudit();
        app.MapClients();
        return app;
    }
}
