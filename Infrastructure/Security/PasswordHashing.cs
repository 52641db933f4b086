using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Strongroom.Infrastructure.Security;

/// <summary>
/// PBKDF2-HMAC-SHA512 with a per-user random salt, stored as
/// <c>pbkdf2-sha512$&lt;iterations&gt;$&lt;salt&gt;$&lt;hash&gt;</c> so parameters can be raised later
/// and old hashes recognised (<see cref="NeedsUpgrade"/>).
/// </summary>
public static class PasswordHashing
{
    /// <summary>OWASP's 2023 floor for PBKDF2-HMAC-SHA512.</summary>
    public const int Iterations = 210_000;

    private const string Scheme = "pbkdf2-sha512";
    private const int SaltBytes = 16;
    private const int HashBytes = 64;

    /// <summary>A valid hash of a random password: verifying against it costs the same as a real
    /// check, so an unknown user and a wrong password take the same time.</summary>
    public static readonly string DecoyHash = Hash(Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)));

    public static string Hash(string password) => Hash(password, Iterations);

    /// <summary>With other parameters: only for hashes made before <see cref="Iterations"/> was raised.</summary>
    public static string Hash(string password, int iterations)
    {
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA512, HashBytes);
        return string.Create(CultureInfo.InvariantCulture, $"{Scheme}${iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}");
    }

    public static bool Verify(string password, string stored)
    {
        var parts = stored.Split('$');
        if (parts.Length != 4 || parts[0] != Scheme
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var iterations) || iterations < 1)
        {
            return false;
        }

        byte[] salt, expected;
        try
        {
            salt = Convert.FromBase64String(parts[2]);
            expected = Convert.FromBase64String(parts[3]);
        }
        catch (FormatException)
        {
            return false;
        }

        var actual = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA512, expected.Length);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    /// <summary>True for a hash made with other (older) parameters: re-hash it at the next successful sign-in.</summary>
    public static bool NeedsUpgrade(string stored) => !stored.StartsWith($"{Scheme}${Iterations}$", StringComparison.Ordinal);
}
