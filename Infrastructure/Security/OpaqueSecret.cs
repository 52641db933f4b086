using System.Security.Cryptography;
using System.Text;

namespace Strongroom.Infrastructure.Security;

/// <summary>
/// Random bearer secrets we issue and only ever keep hashed: refresh tokens, client secrets,
/// recovery codes. They are long and random, so a plain SHA-256 is a safe way to store them (no
/// slow hash needed: nothing to guess from the hash).
/// </summary>
public static class OpaqueSecret
{
    /// <summary>256 bits from the CSPRNG, base64url without padding.</summary>
    public static string New() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>The stored form: lower-case hex SHA-256.</summary>
    public static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    /// <summary>Compares in constant time, so the answer's timing says nothing about how much of a guess was right.</summary>
    public static bool Matches(string secret, string storedHash) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Hash(secret)), Encoding.ASCII.GetBytes(storedHash));
}
