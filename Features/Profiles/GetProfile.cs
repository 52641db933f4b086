using System.Security.Claims;
using Strongroom.Features.Vocabulary;
using Strongroom.Infrastructure.Caching;
using Strongroom.Infrastructure.Http;
using Strongroom.Infrastructure.Security;

namespace Strongroom.Features.Profiles;

public static class GetProfile
{
    public static RouteHandlerBuilder MapGetProfile(this IEndpointRouteBuilder group) =>
        group.MapGet("/", HandleAsync)
            .WithName("GetProfile")
            .WithMetadata(new SendsHeader(ResponseHeaders.CacheStatus, Required: true, StatusCodes.Status200OK))
            .WithSummary("The caller's own profile")
            .WithDescription("Served from this replica's memory when it can be (never from Redis: it is personal data); Cache-Status (RFC 9211) says how.");

    public static async Task<Results<Ok<ProfileResponse>, ProblemHttpResult>> HandleAsync(
        ClaimsPrincipal user, ProfileCache profiles, HttpContext context, CancellationToken cancellationToken)
    {
        var read = await profiles.ReadAsync(user.UserId(), cancellationToken);
        context.Response.Headers[CacheRead<ProfileResponse>.HeaderName] = read.Header;
        return read.Value is { } profile ? TypedResults.Ok(profile) : ApiProblems.NotFound("Profile");
    }
}
