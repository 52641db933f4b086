using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Strongroom.Infrastructure.Hosting;

/// <summary>Bound from <c>Modules</c>.</summary>
public sealed class ModulesOptions
{
    public const string Section = "Modules";

    /// <summary>
    /// Comma-separated module names (<c>Identity,Profiles</c>), case-insensitive; unset or empty means
    /// every module. Health and the API documents are always served.
    /// </summary>
    public string? Enabled { get; set; }

    /// <summary>The names listed, as written; empty when every module is on.</summary>
    public IReadOnlyList<string> Listed() =>
        string.IsNullOrWhiteSpace(Enabled) ? [] : Enabled.Split([',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public bool IsEnabled(string module)
    {
        var listed = Listed();
        return listed.Count == 0 || listed.Contains(module, StringComparer.OrdinalIgnoreCase);
    }
}

/// <summary>Refuses a name in <c>Modules:Enabled</c> that is not one of the modules the features declare.</summary>
internal sealed class ModulesValidation(IReadOnlyList<string> modules) : IValidateOptions<ModulesOptions>
{
    public ValidateOptionsResult Validate(string? name, ModulesOptions options)
    {
        var unknown = options.Listed().Where(listed => !modules.Contains(listed, StringComparer.OrdinalIgnoreCase)).ToList();
        return unknown.Count == 0
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"Modules:Enabled names unknown module(s) {string.Join(", ", unknown.Select(u => $"'{u}'"))}; "
                + $"the modules are {string.Join(", ", modules)} (unset means all of them).");
    }
}

public static class ModulesSetup
{
    /// <summary>
    /// <c>Modules:Enabled</c>, validated at start-up against <paramref name="modules"/> (the list
    /// the features declare), and <c>Cluster:Enabled</c>, the rule that replicas share their keys.
    /// </summary>
    public static IServiceCollection AddStrongroomReplicas(this IServiceCollection services, IReadOnlyList<string> modules)
    {
        services.AddOptions<ModulesOptions>().BindConfiguration(ModulesOptions.Section)
            // Also accepted as a list (Modules:Enabled:0=Identity, …), as environment variables often are.
            .PostConfigure<IConfiguration>((options, configuration) =>
            {
                if (string.IsNullOrWhiteSpace(options.Enabled))
                {
                    options.Enabled = string.Join(',', configuration.GetSection(ClusterOptions.ModulesEnabledKey).GetChildren().Select(child => child.Value));
                }
            })
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<ModulesOptions>>(new ModulesValidation(modules));
        services.AddOptions<ClusterOptions>().BindConfiguration(ClusterOptions.Section)
            .PostConfigure<IConfiguration>(ClusterOptions.Infer);
        return services;
    }
}
