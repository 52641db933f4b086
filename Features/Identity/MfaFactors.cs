using System.Data.Common;
using System.Security.Cryptography;
using Strongroom.Features.Vocabulary;
using Strongroom.Infrastructure.Common;
using Strongroom.Infrastructure.Security;

namespace Strongroom.Features.Identity;

/// <summary>
/// A user's second factor: a TOTP secret (encrypted at rest like personal data) and one-time
/// recovery codes (stored as SHA-256). Checking a code spends it: a TOTP time step or a recovery
/// code is accepted at most once, decided by a conditional UPDATE so concurrent requests cannot
/// both win.
/// </summary>
public sealed class MfaFactors(PersonalDataProtector personalData, TimeProvider time)
{
    public const int RecoveryCodeCount = 10;

    /// <summary>80 random bits each: far beyond guessing, so an unsalted SHA-256 is enough to store them.</summary>
    private const int RecoveryCodeBytes = 10;

    public enum Check
    {
        Invalid,
        Totp,
        RecoveryCode,
    }

    public static async Task<TotpRow?> FindAsync(DbConnection connection, string userId, DbTransaction? transaction = null) =>
        await connection.QuerySingleOrDefaultAsync<TotpRow>(Sql.Find, new { UserId = userId }, transaction);

    public static async Task<bool> IsActiveAsync(DbConnection connection, string userId) =>
        await FindAsync(connection, userId) is { Status: TotpStatus.Active };

    /// <summary>Accepts a current TOTP code or an unused recovery code of an active factor, and spends it.</summary>
    public async Task<Check> CheckAsync(DbConnection connection, string userId, string code)
    {
        if (await FindAsync(connection, userId) is not { Status: TotpStatus.Active } totp)
        {
            return Check.Invalid;
        }

        if (Totp.LooksLikeCode(Compact(code)))
        {
            return await AcceptTotpAsync(connection, totp, code, TotpStatus.Active, transaction: null) ? Check.Totp : Check.Invalid;
        }

        var used = await connection.ExecuteAsync(Sql.UseRecoveryCode, new { UserId = userId, CodeHash = HashRecoveryCode(code), Now = UnixMicroseconds.Now(time) });
        return used == 1 ? Check.RecoveryCode : Check.Invalid;
    }

    /// <summary>
    /// True when <paramref name="code"/> is valid now for <paramref name="totp"/> (in <paramref name="status"/>)
    /// and its step is later than any accepted before; records the step, which activates a pending factor.
    /// </summary>
    public async Task<bool> AcceptTotpAsync(DbConnection connection, TotpRow totp, string code, string status, DbTransaction? transaction)
    {
        var secret = Totp.FromBase32(personalData.Unprotect(totp.Secret, UserIds.MfaSecretContext(totp.UserId)));
        if (Totp.Verify(secret, Compact(code), time.GetUtcNow(), totp.LastStep) is not { } step)
        {
            return false;
        }

        var accepted = await connection.ExecuteAsync(Sql.AcceptStep, new { totp.UserId, Step = step, Status = status, Now = UnixMicroseconds.Now(time) }, transaction);
        return accepted == 1;
    }

    public string ProtectSecret(string base32Secret, string userId) => personalData.Protect(base32Secret, UserIds.MfaSecretContext(userId));

    /// <summary>Fresh recovery codes, formatted for reading aloud: <c>ABCD-EFGH-IJKL-MNOP</c>.</summary>
    public static IReadOnlyList<string> NewRecoveryCodes() =>
        [.. Enumerable.Range(0, RecoveryCodeCount).Select(_ => string.Join('-', Totp.ToBase32(RandomNumberGenerator.GetBytes(RecoveryCodeBytes)).Chunk(4).Select(chunk => new string(chunk))))];

    /// <summary>SHA-256 of the code as typed, ignoring case, spaces and dashes.</summary>
    public static string HashRecoveryCode(string code) =>
        OpaqueSecret.Hash(Compact(code).ToUpperInvariant());

    /// <summary>Without the spaces and dashes apps and people put in codes ("123 456", "ABCD-EFGH-…").</summary>
    private static string Compact(string code) => new([.. code.Where(c => c is not ('-' or ' ' or '\t'))]);

    public static class TotpStatus
    {
        public const string Pending = "pending";
        public const string Active = "active";
    }

    /// <summary>A <c>user_totp</c> row, secret still encrypted.</summary>
    public sealed class TotpRow
    {
        public string UserId { get; init; } = "";

        public string Secret { get; init; } = "";

        public string Status { get; init; } = "";

        public long? LastStep { get; init; }
    }

    private static class Sql
    {
        public const string Find = """
            SELECT user_id AS UserId, secret AS Secret, status AS Status, last_step AS LastStep FROM user_totp WHERE user_id = @UserId
            """;

        // The step only moves forward: of two requests with the same code, one updates a row.
        public const string AcceptStep = """
            UPDATE user_totp
            SET last_step = @Step, status = 'active', confirmed_at = COALESCE(confirmed_at, @Now)
            WHERE user_id = @UserId AND status = @Status AND (last_step IS NULL OR last_step < @Step)
            """;

        public const string UseRecoveryCode = """
            UPDATE recovery_codes SET used_at = @Now
            WHERE user_id = @UserId AND code_hash = @CodeHash AND used_at IS NULL
              AND EXISTS (SELECT 1 FROM user_totp WHERE user_id = @UserId AND status = 'active')
            """;
    }
}
