using System.Collections.Concurrent;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.Tokens;

namespace Strongroom.Infrastructure.Security;

/// <summary>
/// Our access tokens' validator (a <see cref="TokenHandler"/> in <c>JwtBearerOptions.TokenHandlers</c>)
/// that remembers each token it accepted, so a client presenting the same token again is not
/// parsed, HMAC-checked and turned into claims again. Only the first step is skipped: the
/// <c>OnTokenValidated</c> event (disabled user, revoked client, stored roles) and every
/// authorization rule (MFA, recent sign-in) still run on every request.
/// <list type="bullet">
/// <item>Keyed by the SHA-256 of the token, never the token: a tampered one (same payload, other signature) is another key.</item>
/// <item>An entry is honoured only while the token itself would pass: its <c>nbf</c>/<c>exp</c> are checked on every
/// hit by <see cref="TokenLifetime"/> with the validator's clock and skew, and it is dropped after <see cref="MaxAge"/> regardless.</item>
/// <item>An entry is honoured only while the key that verified it is still among the signing keys; when the
/// options bring another key set (rotation), the cache is emptied.</item>
/// <item>At most <c>capacity</c> entries; when full, spent entries go first, then arbitrary ones, by one sweeping thread.</item>
/// <item>Each hit gets its own copy of the claims identity, so nothing one request does to it is seen by another.</item>
/// </list>
/// </summary>
public sealed class ValidatedTokenCache : TokenHandler
{
    /// <summary>The longest an entry is honoured, however long its token lives.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(5);

    /// <summary>Our tokens are well under a kilobyte; anything longer is validated every time rather than hashed on the stack.</summary>
    private const int MaxTokenBytes = 2048;

    private readonly TokenHandler _validator;
    private readonly int _capacity;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<TokenHash, Entry> _entries = new();
    private int _count;
    private int _sweeping;
    private SecurityKey[] _signingKeys = [];

    /// <param name="validator">What validates a token the cache does not know (the JSON web token handler).</param>
    /// <param name="capacity">The most entries held at once; 0 turns the cache off.</param>
    /// <param name="time">The clock the validator judges lifetimes by (<see cref="TokenLifetime"/>).</param>
    public ValidatedTokenCache(TokenHandler validator, int capacity, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(validator);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        _validator = validator;
        _capacity = capacity;
        _time = time;
    }

    /// <summary>How many validated tokens are held now; never more than the capacity.</summary>
    public int Count => Volatile.Read(ref _count);

    public override Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
    {
        ArgumentNullException.ThrowIfNull(validationParameters);
        // A key set given as a list is what we can tie entries to; a single key or a resolver is validated every time.
        if (_capacity == 0 || validationParameters.IssuerSigningKeys is not { } signingKeys || !TryHash(token, out var hash))
        {
            return _validator.ValidateTokenAsync(token, validationParameters);
        }

        ForgetIfKeysChanged(signingKeys);
        var now = _time.GetUtcNow().UtcDateTime;
        if (_entries.TryGetValue(hash, out var entry))
        {
            if (Contains(signingKeys, entry.SigningKey) && entry.IsUsableAt(now, validationParameters.ClockSkew))
            {
                return Task.FromResult(entry.NewResult());
            }

            Remove(hash, entry);
        }

        return ValidateAndRememberAsync(token, hash, validationParameters, now);
    }

    public override Task<TokenValidationResult> ValidateTokenAsync(SecurityToken token, TokenValidationParameters validationParameters) =>
        _validator.ValidateTokenAsync(token, validationParameters);

    public override SecurityToken ReadToken(string token) => _validator.ReadToken(token);

    private async Task<TokenValidationResult> ValidateAndRememberAsync(
        string token, TokenHash hash, TokenValidationParameters validationParameters, DateTime now)
    {
        var result = await _validator.ValidateTokenAsync(token, validationParameters);
        // A token without an expiry is never remembered: nothing would say when to stop honouring it.
        if (result is { IsValid: true, SecurityToken: { ValidTo: var expires, SigningKey: { } signingKey } validated, ClaimsIdentity: { } identity }
            && expires != DateTime.MinValue)
        {
            var entry = new Entry(identity.Clone(), validated, result.Issuer, result.TokenType, signingKey, validated.ValidFrom, expires, now + MaxAge);
            Add(hash, entry, now, validationParameters.ClockSkew);
        }

        return result;
    }

    private void Add(TokenHash hash, Entry entry, DateTime now, TimeSpan clockSkew)
    {
        if (!TryReserve())
        {
            Sweep(now, clockSkew);
            if (!TryReserve())
            {
                return;
            }
        }

        if (!_entries.TryAdd(hash, entry))
        {
            Interlocked.Decrement(ref _count);
        }
    }

