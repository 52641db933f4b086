using Strongroom.Features.Vocabulary;

namespace Strongroom.Features.Ledger;

/// <summary>
/// An account as the rules of money see it: a value, so a rule that changes one returns a new
/// one and a refused command has nothing to undo in it. Also the row the ledger writer locks and
/// loads, and writes back.
/// </summary>
public sealed record AccountState
{
    public string Id { get; init; } = "";

    public string? OwnerId { get; init; }

    public string Kind { get; init; } = "";

    public string Currency { get; init; } = "";

    public string Status { get; init; } = "";

    public long Posted { get; init; }

    public long PendingDebits { get; init; }

    public long PendingCredits { get; init; }

    public long OverdraftLimit { get; init; }

    /// <summary>The sequence number of the account's last entry: each posting numbers the next.</summary>
    public long LastSequence { get; init; }
}

/// <summary>Why the rules refused a command: an HTTP status and the stable problem <c>code</c> clients see.</summary>
public readonly record struct Refusal(int Status, string Code, string Detail)
{
    public static Refusal NotFound(string what) => new(StatusCodes.Status404NotFound, "not_found", $"{what} was not found.");
}

/// <summary>
/// The rules of money, as pure functions over account and transfer state: no connection, no
/// request, no clock but the <c>now</c> they are given. Each command is checked by a
/// <c>Refuse…</c> rule first (null: it may apply), then applied by the rule that returns the
/// accounts it changes. Arithmetic is checked: a balance that would leave the 64-bit range throws
/// <see cref="OverflowException"/>, which the batch answers 422 <c>amount_out_of_range</c>
/// for the whole command.
/// </summary>
public static class LedgerRules
{
    /// <summary>The source account has already sent a transfer with this reference (an idempotent replay never gets here).</summary>
    public static readonly Refusal ReferenceTaken = new(
        StatusCodes.Status409Conflict, TransferReferences.TakenCode, "The source account has already sent a transfer with this reference.");

    /// <summary>
    /// Whether <paramref name="caller"/> may post <paramref name="instruction"/> between
    /// <paramref name="from"/> and <paramref name="to"/> (null where the ledger has no such
    /// account: for a deposit or a withdrawal, the settlement account of its currency). Refusals
    /// come in a fixed order, so the same request always gets the same answer.
    /// </summary>
    public static Refusal? RefusePost(Caller caller, TransferInstruction instruction, AccountState? from, AccountState? to)
    {
        // The account the client named comes first: unknown or not theirs is "not found".
        var named = instruction.Kind == TransferKind.Deposit ? to : from;
        if (named is null || (!caller.IsStaff && named.OwnerId != caller.UserId))
        {
            return Refusal.NotFound(instruction.Kind == TransferKind.Deposit ? "Account" : "Source account");
        }

        if (instruction.Kind == TransferKind.Transfer && (to is null || (to.Kind == AccountKinds.Settlement && !caller.IsStaff)))
        {
            return new Refusal(StatusCodes.Status422UnprocessableEntity, "account_not_found", "The destination account does not exist.");
        }

        // Deposits and withdrawals: no settlement account in that currency means no account in it
        // either. Checked before same_account, which an account in the wrong currency never reaches.
        if (from is null || to is null || from.Currency != instruction.Currency || to.Currency != instruction.Currency)
        {
            return new Refusal(StatusCodes.Status422UnprocessableEntity, "currency_mismatch", "Both accounts must hold the transfer's currency.");
        }

        if (from.Id == to.Id)
        {
            return new Refusal(StatusCodes.Status422UnprocessableEntity, "same_account", "Source and destination are the same account.");
        }

        if ((RefuseStatus(from) ?? RefuseStatus(to)) is { } statusRefusal)
        {
            return statusRefusal;
        }

        // A hold reserves the amount as a transfer spends it: both must fit the available balance.
        // Settlement accounts have no floor: the bank's own side of every deposit and withdrawal.
        if (from.Kind == AccountKinds.Customer && checked(from.Posted - from.PendingDebits - instruction.Amount) < -from.OverdraftLimit)
        {
            return new Refusal(StatusCodes.Status422UnprocessableEntity, "insufficient_funds", "The available balance of the source account, with its overdraft limit, does not cover the amount.");
        }

        return null;
    }

