using Microsoft.Extensions.Configuration;

namespace Strongroom.Infrastructure.Hosting;

/// <summary>
/// Bound from <c>Cluster</c>: whether this process is one of several replicas sharing a database.
/// Replicas must agree on every key (a token signed by one is checked by another; personal data
/// written by one is read by another), so a replica never generates keys of its own: the
/// Development and embedded-default conveniences that write a key to <c>data/</c> are refused,
/// and start-up fails naming the keys to configure.
/// </summary>
public sealed class ClusterOptions
{
    public const string Section = "Cluster";

    internal const string ModulesEnabledKey = "Modules:Enabled";
    internal const string RedisConfigurationKey = "Redis:Configuration";

    /// <summary>
    /// <c>true</c>: one of several replicas. Unset: inferred, true when <c>Modules:Enabled</c> is set
    /// (a replica serving some modules implies others serving the rest) or <c>Redis:Configuration</c>
    /// is (a shared cache exists to be shared). <c>false</c> says "alone" even then.
    /// </summary>
    public bool? Enabled { get; set; }

    public bool IsClustered => Enabled == true;

    /// <summary>Why start-up refuses: <paramref name="keys"/> are missing and would otherwise be generated per replica.</summary>
    public static string KeysRequired(string keys) =>
        $"{keys} must be configured when several replicas run (Cluster:Enabled, Modules:Enabled or Redis:Configuration is set): "
        + "a key generated in data/ would differ from replica to replica. Give every replica the same keys (scripts/cluster generates a set), "
        + "or set Cluster:Enabled=false for a single instance.";

    internal static void Infer(ClusterOptions options, IConfiguration configuration) =>
        options.Enabled ??= IsSet(configuration.GetSection(ModulesEnabledKey)) || IsSet(configuration.GetSection(RedisConfigurationKey));

    private static bool IsSet(IConfigurationSection section) =>
        !string.IsNullOrWhiteSpace(section.Value) || section.GetChildren().Any(child => !string.IsNullOrWhiteSpace(child.Value));
}
