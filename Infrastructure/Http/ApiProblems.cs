using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;

namespace Strongroom.Infrastructure.Http;

/// <summary>
/// RFC 9457 problem details with a stable machine-readable <c>code</c>: the one place a problem is
/// built, whether it is answered at once or stored with an Idempotency-Key and replayed. Clients
/// switch on the code, never on the title or detail text.
/// </summary>
public static class ApiProblems
{
    public const string CodeKey = "code";
    public const string TraceIdKey = "traceId";

    /// <summary>
    /// A problem with the framework's type and title for <paramref name="status"/> (the reason phrase
    /// where the framework has no title, as for 429) and the <paramref name="code"/>.
    /// </summary>
    public static ProblemHttpResult Create(int status, string code, string? detail = null)
    {
        var problem = new ProblemDetails { Status = status, Detail = detail };
        problem.Extensions[CodeKey] = code;
        // The result fills in the framework's type and title for the status as it is made.
        var result = TypedResults.Problem(problem);
        problem.Title ??= ReasonPhrases.GetReasonPhrase(status);
        return result;
    }

    /// <summary>The same problem as <see cref="Create"/>, for a writer that serializes it itself.</summary>
    public static ProblemDetails Details(int status, string code, string? detail = null) => Create(status, code, detail).ProblemDetails;

    /// <summary>Absent, or not the caller's: the two are indistinguishable on purpose.</summary>
    public static ProblemHttpResult NotFound(string what) =>
        Create(StatusCodes.Status404NotFound, "not_found", $"{what} was not found.");

    public static ProblemHttpResult BadRequest(string code, string detail) =>
        Create(StatusCodes.Status400BadRequest, code, detail);

    public static ProblemHttpResult Forbidden(string code, string? detail = null) =>
        Create(StatusCodes.Status403Forbidden, code, detail);

    public static ProblemHttpResult Conflict(string code, string detail) =>
        Create(StatusCodes.Status409Conflict, code, detail);

    public static ProblemHttpResult Unprocessable(string code, string detail) =>
        Create(StatusCodes.Status422UnprocessableEntity, code, detail);

    public static ProblemHttpResult TooManyRequests(string code, string detail) =>
        Create(StatusCodes.Status429TooManyRequests, code, detail);

    /// <summary>The trace id every problem carries: the current activity's, else the request's.</summary>
    public static string TraceIdOf(HttpContext context) => Activity.Current?.Id ?? context.TraceIdentifier;

    /// <summary>The code used when a handler did not name one.</summary>
    public static string DefaultCode(int status, bool isValidation) => status switch
    {
        StatusCodes.Status400BadRequest when isValidation => "validation_failed",
        StatusCodes.Status400BadRequest => "invalid_request",
        StatusCodes.Status401Unauthorized => "unauthenticated",
        StatusCodes.Status403Forbidden => "forbidden",
        StatusCodes.Status404NotFound => "not_found",
        StatusCodes.Status405MethodNotAllowed => "method_not_allowed",
        StatusCodes.Status406NotAcceptable => "not_acceptable",
        StatusCodes.Status409Conflict => "conflict",
        StatusCodes.Status413PayloadTooLarge => "payload_too_large",
        StatusCodes.Status415UnsupportedMediaType => "unsupported_media_type",
        StatusCodes.Status422UnprocessableEntity => "unprocessable",
        StatusCodes.Status429TooManyRequests => "rate_limited",
        StatusCodes.Status503ServiceUnavailable => "unavailable",
        >= StatusCodes.Status500InternalServerError => "internal_error",
        _ => "error",
    };
}