    /// <summary>Counts the entry in before it is added, so concurrent adds never take the cache past its capacity.</summary>
    private bool TryReserve()
    {
        if (Interlocked.Increment(ref _count) <= _capacity)
        {
            return true;
        }

        Interlocked.Decrement(ref _count);
        return false;
    }

    private void Remove(TokenHash hash, Entry entry)
    {
        if (_entries.TryRemove(KeyValuePair.Create(hash, entry)))
        {
            Interlocked.Decrement(ref _count);
        }
    }

    /// <summary>Drops the entries no longer usable, then, if that freed too little, arbitrary ones down to three quarters of the capacity.</summary>
    private void Sweep(DateTime now, TimeSpan clockSkew)
    {
        if (Interlocked.CompareExchange(ref _sweeping, 1, 0) != 0)
        {
            return;
        }

        try
        {
            foreach (var (hash, entry) in _entries)
            {
                if (!entry.IsUsableAt(now, clockSkew))
                {
                    Remove(hash, entry);
                }
            }

            var target = _capacity - Math.Max(1, _capacity / 4);
            foreach (var (hash, entry) in _entries)
            {
                if (Count <= target)
                {
                    break;
                }

                Remove(hash, entry);
            }
        }
        finally
        {
            Volatile.Write(ref _sweeping, 0);
        }
    }

    /// <summary>
    /// Another key set than last time (rotated keys): what was validated before is dropped. Each
    /// request brings a copy of the list (the handler clones the parameters), so the keys themselves are compared.
    /// </summary>
    private void ForgetIfKeysChanged(IEnumerable<SecurityKey> signingKeys)
    {
        var seen = Volatile.Read(ref _signingKeys);
        if (SameKeys(seen, signingKeys))
        {
            return;
        }

        if (Interlocked.CompareExchange(ref _signingKeys, [.. signingKeys], seen) == seen && seen.Length > 0)
        {
            foreach (var (hash, entry) in _entries)
            {
                Remove(hash, entry);
            }
        }
    }

    private static bool SameKeys(SecurityKey[] seen, IEnumerable<SecurityKey> current)
    {
        if (current is IReadOnlyList<SecurityKey> list)
        {
            if (list.Count != seen.Length)
            {
                return false;
            }

            for (var i = 0; i < seen.Length; i++)
            {
                if (!ReferenceEquals(list[i], seen[i]))
                {
                    return false;
                }
            }

            return true;
        }

        return current.SequenceEqual(seen, ReferenceEqualityComparer.Instance);
    }

    /// <summary>The key that verified an entry is still one we accept (by reference: the very key object of these options).</summary>
    private static bool Contains(IEnumerable<SecurityKey> signingKeys, SecurityKey key)
    {
        if (signingKeys is IReadOnlyList<SecurityKey> list)
        {
            for (var i = 0; i < list.Count; i++)
            {
                if (ReferenceEquals(list[i], key))
                {
                    return true;
                }
            }

            return false;
        }

        return signingKeys.Contains(key, ReferenceEqualityComparer.Instance);
    }

    /// <summary>SHA-256 of the token's UTF-8 bytes.</summary>
    private static bool TryHash(string token, out TokenHash hash)
    {
        Span<byte> bytes = stackalloc byte[MaxTokenBytes];
        if (string.IsNullOrEmpty(token) || !Encoding.UTF8.TryGetBytes(token, bytes, out var written))
        {
            hash = default;
            return false;
        }

        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(bytes[..written], digest);
        hash = new TokenHash(
            BitConverter.ToUInt64(digest), BitConverter.ToUInt64(digest[8..]), BitConverter.ToUInt64(digest[16..]), BitConverter.ToUInt64(digest[24..]));
        return true;
    }

    private readonly record struct TokenHash(ulong First, ulong Second, ulong Third, ulong Fourth);

    /// <summary>A validated token; <c>Identity</c> is a copy no request ever sees (each hit gets a copy of it).</summary>
    private sealed record Entry(
        ClaimsIdentity Identity, SecurityToken Token, string? Issuer, string? TokenType, SecurityKey SigningKey,
        DateTime NotBefore, DateTime Expires, DateTime CachedUntil)
    {
        /// <summary>As the lifetime validator judges it, and not past <see cref="MaxAge"/>.</summary>
        public bool IsUsableAt(DateTime now, TimeSpan clockSkew) =>
            now < CachedUntil && TokenLifetime.IsCurrent(NotBefore == DateTime.MinValue ? null : NotBefore, Expires, now, clockSkew);

        public TokenValidationResult NewResult() => new()
        {
            IsValid = true,
            ClaimsIdentity = Identity.Clone(),
            SecurityToken = Token,
            Issuer = Issuer,
            TokenType = TokenType,
        };
    }
}
