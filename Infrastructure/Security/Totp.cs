using System.Security.Cryptography;
using System.Text;
using OtpNet;

namespace Strongroom.Infrastructure.Security;

/// <summary>
/// Time-based one-time passwords as authenticator apps make them (RFC 6238): HMAC-SHA-1,
/// 6 digits, 30-second steps, a 160-bit shared secret written in base32. A code is accepted one
/// step either side of now (clock drift), and only for a step later than the last one accepted,
/// so each code works once.
/// </summary>
public static class Totp
{
    public const int Digits = 6;
    public const int StepSeconds = 30;
    public const string Issuer = "Strongroom";

    /// <summary>RFC 4226 §4 asks for at least 128 bits and recommends 160: the HMAC-SHA-1 block size is no limit.</summary>
    private const int SecretBytes = 20;

    private static readonly VerificationWindow Drift = new(previous: 1, future: 1);

    public static byte[] NewSecret() => KeyGeneration.GenerateRandomKey(SecretBytes);

    public static string ToBase32(byte[] secret) => Base32Encoding.ToString(secret).TrimEnd('=');

    public static byte[] FromBase32(string base32) => Base32Encoding.ToBytes(base32);

    /// <summary>The <c>otpauth://</c> URI an authenticator app reads from a QR code; the account is named by user id, not email.</summary>
    public static string EnrolmentUri(string base32Secret, string account) =>
        $"otpauth://totp/{Uri.EscapeDataString(Issuer)}:{Uri.EscapeDataString(account)}?secret={base32Secret}&issuer={Uri.EscapeDataString(Issuer)}&algorithm=SHA1&digits={Digits}&period={StepSeconds}";

    /// <summary>The RFC 6238 time step (T) that <paramref name="at"/> falls in.</summary>
    public static long StepAt(DateTimeOffset at) => at.ToUnixTimeSeconds() / StepSeconds;

    /// <summary>The code for the step <paramref name="at"/> falls in.</summary>
    public static string Compute(byte[] secret, DateTimeOffset at) => Generator(secret).ComputeTotp(at.UtcDateTime);

    /// <summary>True when <paramref name="code"/> has the shape of a TOTP code (six digits) rather than a recovery code.</summary>
    public static bool LooksLikeCode(string code) => code.Length == Digits && code.All(char.IsAsciiDigit);

    /// <summary>
    /// The step <paramref name="code"/> belongs to when it is valid at <paramref name="now"/> (±1 step)
    /// and later than <paramref name="lastAcceptedStep"/>; null otherwise. The caller must record the
    /// step atomically (only if still later than what is stored) before trusting it.
    /// </summary>
    public static long? Verify(byte[] secret, string code, DateTimeOffset now, long? lastAcceptedStep)
    {
        if (!LooksLikeCode(code))
        {
            return null;
        }

        var generator = Generator(secret);
        var current = StepAt(now);
        // Every candidate is computed, matched or not, so timing does not tell which step matched.
        long? matched = null;
        foreach (var step in Drift.ValidationCandidates(current))
        {
            var candidate = generator.ComputeTotp(DateTimeOffset.FromUnixTimeSeconds(step * StepSeconds).UtcDateTime);
            if (CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(candidate), Encoding.ASCII.GetBytes(code)) && step > (lastAcceptedStep ?? long.MinValue))
            {
                matched ??= step;
            }
        }

        return matched;
    }

    private static OtpNet.Totp Generator(byte[] secret) => new(secret, StepSeconds, OtpHashMode.Sha1, Digits);
}
