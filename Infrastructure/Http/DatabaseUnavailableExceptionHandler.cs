using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Strongroom.Infrastructure.Database;
using ZiggyCreatures.Caching.Fusion;

namespace Strongroom.Infrastructure.Http;

/// <summary>
/// A read that needed the database while it is unreachable (or slower than the cache's hard
/// timeout), with nothing cached to fall back on: 503 <c>database_unavailable</c> with
/// <c>Retry-After</c>, not a 500.
/// </summary>
internal sealed class DatabaseUnavailableExceptionHandler(IProblemDetailsService problemDetails) : IExceptionHandler
{
    public const string Code = "database_unavailable";

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (!DatabaseUnavailableException.IsUnavailable(exception) && exception is not SyntheticTimeoutException)
        {
            return false;
        }

        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        httpContext.Response.Headers.RetryAfter = "1";
        var problem = new ProblemDetails
        {
            Status = StatusCodes.Status503ServiceUnavailable,
            Title = "Service Unavailable",
            Detail = "The database is unavailable; retry shortly.",
        };
        problem.Extensions[ApiProblems.CodeKey] = Code;
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, Exception = exception, ProblemDetails = problem });
    }
}
