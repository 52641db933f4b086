using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Mvc;
using Strongroom.Features.Vocabulary;
using Strongroom.Infrastructure.Http;
using Strongroom.Infrastructure.Security;

namespace Strongroom.Features.Identity;

/// <summary>
/// The form fields of the password (RFC 6749 §4.3), client credentials (§4.4) and refresh (§6)
/// grants (documented, bound by hand). Only grant_type is always required; each member says for
/// which grant it is.
/// </summary>
public sealed class TokenRequest
{
    [JsonPropertyName("grant_type")]
    [AllowedValues("password", "client_credentials", "refresh_token")]
    [Description("password (needs username and password), client_credentials (needs client_id and client_secret, or HTTP Basic) or refresh_token (needs refresh_token).")]
    public required string GrantType { get; init; }

    [JsonPropertyName("username")]
    [Description("password grant, required: the email the user registered with.")]
    public string? Username { get; init; }

    [JsonPropertyName("password")]
    [Description("password grant, required: the user's password.")]
    public string? Password { get; init; }

    [JsonPropertyName("refresh_token")]
    [Description("refresh_token grant, required: the refresh token of the last answer; it works once.")]
    public string? RefreshToken { get; init; }

    [JsonPropertyName("totp")]
    [Description("password grant, for a user with an authenticator app: the current 6-digit code or a recovery code.")]
    public string? Totp { get; init; }

    [JsonPropertyName("client_id")]
    [Description("client_credentials grant: the service client's id, unless sent with HTTP Basic.")]
    public string? ClientId { get; init; }

    [JsonPropertyName("client_secret")]
    [Description("client_credentials grant: the service client's secret, unless sent with HTTP Basic.")]
    public string? ClientSecret { get; init; }

    [JsonPropertyName("scope")]
    [Description("client_credentials grant, optional: space-separated scopes, within those the client was given.")]
    public string? Scope { get; init; }
}

