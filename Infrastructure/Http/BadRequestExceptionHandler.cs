using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Strongroom.Infrastructure.Http;

/// <summary>
/// A body that is not valid JSON, has a member the endpoint does not know, or is too large is
/// the client's mistake: 400 (or 413) with a detail saying where, not a 500. Handled here, the
/// exception is not logged as an error.
/// </summary>
internal sealed class BadRequestExceptionHandler(IProblemDetailsService problemDetails) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException badRequest)
        {
            return false;
        }

        var status = badRequest.StatusCode;
        var detail = FindJsonError(exception) is { } json
            ? $"The request body is not valid for this endpoint at '{json.Path ?? "$"}': check the JSON syntax and member names."
            : status == StatusCodes.Status413PayloadTooLarge ? "The request body is too large." : "The request could not be read.";
        httpContext.Response.StatusCode = status;
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = new ProblemDetails { Status = status, Detail = detail },
        });
    }

    private static JsonException? FindJsonError(Exception exception)
    {
        for (var current = exception.InnerException; current is not null; current = current.InnerException)
        {
            if (current is JsonException json)
            {
                return json;
            }
        }

        return null;
    }
}
