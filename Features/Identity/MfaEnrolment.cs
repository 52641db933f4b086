using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using Strongroom.Infrastructure.Common;
using Strongroom.Infrastructure.Http;
using Strongroom.Infrastructure.Security;

namespace Strongroom.Features.Identity;

/// <summary>The secret to put into an authenticator app, as text and as the URI a QR code carries.</summary>
public sealed record TotpEnrolmentResponse(string Secret, string OtpauthUri, string Algorithm, int Digits, int Period);

public sealed record TotpCodeRequest([Required, StringLength(64, MinimumLength = 1)] string Code);

/// <summary>Shown once: only their hashes are kept.</summary>
public sealed record RecoveryCodesResponse(IReadOnlyList<string> RecoveryCodes);

/// <summary>
/// TOTP enrolment in two steps: <c>POST /v1/me/mfa/totp</c> makes a pending secret (starting again
/// replaces it), <c>POST /v1/me/mfa/totp/confirm</c> with a code from the app activates it and
/// returns the recovery codes.
/// </summary>
public static class MfaEnrolment
{
    public const string AlreadyEnrolled = "mfa_already_enrolled";
    public const string InvalidCode = "invalid_totp_code";

    public static RouteGroupBuilder MapMfaEnrolment(this RouteGroupBuilder group)
    {
        group.MapPost("/totp", StartAsync)
            .RequireRecentSignIn()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .WithName("StartTotpEnrolment")
            .WithSummary("Start enrolling an authenticator app (TOTP)")
            .WithDescription("Returns a new base32 secret and its otpauth:// URI (RFC 6238: SHA-1, 6 digits, 30 s). Nothing changes at sign-in until it is confirmed; starting again replaces a pending secret. 409 mfa_already_enrolled when a factor is active. " + RecentSignIn.Description)
            .ProducesProblem(StatusCodes.Status409Conflict);
        group.MapPost("/totp/confirm", ConfirmAsync)
            .RequireRecentSignIn()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .WithName("ConfirmTotpEnrolment")
            .WithSummary("Confirm the authenticator app with a current code; returns recovery codes once")
            .WithDescription("From now on the password grant needs the totp field. The ten recovery codes are shown only here; each works once in place of a code. 400 invalid_totp_code; 409 mfa_already_enrolled or mfa_enrolment_not_started. " + RecentSignIn.Description)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict);
        return group;
    }

    public static async Task<Results<Ok<TotpEnrolmentResponse>, ProblemHttpResult>> StartAsync(
        ClaimsPrincipal user, SqlDatabase database, MfaFactors factors, TimeProvider time, CancellationToken cancellationToken)
    {
        var userId = user.UserId();
        var secret = Totp.ToBase32(Totp.NewSecret());
        await using var connection = await database.OpenAsync(cancellationToken);
        var written = await connection.ExecuteAsync(database.Pick(Sqlite.StartPending, SqlServer.StartPending),
            new { UserId = userId, Secret = factors.ProtectSecret(secret, userId), Now = UnixMicroseconds.Now(time) });
        if (written == 0)
        {
            return AlreadyEnrolledProblem();
        }

        return TypedResults.Ok(new TotpEnrolmentResponse(secret, Totp.EnrolmentUri(secret, userId), "SHA1", Totp.Digits, Totp.StepSeconds));
    }

    public static async Task<Results<Ok<RecoveryCodesResponse>, ProblemHttpResult>> ConfirmAsync(
        TotpCodeRequest request, ClaimsPrincipal user, HttpContext context, SqlDatabase database, MfaFactors factors, AuditLog audit, CancellationToken cancellationToken)
    {
        var userId = user.UserId();
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var totp = await MfaFactors.FindAsync(connection, userId, transaction);
        if (totp is null)
        {
            return ApiProblems.Conflict("mfa_enrolment_not_started", "Start enrolment first: POST /v1/me/mfa/totp.");
        }

        if (totp.Status == MfaFactors.TotpStatus.Active)
        {
            return AlreadyEnrolledProblem();
        }

        if (!await factors.AcceptTotpAsync(connection, totp, request.Code, MfaFactors.TotpStatus.Pending, transaction))
        {
            return ApiProblems.BadRequest(InvalidCode, "The code is not valid now. Check the device's clock and enter the current code.");
        }

        var codes = MfaFactors.NewRecoveryCodes();
        await connection.ExecuteAsync(Sql.DeleteRecoveryCodes, new { UserId = userId }, transaction);
        foreach (var code in codes)
        {
            await connection.ExecuteAsync(Sql.InsertRecoveryCode, new { UserId = userId, CodeHash = MfaFactors.HashRecoveryCode(code) }, transaction);
        }

        await transaction.CommitAsync(cancellationToken);
        await audit.RecordAsync(new AuditEvent("mfa_enrolled", ActorId: userId, Target: userId, Details: "totp"), context, cancellationToken);
        return TypedResults.Ok(new RecoveryCodesResponse(codes));
    }

    private static ProblemHttpResult AlreadyEnrolledProblem() =>
        ApiProblems.Conflict(AlreadyEnrolled, "An authenticator app is already active; disable it first to enrol another.");

    private static class Sql
    {
        public const string DeleteRecoveryCodes = """
            DELETE FROM recovery_codes WHERE user_id = @UserId
            """;

        public const string InsertRecoveryCode = """
            INSERT INTO recovery_codes (user_id, code_hash, used_at) VALUES (@UserId, @CodeHash, NULL)
            """;
    }

    // A pending secret is replaced; an active one is left alone (no row written: 409).
    private static class Sqlite
    {
        public const string StartPending = """
            INSERT INTO user_totp (user_id, secret, status, last_step, created_at, confirmed_at)
            VALUES (@UserId, @Secret, 'pending', NULL, @Now, NULL)
            ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret, last_step = NULL, created_at = excluded.created_at
            WHERE user_totp.status = 'pending'
            """;
    }

    private static class SqlServer
    {
        public const string StartPending = """
            MERGE dbo.user_totp WITH (HOLDLOCK) AS t
            USING (SELECT @UserId AS user_id) AS s ON t.user_id = s.user_id
            WHEN MATCHED AND t.status = N'pending' THEN
                UPDATE SET secret = @Secret, last_step = NULL, created_at = @Now
            WHEN NOT MATCHED THEN
                INSERT (user_id, secret, status, last_step, created_at, confirmed_at) VALUES (@UserId, @Secret, N'pending', NULL, @Now, NULL);
            """;
    }
}
