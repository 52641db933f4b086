using System.Diagnostics;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Primitives;
using Strongroom.Infrastructure.Http;
using Strongroom.Infrastructure.Security;

namespace Strongroom.Features.Ledger;

/// <summary>
/// The Idempotency-Key header (draft-ietf-httpapi-idempotency-key-header): required on every
/// money-moving POST, remembered per caller with a hash of the request it came with.
/// </summary>
public static class Idempotency
{
    public const string Header = "Idempotency-Key";
    public const string ReplayedHeader = "Idempotency-Replayed";
    public const int MaxKeyLength = 255;

    /// <summary>
    /// A 400 when the key is missing, sent more than once (a proxy would join the values into one
    /// key), too long, or not printable ASCII; else null.
    /// </summary>
    public static ProblemHttpResult? Refuse(StringValues keys) =>
        keys.Count == 1 && keys[0] is { Length: > 0 and <= MaxKeyLength } key && !string.IsNullOrWhiteSpace(key) && !key.AsSpan().ContainsAnyExceptInRange(' ', '~')
            ? null
            : ApiProblems.BadRequest("idempotency_key_missing", $"Money-moving requests need one {Header} header of 1 to {MaxKeyLength} printable ASCII characters.");

    /// <summary>SHA-256 of the operation and the request as the API understood it (canonical JSON).</summary>
    public static string Hash<T>(string operation, T request, JsonTypeInfo<T> typeInfo)
    {
        var payload = JsonSerializer.SerializeToUtf8Bytes(request, typeInfo);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(Encoding.UTF8.GetBytes(operation + "\n"));
        sha.AppendData(payload);
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    public static Caller CallerOf(ClaimsPrincipal user) => new(user.UserId(), user.IsStaff());

    public static string? TraceId(HttpContext context) => Activity.Current?.Id ?? context.TraceIdentifier;
}

public static class LedgerEndpointMetadata
{
    /// <summary>
    /// Marks an endpoint that moves money: the per-user money-movement rate limit, the second factor
    /// when <c>Auth:RequireMfaForMoneyMovement</c> is on, and what it can answer (its success, and
    /// the ledger's refusals).
    /// </summary>
    public static RouteHandlerBuilder MovesMoney<TResponse>(this RouteHandlerBuilder builder, int successStatus) =>
        builder.RequireRateLimiting(RateLimits.MoneyMovement)
            .RequireAuthorization(MfaRequirement.Policy)
            .AddEndpointFilter(static (context, next) =>
                Idempotency.Refuse(context.HttpContext.Request.Headers[Idempotency.Header]) is { } refused
                    ? ValueTask.FromResult<object?>(refused)
                    : next(context))
            .AddOpenApiOperationTransformer((operation, _, _) =>
            {
                operation.Description = $"{operation.Description} {MfaRequirement.Description}".Trim();
                return Task.CompletedTask;
            })
            .Produces<TResponse>(successStatus)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
}

/// <summary>Writes a ledger outcome exactly as it will be replayed.</summary>
public sealed class LedgerResult(LedgerOutcome outcome) : IResult
{
    public Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = outcome.Status;
        response.ContentType = outcome.IsSuccess ? "application/json; charset=utf-8" : "application/problem+json; charset=utf-8";
        if (outcome.Replayed)
        {
            response.Headers[Idempotency.ReplayedHeader] = "true";
        }

        if (outcome.Location is not null)
        {
            response.Headers.Location = outcome.Location;
        }

        if (outcome.RetryAfterSeconds is { } seconds)
        {
            response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return response.WriteAsync(outcome.Body, httpContext.RequestAborted);
    }
}
