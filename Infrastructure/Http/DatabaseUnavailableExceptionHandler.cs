using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Strongroom.Infrastructure.Database;
using ZiggyCreatures.Caching.Fusion;

namespace Strongroom.Infrastructure.Http;

/// <summary>
/// A request that needed the database while it is unreachable, full, or locked past every wait
/// (or slower than the cache's hard timeout, with nothing cached to fall back on): 503 with
/// <c>Retry-After</c>, not a 500. Unavailable and busy are reported to
/// <see cref="DatabaseAvailability"/>, so <c>/health/ready</c> says so until a write commits again.
/// </summary>
internal sealed class DatabaseUnavailableExceptionHandler(IProblemDetailsService problemDetails, DatabaseAvailability availability) : IExceptionHandler
{
    public const string Code = "database_unavailable";
    public const string BusyCode = "database_busy";

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var unavailable = DatabaseUnavailableException.IsUnavailable(exception);
        var busy = !unavailable && DatabaseUnavailableException.IsBusy(exception);
        if (!unavailable && !busy && exception is not SyntheticTimeoutException)
        {
            return false;
        }

        if (unavailable || busy)
        {
            availability.ReportUnavailable();
        }

        return await WriteAsync(problemDetails, httpContext, busy, exception);
    }

    /// <summary>
    /// While the database is known not to take writes, a request that would write (any method but
    /// GET, HEAD and OPTIONS) is refused at once instead of waiting out a timeout; reads go on,
    /// from the database or the cache.
    /// </summary>
    public static IApplicationBuilder UseWriteRefusalWhileDatabaseDown(IApplicationBuilder app)
    {
        var availability = app.ApplicationServices.GetRequiredService<DatabaseAvailability>();
        var problemDetails = app.ApplicationServices.GetRequiredService<IProblemDetailsService>();
        return app.Use(async (context, next) =>
        {
            if (availability.IsDown && !(HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method) || HttpMethods.IsOptions(context.Request.Method)))
            {
                await WriteAsync(problemDetails, context, busy: false, exception: null);
                return;
            }

            await next(context);
        });
    }

    private static async ValueTask<bool> WriteAsync(IProblemDetailsService problemDetails, HttpContext httpContext, bool busy, Exception? exception)
    {
        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        httpContext.Response.Headers.RetryAfter = "1";
        var problem = ApiProblems.Details(StatusCodes.Status503ServiceUnavailable, busy ? BusyCode : Code,
            busy ? "The database is busy; retry shortly." : "The database is unavailable; retry shortly.");
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, Exception = exception, ProblemDetails = problem });
    }
}
