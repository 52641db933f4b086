using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Strongroom.Infrastructure.Database;
using Strongroom.Infrastructure.Hosting;

namespace Strongroom.Infrastructure.Security;

/// <summary>
/// Resolves the token signing key: the configured one, or, only in Development or the embedded
/// default, one generated once and kept in <c>data/signing.key</c> so tokens survive a restart.
/// Production with no key fails validation, so the host does not start; so does a replica of a
/// cluster (<see cref="ClusterOptions"/>), whose generated key no other replica would know.
/// </summary>
internal sealed partial class SigningKeySetup(
    IHostEnvironment environment, IOptions<DatabaseOptions> database, IOptions<ClusterOptions> cluster, ILogger<SigningKeySetup> logger)
    : IPostConfigureOptions<AuthOptions>, IValidateOptions<AuthOptions>
{
    public const string KeyFileName = "signing.key";

    private int _warned;

    public void PostConfigure(string? name, AuthOptions options)
    {
        options.PreviousSigningKeyBytes = [.. options.PreviousSigningKeys.Select(key => LocalSecrets.TryDecode(key) ?? [])];
        if (!string.IsNullOrWhiteSpace(options.SigningKey))
        {
            options.SigningKeyBytes = LocalSecrets.TryDecode(options.SigningKey) ?? [];
            return;
        }

        if ((environment.IsDevelopment() || database.Value.IsEmbeddedDefault) && !cluster.Value.IsClustered)
        {
            var path = Path.Combine(DatabaseSetup.DataDirectory(environment), KeyFileName);
            options.SigningKeyBytes = LocalSecrets.LoadOrCreate(path, 64);
            if (Interlocked.Exchange(ref _warned, 1) == 0)
            {
                LogGeneratedKey(logger, path);
            }
        }
    }

    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        if (options.SigningKeyBytes.Length == 0 && string.IsNullOrWhiteSpace(options.SigningKey))
        {
            return ValidateOptionsResult.Fail(cluster.Value.IsClustered
                ? ClusterOptions.KeysRequired("Auth:SigningKey (base64 of at least 32 random bytes)")
                : "Auth:SigningKey is required (base64 of at least 32 random bytes).");
        }

        if (options.SigningKeyBytes.Length < AuthOptions.MinimumKeyBytes)
        {
            return ValidateOptionsResult.Fail($"Auth:SigningKey must be base64 of at least {AuthOptions.MinimumKeyBytes} bytes (256 bits).");
        }

        if (options.PreviousSigningKeyBytes.Any(key => key.Length < AuthOptions.MinimumKeyBytes))
        {
            return ValidateOptionsResult.Fail($"Every Auth:PreviousSigningKeys entry must be base64 of at least {AuthOptions.MinimumKeyBytes} bytes (256 bits).");
        }

        if (options.ClockSkew < TimeSpan.Zero || options.ClockSkew > TimeSpan.FromSeconds(30))
        {
            return ValidateOptionsResult.Fail("Auth:ClockSkew must be between 0 and 30 seconds.");
        }

        if (options.ValidatedTokenCacheSize is < 0 or > 1_000_000)
        {
            return ValidateOptionsResult.Fail("Auth:ValidatedTokenCacheSize must be between 0 (off) and 1000000.");
        }

        if (options.AccessTokenLifetime <= TimeSpan.Zero || string.IsNullOrWhiteSpace(options.Issuer) || string.IsNullOrWhiteSpace(options.Audience))
        {
            return ValidateOptionsResult.Fail("Auth:Issuer, Auth:Audience and a positive Auth:AccessTokenLifetime are required.");
        }

        if (options.RecentSignInWindow <= TimeSpan.Zero || options.RegistrationRateLimit is not { PermitLimit: > 0 } || options.RegistrationRateLimit.Window <= TimeSpan.Zero)
        {
            return ValidateOptionsResult.Fail("Auth:RecentSignInWindow and Auth:RegistrationRateLimit (PermitLimit, Window) must be positive.");
        }

        return ValidateOptionsResult.Success;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Auth:SigningKey is not configured; using the generated development key in {KeyPath}. Configure a key before going to production.")]
    private static partial void LogGeneratedKey(ILogger logger, string keyPath);
}
