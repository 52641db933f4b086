using Strongroom.Infrastructure.Http;

namespace Strongroom.Features.Identity;

/// <summary>The form field of RFC 7009 token revocation (documented, bound by hand).</summary>
public sealed record RevokeTokenRequest(
    [property: System.Text.Json.Serialization.JsonPropertyName("token")] string Token);

public static class RevokeToken
{
    public static RouteHandlerBuilder MapRevokeToken(this IEndpointRouteBuilder group) =>
        group.MapPost("/revoke", HandleAsync)
            .AllowAnonymous()
            .WithName("RevokeToken")
            .WithSummary("Sign out: revoke a refresh token")
            .WithDescription("RFC 7009: form field token (a refresh token). Revokes it and every token rotated from the same sign-in. Answers 200 whether or not the token was known.")
            .Accepts<RevokeTokenRequest>("application/x-www-form-urlencoded")
            .Produces<TokenError>(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);

    public static async Task<Results<Ok, BadRequest<TokenError>, ProblemHttpResult>> HandleAsync(HttpContext context, RefreshTokens refreshTokens, CancellationToken cancellationToken)
    {
        var read = await RequestBodies.ReadFormAsync(context.Request, cancellationToken);
        if (read.Status == FormReadStatus.NotAForm)
        {
            return FormRead.UnsupportedMediaType();
        }

        if (read.Status == FormReadStatus.Invalid)
        {
            // RFC 7009 §2.2.1: errors are those of RFC 6749 §5.2.
            return TypedResults.BadRequest(new TokenError("invalid_request", "The form could not be read."));
        }

        var token = read.Form["token"].ToString();
        if (token.Length > 0)
        {
            await refreshTokens.RevokeAsync(token, cancellationToken);
        }

        return TypedResults.Ok();
    }
}
