using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Strongroom.Features.Vocabulary;
using Strongroom.Infrastructure.Common;
using Strongroom.Infrastructure.Events;

namespace Strongroom.Features.Ledger;

/// <summary>
/// Applies a group of commands in ONE database transaction: the store locks and loads every
/// account the group touches, each command is decided in memory by the rules of money
/// (<see cref="LedgerRules"/>) against the <see cref="LedgerWorkSet"/>, then the store writes the
/// changed balances once per account, the new transfers, their entries and the Idempotency-Key
/// records, and commits. A command that breaks a rule gets its own refusal and leaves no trace;
/// the others still apply.
/// </summary>
internal sealed partial class LedgerBatch(SqlDatabase database, TimeProvider time, LedgerOptions options, ILogger? logger = null) : IAsyncDisposable
{
    private readonly LedgerStore _store = new(database, time, logger ?? NullLogger.Instance);

    /// <summary>Closes the SQLite writer's connection (the container disposes this singleton after the writer has stopped).</summary>
    public ValueTask DisposeAsync() => _store.DisposeAsync();

    /// <summary>
    /// The outcome of each command, every account whose balances the commit changed, and how long
    /// the transaction took from holding the write lock to the end of COMMIT (of which COMMIT),
    /// and how many writes of other parts of the service rode in it (<see cref="SharedWrites"/>) and for how long, of the work.
    /// </summary>
    public sealed record Result(LedgerOutcome[] Outcomes, IReadOnlyList<AccountState> ChangedAccounts, TimeSpan Work, TimeSpan Commit, bool WroteEvents, int Shared = 0, TimeSpan SharedTime = default);

    /// <summary>
    /// Applies <paramref name="commands"/> in one transaction, giving up (and rolling back) once
    /// <paramref name="deadline"/> (a timestamp of the service's clock) has passed before COMMIT:
    /// every wait for a lock or the server is bounded by it. A failed COMMIT on SQL Server throws
    /// <see cref="LedgerStore.CommitOutcomeUnknownException"/>: the connection may have broken
    /// after the server committed.
    /// </summary>
    public async Task<Result> ApplyAsync(IReadOnlyList<LedgerCommand> commands, long deadline)
    {
        await using var transaction = await _store.BeginAsync(deadline);
        var began = time.GetTimestamp();
        var work = new LedgerWorkSet(UnixMicroseconds.Now(time));

        await transaction.LoadAsync(work, commands);
        var outcomes = new LedgerOutcome[commands.Count];
        for (var i = 0; i < commands.Count; i++)
        {
            outcomes[i] = Decide(work, commands[i]);
        }

        // Other parts' writes that ride in this transaction (SQLite), each in its own savepoint.
        var sharedStarted = time.GetTimestamp();
        var sharedCount = 0;
        for (var i = 0; i < commands.Count; i++)
        {
            if (commands[i] is SharedWrite shared)
            {
                outcomes[i] = await transaction.RunSharedAsync(shared);
                sharedCount++;
            }
        }

        var sharedTime = sharedCount > 0 ? time.GetElapsedTime(sharedStarted) : TimeSpan.Zero;

        await transaction.SaveAsync(work);
        var committing = time.GetTimestamp();
        await transaction.CommitAsync();
        var committed = time.GetTimestamp();
        return new Result(outcomes, work.ChangedAccounts, time.GetElapsedTime(began, committed), time.GetElapsedTime(committing, committed), work.NewEvents.Count > 0, sharedCount, sharedTime);
    }

