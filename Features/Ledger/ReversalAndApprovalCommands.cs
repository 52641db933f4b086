using Strongroom.Features.Vocabulary;

namespace Strongroom.Features.Ledger;

/// <summary>
/// Send money back along a posted transfer: a new posted transfer from the original's destination
/// to its source, naming the original (<c>reversalOf</c>), of <see cref="Amount"/> (default: what
/// is left to reverse). The reversals of one transfer add up to at most what it posted.
/// </summary>
public sealed class PostReversal(CommandOrigin origin) : LedgerCommand(origin)
{
    /// <summary>The transfer to reverse.</summary>
    public required string OriginalId { get; init; }

    /// <summary>The id the reversal gets (assigned before queuing, as every transfer's is).</summary>
    public required string ReversalId { get; init; }

    public long? Amount { get; init; }

    public string? Description { get; init; }

    /// <summary>
    /// Dual control: staff reversing at least its currency's threshold (minor units) get an
    /// approval instead (<see cref="ApprovalId"/>, expiring after <see cref="ApprovalExpiry"/>).
    /// Null for a reversal that is itself an approved one.
    /// </summary>
    public IReadOnlyDictionary<string, long>? ApprovalThresholds { get; init; }

    public string? ApprovalId { get; init; }

    public TimeSpan ApprovalExpiry { get; init; }
}

/// <summary>
/// Dual control: record a staff deposit or withdrawal at or above its currency's threshold as a
/// pending approval instead of moving money; answered 202 with the approval, which is what the
/// request's Idempotency-Key replays.
/// </summary>
public sealed class RequestApproval(CommandOrigin origin) : LedgerCommand(origin)
{
    public required string ApprovalId { get; init; }

    /// <summary><see cref="ApprovalOperations.Deposit"/> or <see cref="ApprovalOperations.Withdrawal"/>.</summary>
    public required string Operation { get; init; }

    public required ApprovalRequest Request { get; init; }

    public required TimeSpan Expiry { get; init; }
}

/// <summary>
/// Dual control: approve (applying <see cref="Operation"/> in the same transaction) or reject a
/// pending approval. The writer checks it is still pending and unexpired when it applies this, so
/// of two racing decisions exactly one wins and the operation runs at most once.
/// </summary>
public sealed class DecideApproval() : LedgerCommand(origin: null)
{
    public required string ApprovalId { get; init; }

    /// <summary>The member of staff deciding.</summary>
    public required Caller Decider { get; init; }

    public required string DeciderTraceId { get; init; }

    /// <summary>For an approval: what the approval asked for (made from its stored request); null to reject.</summary>
    public LedgerCommand? Operation { get; init; }
}
