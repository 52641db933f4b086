using System.Data.Common;
using System.Text.Json;
using Microsoft.Extensions.Primitives;
using Strongroom.Features.Vocabulary;
using Strongroom.Infrastructure.Common;
using Strongroom.Infrastructure.Events;

namespace Strongroom.Features.Ledger;

/// <summary>
/// Asynchronous writes (RFC 7240 <c>Prefer: respond-async</c>), the part inside the ledger
/// writer's transaction. A request accepted asynchronously was recorded by <see cref="AsyncIntake"/>
/// in <c>async_requests</c> with its Idempotency-Key stored as a 202; <see cref="AsyncDrain"/>
/// submits it as an ordinary <see cref="PostTransfers"/> carrying its inbox sequence. The writer
/// recognises the 202 as the request's own (<see cref="IsOwnAcceptance"/>), applies it under
/// exactly the rules of a synchronous request, replaces the 202 with the final answer and marks
/// the inbox row applied or failed, all in the transaction of the movement or the refusal: after
/// a crash the request is either wholly applied and marked, or still processing.
/// </summary>
public static class AsyncInbox
{
    public const string PreferHeader = "Prefer";
    public const string PreferenceAppliedHeader = "Preference-Applied";
    public const string RespondAsync = "respond-async";

    public const string PreferDescription = "RFC 7240 preferences. With respond-async the request is recorded durably and answered 202 Accepted at once ({\"id\",\"status\":\"processing\"}, Preference-Applied: respond-async), then applied by the ledger in the order accepted; GET /v1/transfers/{id} shows processing, then the transfer, or failed with the problem a synchronous request would have got. Idempotency-Key semantics are those of a synchronous request, across both modes. Without it, the request is applied before it is answered.";

    public const string Processing = "processing";
    public const string Applied = "applied";
    public const string Failed = "failed";

    /// <summary>
    /// True when one of the <c>Prefer</c> header values holds the <c>respond-async</c> preference
    /// (RFC 7240 §2: comma-separated preferences, each a token, optionally <c>=value</c> and
    /// <c>;parameters</c>; tokens compare case-insensitively; quoted strings may hold commas).
    /// </summary>
    public static bool IsRequested(StringValues prefer)
    {
        foreach (var value in prefer)
        {
            if (value is null)
            {
                continue;
            }

            var start = 0;
            var quoted = false;
            for (var i = 0; i <= value.Length; i++)
            {
                if (i < value.Length && value[i] == '"')
                {
                    quoted = !quoted;
                }
                else if (i < value.Length && value[i] == '\\' && quoted)
                {
                    i++;
                }
                else if (i == value.Length || (value[i] == ',' && !quoted))
                {
                    if (IsRespondAsync(value.AsSpan(start, Math.Min(i, value.Length) - start)))
                    {
                        return true;
                    }

                    start = i + 1;
                }
            }
        }

        return false;
    }

