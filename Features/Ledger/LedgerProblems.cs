using System.Text.Json;
using Strongroom.Infrastructure.Http;

namespace Strongroom.Features.Ledger;

/// <summary>
/// The ledger's refusals, as the problem-details bodies it stores with an Idempotency-Key and
/// replays byte for byte. Built by <see cref="ApiProblems"/> like every other problem; codes are
/// part of the API.
/// </summary>
public static class LedgerProblems
{
    public static LedgerOutcome NotFound(string? traceId, string what) =>
        Create(StatusCodes.Status404NotFound, "not_found", $"{what} was not found.", traceId);

    public static LedgerOutcome Unprocessable(string? traceId, string code, string detail, int? index = null) =>
        Create(StatusCodes.Status422UnprocessableEntity, code, detail, traceId, index);

    public static LedgerOutcome Conflict(string? traceId, string code, string detail) =>
        Create(StatusCodes.Status409Conflict, code, detail, traceId);

    /// <summary>Refused at admission, or given up on at its deadline before it was applied: never stored with the Idempotency-Key.</summary>
    public static LedgerOutcome Busy(string? traceId) =>
        Create(StatusCodes.Status503ServiceUnavailable, "ledger_busy", "The ledger is at capacity; nothing was applied. Retry shortly with the same Idempotency-Key.", traceId) with { RetryAfterSeconds = 1 };

    public static LedgerOutcome Unavailable(string? traceId) =>
        Create(StatusCodes.Status503ServiceUnavailable, "ledger_unavailable", "The ledger could not commit; nothing was applied. Retry with the same Idempotency-Key.", traceId) with { RetryAfterSeconds = 1 };

    /// <summary>
    /// SQL Server's COMMIT failed in a way that does not say whether it committed, and retrying
    /// could not find out. The same Idempotency-Key answers exactly: the stored outcome if it did.
    /// </summary>
    public static LedgerOutcome OutcomeUnknown(string? traceId) =>
        Create(StatusCodes.Status503ServiceUnavailable, "ledger_unavailable", "The ledger could not confirm whether this request was applied. Retry with the same Idempotency-Key: it answers with the outcome.", traceId) with { RetryAfterSeconds = 1 };

    /// <summary>The database cannot be reached: answered at once, never stored with the Idempotency-Key.</summary>
    public static LedgerOutcome DatabaseUnavailable(string? traceId) =>
        Create(StatusCodes.Status503ServiceUnavailable, "database_unavailable", "The database is unavailable; nothing was applied. Retry with the same Idempotency-Key.", traceId) with { RetryAfterSeconds = 1 };

    /// <summary>Serialized now, with the trace id of the request that caused it, because it is stored; <paramref name="index"/> names the transfer of a batch that was refused.</summary>
    public static LedgerOutcome Create(int status, string code, string detail, string? traceId, int? index = null)
    {
        var problem = ApiProblems.Details(status, code, detail);
        if (index is not null)
        {
            problem.Extensions["index"] = index.Value;
        }

        problem.Extensions[ApiProblems.TraceIdKey] = traceId;
        return new LedgerOutcome(status, JsonSerializer.Serialize(problem, StrongroomJsonContext.Default.ProblemDetails), Code: code);
    }
}
