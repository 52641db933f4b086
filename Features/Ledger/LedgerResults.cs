using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Reflection;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;

namespace Strongroom.Features.Ledger;

/// <summary>
/// The ledger's answer to a command that creates (201): <typeparamref name="TResponse"/>, or one of
/// the ledger's refusals, written exactly as it is stored and replayed for its Idempotency-Key.
/// </summary>
public sealed class LedgerCreated<TResponse>(LedgerOutcome outcome) : IResult, IEndpointMetadataProvider
{
    public Task ExecuteAsync(HttpContext httpContext) => LedgerAnswer.WriteAsync(outcome, httpContext);

    [SuppressMessage("Design", "CA1000", Justification = "IEndpointMetadataProvider is a static interface member; ASP.NET Core's own Created<TValue> has it too.")]
    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        LedgerAnswer.Describe(builder, StatusCodes.Status201Created, typeof(TResponse));
}

/// <summary>
/// The ledger's answer to a command on something that exists (200): <typeparamref name="TResponse"/>,
/// or one of the ledger's refusals, written exactly as it is stored and replayed.
/// </summary>
public sealed class LedgerOk<TResponse>(LedgerOutcome outcome) : IResult, IEndpointMetadataProvider
{
    public Task ExecuteAsync(HttpContext httpContext) => LedgerAnswer.WriteAsync(outcome, httpContext);

    [SuppressMessage("Design", "CA1000", Justification = "IEndpointMetadataProvider is a static interface member; ASP.NET Core's own Created<TValue> has it too.")]
    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        LedgerAnswer.Describe(builder, StatusCodes.Status200OK, typeof(TResponse));
}

/// <summary>What <see cref="LedgerCreated{TResponse}"/> and <see cref="LedgerOk{TResponse}"/> share.</summary>
internal static class LedgerAnswer
{
    /// <summary>What the ledger itself can refuse with (see <see cref="LedgerProblems"/>).</summary>
    private static readonly int[] Refusals =
    [
        StatusCodes.Status404NotFound,
        StatusCodes.Status409Conflict,
        StatusCodes.Status422UnprocessableEntity,
        StatusCodes.Status503ServiceUnavailable,
    ];

    public static void Describe(EndpointBuilder builder, int successStatus, Type response)
    {
        builder.Metadata.Add(new ProducesResponseTypeMetadata(successStatus, response, ["application/json"]));
        foreach (var status in Refusals)
        {
            builder.Metadata.Add(new ProducesResponseTypeMetadata(status, typeof(ProblemDetails), ["application/problem+json"]));
        }
    }

    public static Task WriteAsync(LedgerOutcome outcome, HttpContext httpContext)
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
            response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        }

        return response.WriteAsync(outcome.Body, httpContext.RequestAborted);
    }
}
