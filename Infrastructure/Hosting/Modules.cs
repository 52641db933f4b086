using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Strongroom.Infrastructure.Hosting;

/// <summary>
/// The capabilities a replica can serve. <c>Modules:Enabled</c> picks some of them, so a deployment
/// can scale money movement apart from sign-in and profiles; each module's endpoints and
/// background jobs exist only where it is enabled.
/// </summary>
public static class Modules
{
    /// <summary>Register, token, revoke, second factor (<c>/v1/auth</c>, <c>/v1/me/mfa</c>).</summary>
    public const string Identity = "Identity";

    /// <summary>The caller's profile (<c>/v1/me</c>).</summary>
    public const string Profiles = "Profiles";

    /// <summary>Open, read and list accounts and their statements (<c>/v1/accounts</c>).</summary>
    public const string Accounts = "Accounts";

    /// <summary>Every money movement (transfers, batches, holds, deposits, withdrawals), and the hold expiry and idempotency-key purge jobs.</summary>
    public const string Transfers = "Transfers";

    /// <summary>Account controls and the ledger-wide views (<c>/v1/admin/accounts</c>, <c>/v1/admin/ledger</c>).</summary>
    public const string Admin = "Admin";

    /// <summary>User administration (<c>/v1/admin/users</c>).</summary>
    public const string Users = "Users";

    /// <summary>The audit log (<c>/v1/admin/audit</c>).</summary>
    public const string Audit = "Audit";

    /// <summary>Service clients (<c>/v1/admin/clients</c>).</summary>
    public const string Clients = "Clients";

    public static IReadOnlyList<string> All { get; } = [Identity, Profiles, Accounts, Transfers, Admin, Users, Audit, Clients];
}

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

    /// <summary>The enabled modules by their canonical names.</summary>
    public IReadOnlyList<string> EnabledModules() => [.. Modules.All.Where(IsEnabled)];
}

internal sealed class ModulesValidation : IValidateOptions<ModulesOptions>
{
    public ValidateOptionsResult Validate(string? name, ModulesOptions options)
    {
        var unknown = options.Listed().Where(listed => !Modules.All.Contains(listed, StringComparer.OrdinalIgnoreCase)).ToList();
        return unknown.Count == 0
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"Modules:Enabled names unknown module(s) {string.Join(", ", unknown.Select(u => $"'{u}'"))}; "
                + $"the modules are {string.Join(", ", Modules.All)} (unset means all of them).");
    }
}

public static class ModulesSetup
{
    /// <summary><c>Modules:Enabled</c> (validated at start-up) and <c>Cluster:Enabled</c>, the rule that replicas share their keys.</summary>
    public static IServiceCollection AddStrongroomReplicas(this IServiceCollection services)
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
        services.AddSingleton<IValidateOptions<ModulesOptions>, ModulesValidation>();
        services.AddOptions<ClusterOptions>().BindConfiguration(ClusterOptions.Section)
            .PostConfigure<IConfiguration>(ClusterOptions.Infer);
        return services;
    }
}
