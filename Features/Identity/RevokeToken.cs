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
            .Accepts<RevokeTokenRequest>("application/x-www-form-urlencoded");

    public static async Task<Ok> HandleAsync(HttpContext context, RefreshTokens refreshTokens, CancellationToken cancellationToken)
    {
        var form = await context.Request.ReadFormAsync(cancellationToken);
        var token = form["token"].ToString();
        if (token.Length > 0)
        {
            await refreshTokens.RevokeAsync(token, cancellationToken);
        }

        return TypedResults.Ok();
    }
}
