using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Strongroom.Infrastructure.Http;

namespace Strongroom.Infrastructure.Security;

/// <summary>RFC 8176 authentication method references, carried in the access token's <c>amr</c> array.</summary>
public static class AuthenticationMethods
{
    public const string Claim = "amr";

    /// <summary>Password.</summary>
    public const string Password = "pwd";

    /// <summary>More than one factor.</summary>
    public const string MultiFactor = "mfa";

    /// <summary>A one-time password: a TOTP code or a recovery code.</summary>
    public const string OneTimePassword = "otp";

    public static readonly IReadOnlyList<string> PasswordOnly = [Password];

    public static readonly IReadOnlyList<string> PasswordAndOneTimePassword = [Password, MultiFactor, OneTimePassword];

    public static bool UsedMultipleFactors(this ClaimsPrincipal user) => user.HasClaim(Claim, MultiFactor);
}

/// <summary>
/// The one place that decides whether a caller needs a second factor for an endpoint: with
/// <c>Auth:RequireMfaForMoneyMovement</c> on, an endpoint carrying this requirement needs a token
/// whose <c>amr</c> contains <c>mfa</c>, else 403 <c>mfa_required</c>. Exemptions (e.g. service
/// clients) belong in <see cref="MfaRequirementHandler"/>.
/// </summary>
public sealed class MfaRequirement : IAuthorizationRequirement
{
    public const string Code = "mfa_required";

    /// <summary>Add to an endpoint with <c>RequireAuthorization(MfaRequirement.Policy)</c>; it combines with the endpoint's named policy.</summary>
    public static readonly AuthorizationPolicy Policy = new AuthorizationPolicyBuilder().AddRequirements(new MfaRequirement()).Build();

    public const string Description = "When Auth:RequireMfaForMoneyMovement is on, the access token must come from a sign-in with a second factor (amr contains \"mfa\"); otherwise 403 mfa_required.";

    /// <summary>True when the second factor is the only thing the caller lacked.</summary>
    public static bool IsWhyForbidden(PolicyAuthorizationResult result) =>
        result.AuthorizationFailure?.FailedRequirements is { } failed && failed.Any() && failed.All(requirement => requirement is MfaRequirement);

    /// <summary>How the authorization log names it when it is not met.</summary>
    public override string ToString() => "MfaRequirement: Auth:RequireMfaForMoneyMovement is on and the token's amr does not contain mfa";

    public static ProblemHttpResult Problem() => ApiProblems.Forbidden(Code,
        "This operation needs a sign-in with a second factor: sign in again with your authenticator code (form field totp).");
}

internal sealed class MfaRequirementHandler(IOptions<AuthOptions> options) : AuthorizationHandler<MfaRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, MfaRequirement requirement)
    {
        // A service client has no person to ask for a code: it authenticated with a 256-bit secret,
        // and an admin granted it ledger:write on purpose. People must show their second factor.
        if (!options.Value.RequireMfaForMoneyMovement || context.User.UsedMultipleFactors() || context.User.IsServiceClient())
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}
