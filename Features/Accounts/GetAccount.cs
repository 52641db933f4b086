using System.Security.Claims;
using Strongroom.Features.Vocabulary;
using Strongroom.Infrastructure.Caching;
using Strongroom.Infrastructure.Common;
using Strongroom.Infrastructure.Http;

namespace Strongroom.Features.Accounts;

public static class GetAccount
{
    public static RouteHandlerBuilder MapGetAccount(this IEndpointRouteBuilder group) =>
        group.MapGet("/{id}", HandleAsync)
            .WithName("GetAccount")
            .WithMetadata(new SendsHeader(ResponseHeaders.CacheStatus, Required: true, StatusCodes.Status200OK))
            .WithSummary("Read an account and its balance")
            .WithDescription("Visible to its owner and to staff; for anyone else the account does not exist (404). Served from the cache when it can be: Cache-Status (RFC 9211) says hit, stale (the database is unavailable) or fwd=miss.")
            .ProducesProblem(StatusCodes.Status404NotFound);

    public static async Task<Results<Ok<AccountResponse>, ProblemHttpResult>> HandleAsync(
        string id, ClaimsPrincipal user, AccountCache accounts, HttpContext context, CancellationToken cancellationToken)
    {
        if (!OpaqueId.IsWellFormed(AccountIds.Prefix, id))
        {
            return ApiProblems.NotFound("Account");
        }

        var read = await accounts.ReadAsync(id, user, cancellationToken);
        context.Response.Headers[CacheRead<AccountResponse>.HeaderName] = read.Header;
        return read.Value is { } account ? TypedResults.Ok(account) : ApiProblems.NotFound("Account");
    }
}
