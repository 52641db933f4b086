using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using Strongroom.Infrastructure.Security;

namespace Strongroom.Features.Identity;

/// <summary><c>totp</c> is <c>none</c>, <c>pending</c> (enrolment started, not confirmed) or <c>active</c>.</summary>
public sealed record MfaStatusResponse(
    [property: AllowedValues("none", MfaFactors.TotpStatus.Pending, MfaFactors.TotpStatus.Active)] string Totp, int RecoveryCodesRemaining);

public static class MfaStatus
{
    public static RouteGroupBuilder MapMfaStatus(this RouteGroupBuilder group)
    {
        group.MapGet("/", HandleAsync)
            .WithName("GetMfaStatus")
            .WithSummary("The caller's second factor: whether an authenticator app is active, and how many recovery codes are left")
            .WithDescription("totp is none, pending (enrolment started, not confirmed) or active; recoveryCodesRemaining counts the unused recovery codes of an active factor.");
        return group;
    }

    public static async Task<Ok<MfaStatusResponse>> HandleAsync(ClaimsPrincipal user, SqlDatabase database, CancellationToken cancellationToken)
    {
        var userId = user.UserId();
        await using var connection = await database.OpenAsync(cancellationToken);
        var totp = await MfaFactors.FindAsync(connection, userId);
        var remaining = totp is { Status: MfaFactors.TotpStatus.Active }
            ? await connection.ExecuteScalarAsync<int>(Sql.RemainingRecoveryCodes, new { UserId = userId })
            : 0;
        return TypedResults.Ok(new MfaStatusResponse(totp?.Status ?? "none", remaining));
    }

    private static class Sql
    {
        public const string RemainingRecoveryCodes = """
            SELECT COUNT(*) FROM recovery_codes WHERE user_id = @UserId AND used_at IS NULL
            """;
    }
}