public sealed record TokenResponse(
    [property: JsonPropertyName("access_token")] string AccessToken,
    [property: JsonPropertyName("token_type")] string TokenType,
    [property: JsonPropertyName("expires_in")] int ExpiresIn,
    [property: JsonPropertyName("refresh_token"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? RefreshToken,
    [property: JsonPropertyName("scope"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Scope = null);

/// <summary>RFC 6749 §5.2 error body.</summary>
public sealed record TokenError(
    [property: JsonPropertyName("error")] string Error,
    [property: JsonPropertyName("error_description"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ErrorDescription = null);

/// <summary>
/// The services every grant of the token endpoint works with, bound as one <c>[AsParameters]</c>
/// bundle (eShop's <c>CatalogServices</c>): each is resolved from the container.
/// </summary>
public sealed class TokenServices
{
    [FromServices]
    public required SqlDatabase Database { get; init; }

    [FromServices]
    public required PersonalDataProtector PersonalData { get; init; }

    [FromServices]
    public required AccessTokenIssuer Issuer { get; init; }

    [FromServices]
    public required RefreshTokens RefreshTokens { get; init; }

    [FromServices]
    public required SignInThrottle Throttle { get; init; }

    [FromServices]
    public required AuditLog Audit { get; init; }

    [FromServices]
    public required MfaFactors Mfa { get; init; }

    [FromServices]
    public required TimeProvider Time { get; init; }
}

public static class IssueToken
{
    public const string Path = "/v1/auth/token";
    private const string FormContentType = "application/x-www-form-urlencoded";

    public static RouteHandlerBuilder MapIssueToken(this IEndpointRouteBuilder group) =>
        group.MapPost("/token", HandleAsync)
            .AllowAnonymous()
            .WithName("IssueToken")
            // Set by the handler on everything it answers; a 415 is refused before the form is read.
            .WithMetadata(new SendsHeader(ResponseHeaders.CacheControl, Required: true, StatusCodes.Status200OK, StatusCodes.Status400BadRequest, StatusCodes.Status401Unauthorized, StatusCodes.Status429TooManyRequests))
            .WithSummary("Sign in: exchange credentials for an access token")
            .WithDescription("OAuth 2.0 (RFC 6749): grant_type=password with username (the email) and password (§4.3); grant_type=client_credentials for a service client, authenticated by HTTP Basic or client_id and client_secret, with an optional scope (§4.4); or grant_type=refresh_token with refresh_token (§6), where every refresh token works once and is replaced. Errors follow §5.2. A user with an authenticator app also sends totp (the current 6-digit code, or a recovery code); without it the answer is invalid_grant with error_description mfa_required, and a wrong one counts like a wrong password. The access token's amr says how the sign-in was made: [\"pwd\"] or [\"pwd\",\"mfa\",\"otp\"]; refreshed tokens keep it.")
            // Also routes by media type: any other body is a 415.
            .Accepts<TokenRequest>(FormContentType)
            .Produces<TokenError>(StatusCodes.Status400BadRequest)
            .Produces<TokenError>(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);

    public static async Task<Results<Ok<TokenResponse>, BadRequest<TokenError>, JsonHttpResult<TokenError>, ProblemHttpResult>> HandleAsync(
        HttpContext context, [AsParameters] TokenServices services, CancellationToken cancellationToken)
    {
        // Tokens and their errors must never be cached (RFC 6749 §5.1).
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers.Pragma = "no-cache";

        var read = await RequestBodies.ReadFormAsync(context.Request, cancellationToken);
        if (read.Status == FormReadStatus.NotAForm)
        {
            return FormRead.UnsupportedMediaType();
        }

        if (read.Status == FormReadStatus.Invalid)
        {
            return TypedResults.BadRequest(new TokenError("invalid_request", "The form could not be read."));
        }

        var form = read.Form;
        var grantType = form["grant_type"].ToString();
        if (grantType.Length == 0)
        {
            return TypedResults.BadRequest(new TokenError("invalid_request", "grant_type is required."));
        }

        if (grantType == "refresh_token")
        {
            return await RefreshAsync(form["refresh_token"].ToString(), context, services, cancellationToken);
        }

        if (grantType == "client_credentials")
        {
            return await ClientCredentialsGrant.HandleAsync(form, context, services.Database, services.Issuer, services.Throttle, services.Audit, cancellationToken);
        }

        if (grantType != "password")
        {
            return TypedResults.BadRequest(new TokenError("unsupported_grant_type"));
        }

        var username = form["username"].ToString();
        var password = form["password"].ToString();
        if (username.Length == 0 || password.Length == 0)
        {
            return TypedResults.BadRequest(new TokenError("invalid_request", "username and password are required."));
        }

        var emailIndex = services.PersonalData.EmailIndex(UserIds.NormalizeEmail(username));
        var (account, ip) = (SignInThrottle.AccountSubject(emailIndex), SignInThrottle.IpSubject(context));
        if (await services.Throttle.RefuseIfLockedAsync(account, ip, context, cancellationToken) is { } locked)
        {
            return locked;
        }

        await using var connection = await services.Database.OpenAsync(cancellationToken);
        var user = await connection.QuerySingleOrDefaultAsync<Credentials>(Sql.FindCredentials, new { EmailIndex = emailIndex });

        // An unknown user costs one hash check too, so time does not tell who has an account.
        // A disabled user gets the same answer as a wrong password: nothing about the account leaks.
        var valid = PasswordHashing.Verify(password, user?.PasswordHash ?? PasswordHashing.DecoyHash) && user is { Status: UserStatuses.Active };
        if (!valid)
        {
            await services.Throttle.RecordFailureAsync("sign_in_failed", account, ip, user?.Id, details: null, context, cancellationToken);
            return TypedResults.BadRequest(new TokenError("invalid_grant"));
        }

        var authenticationMethods = AuthenticationMethods.PasswordOnly;
        if (await MfaFactors.IsActiveAsync(connection, user!.Id))
        {
            var code = form["totp"].ToString();
            if (code.Trim().Length == 0)
            {
                // The password was right and the second factor is still to come: nothing is counted or reset.
                return TypedResults.BadRequest(new TokenError("invalid_grant", MfaRequirement.Code));
            }

            var check = await services.Mfa.CheckAsync(connection, user.Id, code);
            if (check == MfaFactors.Check.Invalid)
            {
                // Counted and answered exactly like a wrong password.
                await services.Throttle.RecordFailureAsync("sign_in_failed", account, ip, user.Id, details: "totp", context, cancellationToken);
                return TypedResults.BadRequest(new TokenError("invalid_grant"));
            }

            if (check == MfaFactors.Check.RecoveryCode)
            {
                await services.Audit.RecordAsync(new AuditEvent("mfa_recovery_code_used", ActorId: user.Id, Target: user.Id, Details: "sign_in"), context, cancellationToken);
            }

            authenticationMethods = AuthenticationMethods.PasswordAndOneTimePassword;
        }

        await services.Throttle.RecordSuccessAsync(account, cancellationToken);
        await services.Audit.RecordAsync(new AuditEvent("sign_in_succeeded", ActorId: user.Id), context, cancellationToken);

        if (PasswordHashing.NeedsUpgrade(user.PasswordHash))
        {
            // Hash parameters only go up: a hash made with older ones is replaced while we hold the password.
            await connection.ExecuteAsync(Sql.UpgradeHash, new { user.Id, PasswordHash = PasswordHashing.Hash(password) });
        }

        var roles = await connection.QueryAsync<string>(Sql.FindRoles, new { UserId = user.Id });
        var signedInAt = services.Time.GetUtcNow();
        var token = services.Issuer.Issue(user.Id, roles, authenticationMethods, signedInAt);
        var refresh = await services.RefreshTokens.IssueAsync(connection, user.Id, authenticationMethods, signedInAt);
        return TypedResults.Ok(new TokenResponse(token.Token, "Bearer", token.ExpiresInSeconds, refresh));
    }

    /// <summary>RFC 6749 §6: a used refresh token is spent; the response carries its successor.</summary>
    private static async Task<Results<Ok<TokenResponse>, BadRequest<TokenError>, JsonHttpResult<TokenError>, ProblemHttpResult>> RefreshAsync(
        string refreshToken, HttpContext context, TokenServices services, CancellationToken cancellationToken)
    {
        if (refreshToken.Length == 0)
        {
            return TypedResults.BadRequest(new TokenError("invalid_request", "refresh_token is required."));
        }

        var (outcome, userId, successor, authenticationMethods, authenticatedAt) = await services.RefreshTokens.RotateAsync(refreshToken, cancellationToken);
        if (outcome == RefreshTokens.Outcome.Reused)
        {
            await services.Audit.RecordAsync(new AuditEvent("refresh_token_reused", ActorId: userId, Details: "family revoked"), context, cancellationToken);
        }

        if (outcome != RefreshTokens.Outcome.Rotated)
        {
            return TypedResults.BadRequest(new TokenError("invalid_grant"));
        }

        await using var connection = await services.Database.OpenAsync(cancellationToken);
        var roles = await connection.QueryAsync<string>(Sql.FindRoles, new { UserId = userId });
        // The sign-in's time, not now: a refresh proves nothing new about who holds it.
        var token = services.Issuer.Issue(userId!, roles, authenticationMethods, authenticatedAt);
        return TypedResults.Ok(new TokenResponse(token.Token, "Bearer", token.ExpiresInSeconds, successor!));
    }

    public sealed class Credentials
    {
        public string Id { get; init; } = "";

        public string PasswordHash { get; init; } = "";

        public string Status { get; init; } = "";
    }

    internal static class Sql
    {
        public const string FindCredentials = """
            SELECT id AS Id, password_hash AS PasswordHash, status AS Status FROM users WHERE email_index = @EmailIndex
            """;

        public const string UpgradeHash = """
            UPDATE users SET password_hash = @PasswordHash WHERE id = @Id
            """;

        public const string FindRoles = """
            SELECT role FROM user_roles WHERE user_id = @UserId ORDER BY role
            """;
    }
}
