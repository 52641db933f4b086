using System.Security.Claims;
using Strongroom.Infrastructure.Http;
using Strongroom.Infrastructure.Security;

namespace Strongroom.Features.Identity;

/// <summary>
/// <c>POST /v1/me/mfa/totp/disable</c>: removes the authenticator app and the recovery codes, given
/// a current code or a recovery code. Wrong codes count like wrong passwords against the account,
/// so a stolen access token cannot be used to guess its way past the second factor.
/// </summary>
public static class MfaDisable
{
    public static RouteGroupBuilder MapMfaDisable(this RouteGroupBuilder group)
    {
        group.MapPost("/totp/disable", HandleAsync)
            .RequireRecentSignIn()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .WithName("DisableTotp")
            .WithSummary("Turn off the authenticator app, with a current code or a recovery code")
            .WithDescription("{\"code\"}: a current 6-digit code or an unused recovery code. Removes the secret and every recovery code. 400 invalid_totp_code (counted like a failed sign-in; 429 sign_in_locked past the limit); 409 mfa_not_enrolled. " + RecentSignIn.Description)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        return group;
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> HandleAsync(
        TotpCodeRequest request, ClaimsPrincipal user, HttpContext context, SqlDatabase database, MfaFactors factors,
        SignInThrottle throttle, AuditLog audit, CancellationToken cancellationToken)
    {
        var userId = user.UserId();
        await using var connection = await database.OpenAsync(cancellationToken);
        if (!await MfaFactors.IsActiveAsync(connection, userId))
        {
            return ApiProblems.Conflict("mfa_not_enrolled", "No authenticator app is active.");
        }

        var emailIndex = await connection.QuerySingleOrDefaultAsync<string>(Sql.EmailIndex, new { Id = userId }) ?? "";
        var (account, ip) = (SignInThrottle.AccountSubject(emailIndex), SignInThrottle.IpSubject(context));
        if (await throttle.RefuseIfLockedAsync(account, ip, context, cancellationToken) is { } locked)
        {
            return locked;
        }

        var check = await factors.CheckAsync(connection, userId, request.Code);
        if (check == MfaFactors.Check.Invalid)
        {
            await throttle.RecordFailureAsync("mfa_disable_failed", account, ip, userId, details: null, context, cancellationToken);
            return ApiProblems.BadRequest(MfaEnrolment.InvalidCode, "The code is neither a current authenticator code nor an unused recovery code.");
        }

        if (check == MfaFactors.Check.RecoveryCode)
        {
            await audit.RecordAsync(new AuditEvent("mfa_recovery_code_used", ActorId: userId, Target: userId, Details: "disable"), context, cancellationToken);
        }

        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            await connection.ExecuteAsync(Sql.DeleteRecoveryCodes, new { UserId = userId }, transaction);
            await connection.ExecuteAsync(Sql.DeleteTotp, new { UserId = userId }, transaction);
            await transaction.CommitAsync(cancellationToken);
        }

        await audit.RecordAsync(new AuditEvent("mfa_disabled", ActorId: userId, Target: userId, Details: check == MfaFactors.Check.Totp ? "totp" : "recovery_code"), context, cancellationToken);
        return TypedResults.NoContent();
    }

    private static class Sql
    {
        public const string EmailIndex = """
            SELECT email_index FROM users WHERE id = @Id
            """;

        public const string DeleteRecoveryCodes = """
            DELETE FROM recovery_codes WHERE user_id = @UserId
            """;

        public const string DeleteTotp = """
            DELETE FROM user_totp WHERE user_id = @UserId
            """;
    }
}