    /// <summary>The two accounts after posting <paramref name="amount"/>: a hold reserves it (pending on both sides), a transfer moves it.</summary>
    public static (AccountState From, AccountState To) Post(AccountState source, AccountState destination, long amount, bool hold) =>
        hold
            ? (source with { PendingDebits = checked(source.PendingDebits + amount) }, destination with { PendingCredits = checked(destination.PendingCredits + amount) })
            : Move(source, destination, amount);

    /// <summary>
    /// Whether <paramref name="caller"/> (null: the system's own hold expiry) may settle the hold
    /// <paramref name="transfer"/> between <paramref name="from"/> and <paramref name="to"/> at
    /// <paramref name="now"/> (microseconds since the Unix epoch), capturing
    /// <paramref name="amount"/> (null: all of it) for a capture.
    /// </summary>
    public static Refusal? RefuseSettle(Caller? caller, HoldAction action, long? amount, TransferRow transfer, AccountState from, AccountState to, long now)
    {
        if (caller is not null && !caller.IsStaff && from.OwnerId != caller.UserId)
        {
            return Refusal.NotFound("Transfer");
        }

        if (transfer.Status != TransferStatuses.Pending)
        {
            return new Refusal(StatusCodes.Status409Conflict, "hold_not_pending", $"The transfer is {transfer.Status}, not a pending hold.");
        }

        if (action == HoldAction.Expire && transfer.HoldExpiresAt > now)
        {
            return new Refusal(StatusCodes.Status409Conflict, "hold_not_expired", "The hold has not expired.");
        }

        if (action == HoldAction.Capture)
        {
            // Past its expiry a hold is as good as voided, even before the expiry job gets to it.
            if (transfer.HoldExpiresAt <= now)
            {
                return new Refusal(StatusCodes.Status409Conflict, "hold_not_pending", "The hold has expired.");
            }

            if (Captured(action, amount, transfer) > transfer.Amount)
            {
                return new Refusal(StatusCodes.Status422UnprocessableEntity, "amount_exceeds_hold", $"At most {transfer.Amount} can be captured.");
            }

            // Voiding and expiry only release the reservation, so an account's status never stops them.
            if ((RefuseStatus(from) ?? RefuseStatus(to)) is { } refusal)
            {
                return refusal;
            }
        }

        return null;
    }

    /// <summary>What settling the hold moves: for a capture the amount asked (default: all of it), otherwise nothing.</summary>
    public static long Captured(HoldAction action, long? amount, TransferRow transfer) =>
        action == HoldAction.Capture ? amount ?? transfer.Amount : 0;

    /// <summary>The status of a hold once settled.</summary>
    public static string Settled(HoldAction action) =>
        action == HoldAction.Capture ? TransferStatuses.Posted : TransferStatuses.Voided;

    /// <summary>The two accounts after settling a hold of <paramref name="held"/>: the whole reservation is released; only what was captured moves.</summary>
    public static (AccountState From, AccountState To) Settle(AccountState source, AccountState destination, long held, long captured)
    {
        var released = source with { PendingDebits = checked(source.PendingDebits - held) };
        var credited = destination with { PendingCredits = checked(destination.PendingCredits - held) };
        return captured > 0 ? Move(released, credited, captured) : (released, credited);
    }

    /// <summary>A debit and a credit that sum to zero, each the next entry of its account.</summary>
    public static (AccountState From, AccountState To) Move(AccountState source, AccountState destination, long amount) =>
        (source with { Posted = checked(source.Posted - amount), LastSequence = source.LastSequence + 1 },
         destination with { Posted = checked(destination.Posted + amount), LastSequence = destination.LastSequence + 1 });

    /// <summary>Money neither leaves nor enters a closed or frozen account.</summary>
    public static Refusal? RefuseStatus(AccountState account) => account.Status switch
    {
        AccountStatuses.Closed => new Refusal(StatusCodes.Status422UnprocessableEntity, "account_closed", $"Account {account.Id} is closed."),
        AccountStatuses.Frozen => new Refusal(StatusCodes.Status422UnprocessableEntity, "account_frozen", $"Account {account.Id} is frozen."),
        _ => null,
    };
}
