using Strongroom.Features.Vocabulary;
using Strongroom.Infrastructure.Events;

namespace Strongroom.Features.Ledger;

/// <summary>
/// Everything one ledger transaction has read and will write, with an undo log: a command the
/// rules refuse, or whose arithmetic overflows, is rolled back to where it started
/// (<see cref="Begin"/>, <see cref="Restore"/>), so it leaves no trace while the other commands
/// of the group still apply. Knows nothing of the database: the store fills it and saves it.
/// </summary>
internal sealed partial class LedgerWorkSet(long now)
{
    private readonly HashSet<string> _dirty = new(StringComparer.Ordinal);
    private readonly Dictionary<string, AccountState> _accountsBefore = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string Status, long Captured, long Updated)> _transfersBefore = new(StringComparer.Ordinal);

    /// <summary>Microseconds since the Unix epoch: one instant for every command of the transaction.</summary>
    public long Now { get; } = now;

    /// <summary>Every account the commands touch, as the last command left it.</summary>
    public Dictionary<string, AccountState> Accounts { get; } = new(StringComparer.Ordinal);

    /// <summary>The holds the commands settle.</summary>
    public Dictionary<string, TransferRow> Transfers { get; } = new(StringComparer.Ordinal);

    /// <summary>The settlement account of each currency a deposit or withdrawal names.</summary>
    public Dictionary<string, string> SettlementIds { get; } = new(StringComparer.Ordinal);

    public Dictionary<(string UserId, string Key), StoredResponse> StoredResponses { get; } = [];

    /// <summary>The current rate of each pair an exchange names (base, quote), read in this transaction.</summary>
    public Dictionary<(string Base, string Quote), FxRate> FxRates { get; } = [];

    /// <summary>The exchanges that applied; only a command that applies adds one, so a refusal has none to undo.</summary>
    public List<ExchangeRow> NewExchanges { get; } = [];

    public Dictionary<string, TransferRow> ChangedTransfers { get; } = new(StringComparer.Ordinal);

    public List<TransferRow> NewTransfers { get; } = [];

    public List<EntryRow> NewEntries { get; } = [];

    public List<IdempotencyRow> NewKeys { get; } = [];

    /// <summary>The events of the commands that applied, in the order they applied; written in the same transaction.</summary>
    public List<NewEvent> NewEvents { get; } = [];

    /// <summary>Keys accepted asynchronously (stored with 202) whose final answer replaces the 202 (<see cref="AsyncInbox"/>).</summary>
    public List<IdempotencyRow> ReplacedKeys { get; } = [];

    /// <summary>What became of each asynchronously accepted request this transaction applies or refuses.</summary>
    public List<AsyncInbox.Outcome> InboxOutcomes { get; } = [];

    /// <summary>The (source account, reference) pairs the group's transfers name that the ledger already holds.</summary>
    public HashSet<(string AccountId, string Reference)> TakenReferences { get; } = [];

    /// <summary>
    /// Whether <paramref name="accountId"/> has already sent a transfer with <paramref name="reference"/>:
    /// one in the ledger, or one this transaction posts (a refused command's are gone with it, <see cref="Restore"/>).
    /// </summary>
    public bool IsReferenceTaken(string accountId, string reference) =>
        TakenReferences.Contains((accountId, reference))
        || NewTransfers.Exists(t => t.Reference == reference && string.Equals(t.FromAccountId, accountId, StringComparison.Ordinal));

    /// <summary>The accounts whose balances changed, in ascending id order (the order the store writes, and locks, them).</summary>
    public IReadOnlyList<AccountState> ChangedAccounts => [.. _dirty.Order(StringComparer.Ordinal).Select(id => Accounts[id])];

    /// <summary>Replaces an account with what a rule made of it.</summary>
    public void Update(AccountState account)
    {
        _accountsBefore.TryAdd(account.Id, Accounts[account.Id]);
        Accounts[account.Id] = account;
        _dirty.Add(account.Id);
    }

    /// <summary>Numbers the debit and the credit of a movement the rules made (<see cref="LedgerRules.Move"/>).</summary>
    public void AddEntries(string transferId, long amount, AccountState from, AccountState to)
    {
        NewEntries.Add(new EntryRow(from.Id, from.LastSequence, transferId, -amount, from.Posted, Now));
        NewEntries.Add(new EntryRow(to.Id, to.LastSequence, transferId, amount, to.Posted, Now));
    }

    public void AddTransfer(TransferRow transfer) => NewTransfers.Add(transfer);

    /// <summary>
    /// An event of the command being decided: <paramref name="dataJson"/> is the resource as its
    /// GET returns it after the change; the owners (null for none) may see it. Undone with the
    /// command if it is refused.
    /// </summary>
    public void AddEvent(string type, string dataJson, string? ownerA, string? ownerB) => NewEvents.Add(new NewEvent(type, dataJson, ownerA, ownerB));

    /// <summary>Settles a hold: its new status and what it captured.</summary>
    public void UpdateTransfer(TransferRow transfer, string status, long captured)
    {
        ChangedTransfers[transfer.Id] = transfer;
        _transfersBefore.TryAdd(transfer.Id, (transfer.Status, transfer.CapturedAmount, transfer.UpdatedAt));
        transfer.Status = status;
        transfer.CapturedAmount = captured;
        transfer.UpdatedAt = Now;
    }

    /// <summary>Starts a command: what it changes from here can be undone if it is refused.</summary>
    public Savepoint Begin()
    {
        _accountsBefore.Clear();
        _transfersBefore.Clear();
        _reversedBefore.Clear();
        return new Savepoint(NewTransfers.Count, NewEntries.Count, NewEvents.Count, [.. _dirty], [.. ChangedTransfers.Keys]);
    }

    /// <summary>Undoes everything since <paramref name="savepoint"/>.</summary>
    public void Restore(Savepoint savepoint)
    {
        foreach (var (id, before) in _accountsBefore)
        {
            Accounts[id] = before;
        }

        foreach (var (id, (status, captured, updated)) in _transfersBefore)
        {
            var transfer = Transfers[id];
            transfer.Status = status;
            transfer.CapturedAmount = captured;
            transfer.UpdatedAt = updated;
        }

        RestoreReversals();

        NewTransfers.RemoveRange(savepoint.Transfers, NewTransfers.Count - savepoint.Transfers);
        NewEntries.RemoveRange(savepoint.Entries, NewEntries.Count - savepoint.Entries);
        NewEvents.RemoveRange(savepoint.Events, NewEvents.Count - savepoint.Events);
        _dirty.IntersectWith(savepoint.DirtyAccounts);
        foreach (var id in ChangedTransfers.Keys.Except(savepoint.ChangedTransfers).ToList())
        {
            ChangedTransfers.Remove(id);
        }
    }

    public sealed record Savepoint(int Transfers, int Entries, int Events, HashSet<string> DirtyAccounts, HashSet<string> ChangedTransfers);

    /// <summary>What an Idempotency-Key answered the first time, to be replayed byte for byte.</summary>
    public sealed class StoredResponse
    {
        public string RequestHash { get; init; } = "";

        public int ResponseStatus { get; init; }

        public string ResponseBody { get; init; } = "";
    }

    /// <summary>A reference the ledger already holds, as the store loads it.</summary>
    public sealed class ReferenceRow
    {
        public string AccountId { get; init; } = "";

        public string Reference { get; init; } = "";
    }

    public sealed record EntryRow(string AccountId, long Sequence, string TransferId, long Amount, long BalanceAfter, long CreatedAt);

    public sealed record IdempotencyRow(string OwnerId, string Key, string RequestHash, int ResponseStatus, string ResponseBody, long CreatedAt, long ExpiresAt);
}
