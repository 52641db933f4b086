using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Strongroom.Infrastructure.Database;
using Strongroom.Infrastructure.Hosting;

namespace Strongroom.Infrastructure.Security;

/// <summary>Bound from <c>Security</c>: the keys that protect personal data at rest.</summary>
public sealed class PersonalDataOptions
{
    public const string Section = "Security";

    /// <summary>Versioned AES-256 keys: <c>Security:DataKeys:0:Id</c>, <c>…:0:Key</c> (base64 of 32 bytes).</summary>
    public List<DataKey> DataKeys { get; set; } = [];

    /// <summary>The key new writes use; default: the last one listed. Old keys stay listed until <c>rotate-keys</c> has run.</summary>
    public string? ActiveDataKey { get; set; }

    /// <summary>HMAC key (base64, at least 32 bytes) for the email blind index. Changing it needs a re-index, so it is not rotated with the data keys.</summary>
    public string? BlindIndexKey { get; set; }

    public sealed class DataKey
    {
        public string Id { get; set; } = "";

        public string Key { get; set; } = "";
    }
}

/// <summary>
/// Encrypts personal data (AES-256-GCM) for storage as <c>keyId:base64(nonce|ciphertext|tag)</c>,
/// bound to where it is stored (the associated data names table, column and row, so a value
/// copied elsewhere does not decrypt), and computes the keyed blind index used to find and keep
/// emails unique without storing them in the clear.
/// </summary>
public sealed class PersonalDataProtector
{
    private const int NonceBytes = 12;
    private const int TagBytes = 16;
    private readonly Dictionary<string, byte[]> _keys;
    private readonly byte[] _activeKey;
    private readonly byte[] _blindIndexKey;

    internal PersonalDataProtector(Dictionary<string, byte[]> keys, string activeKeyId, byte[] blindIndexKey)
    {
        _keys = keys;
        ActiveKeyId = activeKeyId;
        _activeKey = keys[activeKeyId];
        _blindIndexKey = blindIndexKey;
    }

    public string ActiveKeyId { get; }

    public string Protect(string plaintext, string context)
    {
        var input = Encoding.UTF8.GetBytes(plaintext);
        var output = new byte[NonceBytes + input.Length + TagBytes];
        var nonce = output.AsSpan(0, NonceBytes);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_activeKey, TagBytes);
        aes.Encrypt(nonce, input, output.AsSpan(NonceBytes, input.Length), output.AsSpan(NonceBytes + input.Length), Encoding.UTF8.GetBytes(context));
        return $"{ActiveKeyId}:{Convert.ToBase64String(output)}";
    }

    public string Unprotect(string stored, string context)
    {
        var separator = stored.IndexOf(':', StringComparison.Ordinal);
        if (separator <= 0 || !_keys.TryGetValue(stored[..separator], out var key))
        {
            throw new CryptographicException("Personal data was written under a key that is not configured.");
        }

        var data = Convert.FromBase64String(stored[(separator + 1)..]);
        var plaintext = new byte[data.Length - NonceBytes - TagBytes];
        using var aes = new AesGcm(key, TagBytes);
        aes.Decrypt(data.AsSpan(0, NonceBytes), data.AsSpan(NonceBytes, plaintext.Length), data.AsSpan(NonceBytes + plaintext.Length), plaintext, Encoding.UTF8.GetBytes(context));
        return Encoding.UTF8.GetString(plaintext);
    }

    public string? ProtectOptional(string? plaintext, string context) => plaintext is null ? null : Protect(plaintext, context);

    public string? UnprotectOptional(string? stored, string context) => stored is null ? null : Unprotect(stored, context);

    /// <summary>True when <paramref name="stored"/> (if any) is already under the active key.</summary>
    public bool IsCurrent(string? stored) => stored is null || stored.StartsWith(ActiveKeyId + ":", StringComparison.Ordinal);

    /// <summary>A keyed HMAC of an (already normalised) email: equal emails, equal index; nothing to read back.</summary>
    public string EmailIndex(string normalizedEmail) =>
        Convert.ToBase64String(HMACSHA256.HashData(_blindIndexKey, Encoding.UTF8.GetBytes(normalizedEmail)));
}

