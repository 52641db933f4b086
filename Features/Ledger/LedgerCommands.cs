using System.Diagnostics;

namespace Strongroom.Features.Ledger;

/// <summary>Who asked: used for ownership checks made inside the writer's transaction.</summary>
public sealed record Caller(string UserId, bool IsStaff);

public enum TransferKind
{
    /// <summary>Between two named accounts.</summary>
    Transfer,

    /// <summary>From the currency's settlement account to the named account.</summary>
    Deposit,

    /// <summary>From the named account to the currency's settlement account.</summary>
    Withdrawal,
}

/// <summary>
/// One movement of money as the client asked for it; the id is assigned before queuing.
/// <paramref name="Reference"/>: the client's id for it, unique per source account (checked by the writer).
/// </summary>
public sealed record TransferInstruction(
    string Id,
    TransferKind Kind,
    string? FromAccountId,
    string? ToAccountId,
    long Amount,
    string Currency,
    string? Description,
    IReadOnlyDictionary<string, string>? Metadata,
    bool Hold,
    long? HoldExpiresAt,
    string? Reference = null);

public enum HoldAction
{
    Capture,
    Void,
    Expire,
}

/// <summary>
/// Who sent a command made from a request, with which Idempotency-Key, and the hash of the request
/// the key is remembered with. <see cref="MoneyMovement.Origin"/> makes it.
/// </summary>
public sealed record CommandOrigin(Caller Caller, string IdempotencyKey, string RequestHash, string TraceId);

/// <summary>
/// Work for the ledger writer. It completes only after the transaction that applied it has
/// committed (or with the error that refused it), never before.
/// </summary>
/// <param name="origin">Null for the system's own work (hold expiry).</param>
public abstract class LedgerCommand(CommandOrigin? origin)
{
    /// <summary>Null for the system's own work (hold expiry).</summary>
    public Caller? Caller => origin?.Caller;

    public string? IdempotencyKey => origin?.IdempotencyKey;

    public string? RequestHash => origin?.RequestHash;

    public string? TraceId => origin?.TraceId;

    /// <summary>
    /// The span of the request that made this command (none for the system's own work): the group
    /// commit that applies it links to it, so a trace shows which commit answered a request.
    /// </summary>
    internal ActivityContext RequestContext { get; } = Activity.Current?.Context ?? default;

    internal TaskCompletionSource<LedgerOutcome> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// When the writer must have given up on this command (a timestamp of the service's
    /// <see cref="TimeProvider"/>): set on admission to <c>Ledger:MaxWriterWait</c> from then.
    /// </summary>
    internal long Deadline { get; set; } = long.MaxValue;

    /// <summary>1 once answered: the queue counts it out before the client can see the answer.</summary>
    internal int Answered;
}

/// <summary>One transfer, or a batch applied all or nothing.</summary>
public sealed class PostTransfers(CommandOrigin origin) : LedgerCommand(origin)
{
    public required IReadOnlyList<TransferInstruction> Transfers { get; init; }

    public bool IsBatch { get; init; }

    /// <summary>The <c>async_requests</c> sequence when this applies a request accepted with <c>Prefer: respond-async</c> (see <see cref="AsyncInbox"/>); else null.</summary>
    public long? InboxSequence { get; init; }

    /// <summary>For an asynchronously accepted request: when it was accepted (microseconds), its transfers' <c>createdAt</c> while processing or failed.</summary>
    public long AcceptedAt { get; init; }
}

/// <summary>Capture or void a hold for a caller, or expire it for the system (no origin).</summary>
public sealed class SettleHold(CommandOrigin? origin = null) : LedgerCommand(origin)
{
    public required string TransferId { get; init; }

    public required HoldAction Action { get; init; }

    /// <summary>For a capture: the amount to post (default: all of it).</summary>
    public long? Amount { get; init; }
}

/// <summary>
/// The HTTP answer to a command: what was, or will be, replayed for its Idempotency-Key; a
/// refusal's problem <c>Code</c> is kept beside the body for the metrics (null on success and on a replay).
/// </summary>
public sealed record LedgerOutcome(int Status, string Body, bool Replayed = false, string? Location = null, int? RetryAfterSeconds = null, string? Code = null)
{
    public bool IsSuccess => Status is >= 200 and < 300;
}