    private static bool IsRespondAsync(ReadOnlySpan<char> preference)
    {
        preference = preference.Trim(" \t");
        var end = preference.IndexOfAny("=; \t");
        var token = end < 0 ? preference : preference[..end];
        return token.Equals(RespondAsync, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The 202 body of an accepted request, stored with its Idempotency-Key and replayed while it is processing.</summary>
    public static string AcceptedBody(PostTransfers command) => command.IsBatch
        ? JsonSerializer.Serialize(new AsyncBatchAccepted([.. command.Transfers.Select(t => t.Id)], TransferStatuses.Processing), StrongroomJsonContext.Default.AsyncBatchAccepted)
        : JsonSerializer.Serialize(new AsyncTransferAccepted(command.Transfers[0].Id, TransferStatuses.Processing), StrongroomJsonContext.Default.AsyncTransferAccepted);

    /// <summary>The drain's command meets the 202 that its own intake stored: apply it, do not replay the 202.</summary>
    internal static bool IsOwnAcceptance(LedgerCommand command, LedgerWorkSet.StoredResponse stored) =>
        command is PostTransfers { InboxSequence: not null } && stored.ResponseStatus == StatusCodes.Status202Accepted && stored.RequestHash == command.RequestHash;

    /// <summary>What the writer decided for an inbox request: applied, or failed with the problem a synchronous request would have got.</summary>
    internal static void Record(LedgerWorkSet work, LedgerCommand command, LedgerOutcome outcome)
    {
        if (command is not PostTransfers { InboxSequence: { } sequence } || outcome.Status == StatusCodes.Status202Accepted)
        {
            return;
        }

        if (outcome.IsSuccess)
        {
            work.InboxOutcomes.Add(new Outcome { Sequence = sequence, State = Applied, FinishedAt = work.Now });
            return;
        }

        var (code, detail) = ProblemOf(outcome);
        work.InboxOutcomes.Add(new Outcome { Sequence = sequence, State = Failed, FailureStatus = outcome.Status, FailureCode = code, FailureDetail = detail, FinishedAt = work.Now });
        // The outcome is an event too: one transfer.failed per transfer of the request, its data what
        // GET /v1/transfers/{id} now answers (the transfer as requested, failed, with the problem), for
        // the sender, who alone can see a transfer that never reached the ledger.
        var post = (PostTransfers)command;
        var failure = new TransferFailure(code, detail);
        foreach (var instruction in post.Transfers)
        {
            var failed = new TransferResponse(
                instruction.Id, instruction.FromAccountId ?? "", instruction.ToAccountId ?? "", instruction.Amount, instruction.Currency,
                TransferStatuses.Failed, 0, instruction.Description, instruction.Metadata,
                instruction.HoldExpiresAt is { } expires ? UnixMicroseconds.ToDateTimeOffset(expires) : null,
                UnixMicroseconds.ToDateTimeOffset(post.AcceptedAt), failure, instruction.Reference);
            work.AddEvent(EventTypes.TransferFailed, JsonSerializer.Serialize(failed, StrongroomJsonContext.Default.TransferResponse), command.Caller!.UserId, null);
        }
    }

    private static (string Code, string Detail) ProblemOf(LedgerOutcome outcome)
    {
        string? code = outcome.Code, detail = null;
        try
        {
            using var body = JsonDocument.Parse(outcome.Body);
            if (body.RootElement.ValueKind == JsonValueKind.Object)
            {
                if (code is null && body.RootElement.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.String)
                {
                    code = c.GetString();
                }

                if (body.RootElement.TryGetProperty("detail", out var d) && d.ValueKind == JsonValueKind.String)
                {
                    detail = d.GetString();
                }
            }
        }
        catch (JsonException)
        {
            // A stored body is always a problem; should it not be, the status still says what happened.
        }

        return (code ?? "refused", detail ?? "The request was refused.");
    }

    /// <summary>Writes the final answers over the 202 records and the inbox states, in the writer's transaction.</summary>
    internal static async Task SaveAsync(SqlDatabase database, DbConnection connection, DbTransaction transaction, LedgerWorkSet work, int? commandTimeout)
    {
        foreach (var key in work.ReplacedKeys)
        {
            await connection.ExecuteAsync(Sql.ReplaceAccepted, key, transaction, commandTimeout);
        }

        foreach (var outcome in work.InboxOutcomes)
        {
            await connection.ExecuteAsync(database.Pick(Sqlite.Finish, SqlServer.Finish), outcome, transaction, commandTimeout);
        }
    }

    /// <summary>One row's new state (a class: Dapper.AOT binds its properties).</summary>
    internal sealed class Outcome
    {
        public long Sequence { get; init; }

        public string State { get; init; } = Processing;

        public int? FailureStatus { get; init; }

        public string? FailureCode { get; init; }

        public string? FailureDetail { get; init; }

        public long FinishedAt { get; init; }
    }

    private static class Sql
    {
        public const string ReplaceAccepted = """
            UPDATE idempotency_keys SET response_status = @ResponseStatus, response_body = @ResponseBody
            WHERE owner_id = @OwnerId AND idempotency_key = @Key AND request_hash = @RequestHash AND response_status = 202
            """;
    }

    private static class Sqlite
    {
        public const string Finish = """
            UPDATE async_requests
            SET state = @State, failure_status = @FailureStatus, failure_code = @FailureCode, failure_detail = @FailureDetail, finished_at = @FinishedAt
            WHERE sequence = @Sequence AND state = 'processing'
            """;
    }

    private static class SqlServer
    {
        public const string Finish = """
            UPDATE async_requests
            SET state = @State, failure_status = @FailureStatus, failure_code = @FailureCode, failure_detail = @FailureDetail, finished_at = @FinishedAt
            WHERE sequence = @Sequence AND state = N'processing'
            """;
    }
}