    /// <summary>A replayed 201 of one transfer names it in Location, as the first answer did (the stored row keeps only status and body).</summary>
    private static string? ReplayedLocation(LedgerCommand command, LedgerWorkSet.StoredResponse stored)
    {
        // 202: a request accepted asynchronously and not applied yet names its transfer too.
        if (stored.ResponseStatus is not (StatusCodes.Status201Created or StatusCodes.Status202Accepted) || command is PostTransfers { IsBatch: true })
        {
            return null;
        }

        try
        {
            using var body = JsonDocument.Parse(stored.ResponseBody);
            return body.RootElement.ValueKind == JsonValueKind.Object && body.RootElement.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String
                ? command is PostExchange ? $"/v1/exchanges/{id.GetString()}" : ResourceLocation(id.GetString()!)
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Decides one command against what the work set holds, changing it only if the command applies: no database (the property tests drive it directly).</summary>
    internal LedgerOutcome Decide(LedgerWorkSet work, LedgerCommand command)
    {
        if (command is SharedWrite)
        {
            // Not money: run against the transaction by ApplyAsync, never decided here.
            return SharedWrite.Done;
        }

        if (command.IdempotencyKey is { } key)
        {
            var slot = (command.Caller!.UserId, key);
            // A request accepted asynchronously finds its own 202 record: it applies, and its answer replaces the 202.
            var accepted = work.StoredResponses.TryGetValue(slot, out var stored) && AsyncInbox.IsOwnAcceptance(command, stored);
            if (stored is not null && !accepted)
            {
                var replayed = stored.RequestHash == command.RequestHash
                    ? new LedgerOutcome(stored.ResponseStatus, stored.ResponseBody, Replayed: true, Location: ReplayedLocation(command, stored))
                    : LedgerProblems.Unprocessable(command.TraceId, "idempotency_key_reused", "This Idempotency-Key was used with a different request.");
                AsyncInbox.Record(work, command, replayed);
                return replayed;
            }

            var outcome = Apply(work, command);
            // Recorded in the same transaction as the movement: both happen, or neither.
            var record = new LedgerWorkSet.StoredResponse { RequestHash = command.RequestHash!, ResponseStatus = outcome.Status, ResponseBody = outcome.Body };
            work.StoredResponses[slot] = record;
            var row = new LedgerWorkSet.IdempotencyRow(slot.UserId, key, record.RequestHash, record.ResponseStatus, record.ResponseBody, work.Now,
                work.Now + (long)(options.IdempotencyRetention.Ticks / TimeSpan.TicksPerMicrosecond));
            (accepted ? work.ReplacedKeys : work.NewKeys).Add(row);
            AsyncInbox.Record(work, command, outcome);
            return outcome;
        }

        return Apply(work, command);
    }

    private LedgerOutcome Apply(LedgerWorkSet work, LedgerCommand command)
    {
        var savepoint = work.Begin();
        try
        {
            var outcome = command switch
            {
                PostTransfers post => Post(work, post),
                SettleHold settle => Settle(work, settle),
                PostReversal reverse => Reverse(work, reverse),
                RequestApproval request => RequestApprovalIn(work, request),
                DecideApproval decide => DecideApprovalIn(work, decide),
                PostExchange exchange => Exchange(work, exchange),
                _ => throw new InvalidOperationException($"Unknown ledger command {command.GetType().Name}."),
            };
            if (!outcome.IsSuccess)
            {
                work.Restore(savepoint);
            }

            return outcome;
        }
        catch (OverflowException)
        {
            work.Restore(savepoint);
            return LedgerProblems.Create(OutOfRange.Status, OutOfRange.Code, OutOfRange.Detail, command.TraceId);
        }
    }

    private static readonly Refusal OutOfRange = new(StatusCodes.Status422UnprocessableEntity, "amount_out_of_range", "The amount would take a balance beyond what the ledger can hold.");

    private LedgerOutcome Post(LedgerWorkSet work, PostTransfers command)
    {
        var responses = new List<TransferResponse>(command.Transfers.Count);
        string? lastData = null;
        for (var index = 0; index < command.Transfers.Count; index++)
        {
            Refusal? refusal;
            TransferRow? posted;
            try
            {
                refusal = TryPost(work, command.Caller!, command.Transfers[index], out posted);
            }
            catch (OverflowException)
            {
                // Caught here, not only in Apply, so that a batch names the transfer that overflowed.
                refusal = OutOfRange;
                posted = null;
            }

            if (refusal is not null)
            {
                // In a batch, the refusal names the transfer that caused it; nothing of the batch applies.
                return LedgerProblems.Create(refusal.Value.Status, refusal.Value.Code, refusal.Value.Detail, command.TraceId, command.IsBatch ? index : null);
            }

            var response = posted!.ToResponse();
            responses.Add(response);
            // The event's data is the transfer as GET /v1/transfers/{id} answers it; a refused batch drops them all (Restore).
            var data = JsonSerializer.Serialize(response, StrongroomJsonContext.Default.TransferResponse);
            lastData = data;
            work.AddEvent(
                posted.Status == TransferStatuses.Pending ? EventTypes.TransferPending : EventTypes.TransferPosted, data,
                work.Accounts[posted.FromAccountId].OwnerId, work.Accounts[posted.ToAccountId].OwnerId);
        }

        return command.IsBatch
            ? new LedgerOutcome(StatusCodes.Status201Created, JsonSerializer.Serialize(new TransferBatchResponse(responses), StrongroomJsonContext.Default.TransferBatchResponse))
            : new LedgerOutcome(StatusCodes.Status201Created, lastData!, Location: $"/v1/transfers/{responses[0].Id}");
    }

    private Refusal? TryPost(LedgerWorkSet work, Caller caller, TransferInstruction instruction, out TransferRow? posted)
    {
        posted = null;
        var settlement = work.SettlementIds.GetValueOrDefault(instruction.Currency);
        var fromId = instruction.Kind == TransferKind.Deposit ? settlement : instruction.FromAccountId;
        var toId = instruction.Kind == TransferKind.Withdrawal ? settlement : instruction.ToAccountId;
        var from = fromId is null ? null : work.Accounts.GetValueOrDefault(fromId);
        var to = toId is null ? null : work.Accounts.GetValueOrDefault(toId);
        if (LedgerRules.RefusePost(caller, instruction, from, to) is { } refusal)
        {
            return refusal;
        }

        // Checked here, inside the transaction, against what the store loaded and what this group posts: the unique index is only the last line of defence.
        if (instruction.Reference is { } reference && work.IsReferenceTaken(from!.Id, reference))
        {
            return LedgerRules.ReferenceTaken;
        }

        // Not refused: both accounts exist.
        var (debited, credited) = LedgerRules.Post(from!, to!, instruction.Amount, instruction.Hold);
        var transfer = new TransferRow
        {
            Id = instruction.Id,
            FromAccountId = debited.Id,
            ToAccountId = credited.Id,
            Amount = instruction.Amount,
            Currency = instruction.Currency,
            Status = instruction.Hold ? TransferStatuses.Pending : TransferStatuses.Posted,
            CapturedAmount = instruction.Hold ? 0 : instruction.Amount,
            Description = instruction.Description,
            Metadata = instruction.Metadata is null ? null : JsonSerializer.Serialize(instruction.Metadata, StrongroomJsonContext.Default.IReadOnlyDictionaryStringString),
            HoldExpiresAt = instruction.Hold
                ? instruction.HoldExpiresAt ?? work.Now + (options.DefaultHoldDuration.Ticks / TimeSpan.TicksPerMicrosecond)
                : null,
            InitiatedBy = caller.UserId,
            CreatedAt = work.Now,
            UpdatedAt = work.Now,
            Reference = instruction.Reference,
        };

        work.Update(debited);
        work.Update(credited);
        if (!instruction.Hold)
        {
            work.AddEntries(transfer.Id, instruction.Amount, debited, credited);
        }

        work.AddTransfer(transfer);
        posted = transfer;
        return null;
    }

    private static LedgerOutcome Settle(LedgerWorkSet work, SettleHold command)
    {
        if (!work.Transfers.TryGetValue(command.TransferId, out var transfer))
        {
            return LedgerProblems.NotFound(command.TraceId, "Transfer");
        }

        var from = work.Accounts[transfer.FromAccountId];
        var to = work.Accounts[transfer.ToAccountId];
        if (LedgerRules.RefuseSettle(command.Caller, command.Action, command.Amount, transfer, from, to, work.Now) is { } refusal)
        {
            return LedgerProblems.Create(refusal.Status, refusal.Code, refusal.Detail, command.TraceId);
        }

        var captured = LedgerRules.Captured(command.Action, command.Amount, transfer);
        var (debited, credited) = LedgerRules.Settle(from, to, transfer.Amount, captured);
        work.Update(debited);
        work.Update(credited);
        if (captured > 0)
        {
            work.AddEntries(transfer.Id, captured, debited, credited);
        }

        work.UpdateTransfer(transfer, LedgerRules.Settled(command.Action), captured);
        var data = JsonSerializer.Serialize(transfer.ToResponse(), StrongroomJsonContext.Default.TransferResponse);
        work.AddEvent(SettledEvent(command.Action), data, debited.OwnerId, credited.OwnerId);
        return new LedgerOutcome(StatusCodes.Status200OK, data);
    }

    private static string SettledEvent(HoldAction action) => action switch
    {
        HoldAction.Capture => EventTypes.TransferCaptured,
        HoldAction.Void => EventTypes.TransferVoided,
        _ => EventTypes.TransferExpired,
    };
}