/// <summary>
/// Resolves the data keys: configured ones, or (Development and the embedded default, never on a
/// replica of a cluster) keys generated once into <c>data/</c>.
/// </summary>
internal sealed partial class PersonalDataSetup(
    IHostEnvironment environment, IOptions<DatabaseOptions> database, IOptions<ClusterOptions> cluster, ILogger<PersonalDataSetup> logger)
    : IPostConfigureOptions<PersonalDataOptions>, IValidateOptions<PersonalDataOptions>
{
    private const string LocalKeyId = "local-1";
    private int _warned;

    public void PostConfigure(string? name, PersonalDataOptions options)
    {
        // Replicas of a cluster each generating their own key would each write personal data the others cannot read.
        if (options.DataKeys.Count > 0 || !(environment.IsDevelopment() || database.Value.IsEmbeddedDefault) || cluster.Value.IsClustered)
        {
            return;
        }

        var folder = DatabaseSetup.DataDirectory(environment);
        options.DataKeys.Add(new PersonalDataOptions.DataKey { Id = LocalKeyId, Key = Convert.ToBase64String(LocalSecrets.LoadOrCreate(Path.Combine(folder, "data.key"), 32)) });
        options.BlindIndexKey ??= Convert.ToBase64String(LocalSecrets.LoadOrCreate(Path.Combine(folder, "blind-index.key"), 32));
        if (Interlocked.Exchange(ref _warned, 1) == 0)
        {
            LogGenerated(logger, folder);
        }
    }

    public ValidateOptionsResult Validate(string? name, PersonalDataOptions options)
    {
        var failures = new List<string>();
        if (options.DataKeys.Count == 0)
        {
            failures.Add(cluster.Value.IsClustered
                ? ClusterOptions.KeysRequired("Security:DataKeys and Security:BlindIndexKey")
                : "Security:DataKeys needs at least one key (Id, and Key: base64 of 32 random bytes).");
        }

        foreach (var key in options.DataKeys)
        {
            if (string.IsNullOrWhiteSpace(key.Id) || key.Id.Contains(':', StringComparison.Ordinal))
            {
                failures.Add("Every Security:DataKeys entry needs an Id without ':'.");
            }

            if (LocalSecrets.TryDecode(key.Key) is not { Length: 32 })
            {
                failures.Add($"Security:DataKeys '{key.Id}' must be base64 of exactly 32 bytes (AES-256).");
            }
        }

        if (options.DataKeys.Select(k => k.Id).Distinct(StringComparer.Ordinal).Count() != options.DataKeys.Count)
        {
            failures.Add("Security:DataKeys ids must be unique.");
        }

        if (options.ActiveDataKey is { } active && options.DataKeys.All(k => k.Id != active))
        {
            failures.Add($"Security:ActiveDataKey '{active}' is not among Security:DataKeys.");
        }

        if (LocalSecrets.TryDecode(options.BlindIndexKey) is not { Length: >= 32 })
        {
            failures.Add("Security:BlindIndexKey must be base64 of at least 32 bytes.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    public static PersonalDataProtector Create(PersonalDataOptions options) => new(
        options.DataKeys.ToDictionary(k => k.Id, k => LocalSecrets.TryDecode(k.Key)!, StringComparer.Ordinal),
        options.ActiveDataKey ?? options.DataKeys[^1].Id,
        LocalSecrets.TryDecode(options.BlindIndexKey)!);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Security:DataKeys is not configured; using generated development keys in {KeyFolder}. Configure keys before going to production.")]
    private static partial void LogGenerated(ILogger logger, string keyFolder);
}

public static class PersonalDataSetupExtensions
{
    public static IServiceCollection AddPersonalDataProtection(this IServiceCollection services)
    {
        services.AddOptions<PersonalDataOptions>().BindConfiguration(PersonalDataOptions.Section).ValidateOnStart();
        services.AddSingleton<PersonalDataSetup>();
        services.AddSingleton<IPostConfigureOptions<PersonalDataOptions>>(sp => sp.GetRequiredService<PersonalDataSetup>());
        services.AddSingleton<IValidateOptions<PersonalDataOptions>>(sp => sp.GetRequiredService<PersonalDataSetup>());
        services.AddSingleton(sp => PersonalDataSetup.Create(sp.GetRequiredService<IOptions<PersonalDataOptions>>().Value));
        return services;
    }
}
