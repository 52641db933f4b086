using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Strongroom.Infrastructure.Http;

namespace Strongroom.Infrastructure.Security;

/// <summary>
/// Step-up for sensitive changes: the caller must have signed in (password, and code if they have
/// one) within <c>Auth:RecentSignInWindow</c>, as the token's <c>auth_time</c> says; refreshing a
/// token keeps the sign-in's time. Otherwise 401 <c>reauthentication_required</c>, so a stolen or
/// left-open session cannot enrol an authenticator, mint a service client or grant roles.
/// </summary>
public static class RecentSignIn
{
    public const string Code = "reauthentication_required";

    public const string Description = "Needs a sign-in within Auth:RecentSignInWindow (default 5 minutes; the token's auth_time); otherwise 401 reauthentication_required.";

    public static TBuilder RequireRecentSignIn<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var window = http.RequestServices.GetRequiredService<IOptions<AuthOptions>>().Value.RecentSignInWindow;
            var now = http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
            if (IsRecent(http.User.AuthenticatedAt(), now, window))
            {
                return await next(context);
            }

            // RFC 6750 §3: a 401 names its challenge. RFC 9470's step-up error says what would do, and max_age how recent.
            http.Response.Headers.WWWAuthenticate =
                $"Bearer error=\"insufficient_user_authentication\", error_description=\"A more recent sign-in is required\", max_age={(long)window.TotalSeconds}";
            return Problem();
        });

    /// <summary>Within the window, allowing for a clock that is a little ahead.</summary>
    public static bool IsRecent(DateTimeOffset? authenticatedAt, DateTimeOffset now, TimeSpan window) =>
        authenticatedAt is { } at && at > now - window && at <= now + TimeSpan.FromMinutes(1);

    public static ProblemHttpResult Problem() => ApiProblems.Create(StatusCodes.Status401Unauthorized, Code,
        "This change needs a recent sign-in: sign in again (password, and authenticator code if you have one) and retry with the new token.");
}
