using Strongroom.Features.Vocabulary;

namespace Strongroom.Features.Ledger;

/// <summary>What reversals and dual control add to a ledger transaction's state.</summary>
internal sealed partial class LedgerWorkSet
{
    private readonly Dictionary<string, (long Reversed, long Updated, bool WasChanged)> _reversedBefore = new(StringComparer.Ordinal);

    /// <summary>Originals whose <c>reversed_amount</c> changed: several reversals of one add up here.</summary>
    public Dictionary<string, TransferRow> ReversedTransfers { get; } = new(StringComparer.Ordinal);

    /// <summary>The approvals the commands decide, locked and loaded; a decision changes the row in place.</summary>
    public Dictionary<string, ApprovalRow> Approvals { get; } = new(StringComparer.Ordinal);

    public List<ApprovalRow> NewApprovals { get; } = [];

    /// <summary>Approvals decided in this transaction (written after the operation they applied).</summary>
    public Dictionary<string, ApprovalRow> DecidedApprovals { get; } = new(StringComparer.Ordinal);

    /// <summary>Adds <paramref name="amount"/> to what has been reversed of <paramref name="original"/>; undone with the command if it is refused.</summary>
    public void AddReversed(TransferRow original, long amount)
    {
        _reversedBefore.TryAdd(original.Id, (original.ReversedAmount, original.UpdatedAt, ReversedTransfers.ContainsKey(original.Id)));
        original.ReversedAmount = checked(original.ReversedAmount + amount);
        original.UpdatedAt = Now;
        ReversedTransfers[original.Id] = original;
    }

    private void RestoreReversals()
    {
        foreach (var (id, (reversed, updated, wasChanged)) in _reversedBefore)
        {
            var original = Transfers[id];
            original.ReversedAmount = reversed;
            original.UpdatedAt = updated;
            if (!wasChanged)
            {
                ReversedTransfers.Remove(id);
            }
        }

        _reversedBefore.Clear();
    }
}
