using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Strongroom.Infrastructure.Http;

/// <summary>
/// RFC 9457 problem details with a stable machine-readable <c>code</c>. Clients switch on the code,
/// never on the title or detail text.
/// </summary>
public static class ApiProblems
{
    public const string CodeKey = "code";

    public static ProblemHttpResult Create(int status, string code, string title, string? detail = null) =>
        TypedResults.Problem(detail: detail, statusCode: status, title: title, extensions: new Dictionary<string, object?> { [CodeKey] = code });

    /// <summary>Absent, or not the caller's: the two are indistinguishable on purpose.</summary>
    public static ProblemHttpResult NotFound(string what) =>
        Create(StatusCodes.Status404NotFound, "not_found", "Not Found", $"{what} was not found.");

    public static ProblemHttpResult BadRequest(string code, string detail) =>
        Create(StatusCodes.Status400BadRequest, code, "Bad Request", detail);

    public static ProblemHttpResult Conflict(string code, string detail) =>
        Create(StatusCodes.Status409Conflict, code, "Conflict", detail);

    /// <summary>The code used when a handler did not name one.</summary>
    public static string DefaultCode(int status, bool isValidation) => status switch
    {
        400 when isValidation => "validation_failed",
        400 => "invalid_request",
        401 => "unauthenticated",
        403 => "forbidden",
        404 => "not_found",
        405 => "method_not_allowed",
        406 => "not_acceptable",
        409 => "conflict",
        413 => "payload_too_large",
        415 => "unsupported_media_type",
        422 => "unprocessable",
        429 => "rate_limited",
        503 => "unavailable",
        >= 500 => "internal_error",
        _ => "error",
    };
}
