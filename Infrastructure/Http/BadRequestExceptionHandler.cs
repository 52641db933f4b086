using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace Strongroom.Infrastructure.Http;

/// <summary>
/// A body that is not valid JSON, has a member the endpoint does not know, or is too large is
/// the client's mistake: 400 (or 413) with a detail saying where, not a 500. Handled here, the
/// exception is not logged as an error.
/// </summary>
internal sealed partial class BadRequestExceptionHandler(IProblemDetailsService problemDetails, ILogger<BadRequestExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException badRequest)
        {
            return false;
        }

        var status = badRequest.StatusCode;
        var (reason, detail) = FindJsonError(exception) switch
        {
            PlainTextException text => ("control_characters", $"The request body is not valid for this endpoint at '{MemberPath(text)}': {PlainText.Message}"),
            { } json => ("invalid_json", $"The request body is not valid for this endpoint at '{json.Path ?? "$"}': check the JSON syntax and member names (each member at most once)."),
            null => status == StatusCodes.Status413PayloadTooLarge ? ("too_large", "The request body is too large.") : ("unreadable", "The request could not be read."),
        };
        // The client's mistake: one line at Information, never a stack trace at Error. Not the
        // detail: its JSON path is the client's text.
        LogRefused(logger, status, httpContext.Request.Method, (httpContext.Features.Get<IExceptionHandlerFeature>()?.Endpoint as RouteEndpoint)?.RoutePattern.RawText, reason);
        httpContext.Response.StatusCode = status;
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = new ProblemDetails { Status = status, Detail = detail },
        });
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Refused a request with {Status} ({Reason}): {Method} {Endpoint}")]
    private static partial void LogRefused(ILogger logger, int status, string method, string? endpoint, string reason);

    /// <summary>The object's path, as the reader left it, with the member that failed.</summary>
    private static string MemberPath(PlainTextException text) => $"{text.Path ?? "$"}.{text.Member}";

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
