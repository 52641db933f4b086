using Microsoft.Extensions.DependencyInjection;
using Strongroom.Infrastructure.Caching;
using Strongroom.Infrastructure.Security;

namespace Strongroom.Features.Vocabulary;

public static class VocabularySetup
{
    /// <summary>The cached reads of the shared nouns, which several capabilities read or evict.</summary>
    public static IServiceCollection AddVocabulary(this IServiceCollection services)
    {
        services.AddSingleton<AccountCache>();
        services.AddSingleton<ProfileCache>();
        services.AddCachedTypes(AccountCacheJsonContext.Default);
        services.AddSingleton<Authorities>();
        services.AddSingleton<IAuthorities>(sp => sp.GetRequiredService<Authorities>());
        services.AddCachedTypes(AuthorityCacheJsonContext.Default);
        return services;
    }
}
