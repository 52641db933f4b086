using Strongroom.Features.Vocabulary;

namespace Strongroom.Features.Ledger;

/// <summary>
/// The rules of reversals, as pure functions like <see cref="LedgerRules"/>: who may reverse a
/// transfer, what it can still give back, and how much a reversal sends. The reversal itself is an
/// ordinary transfer, checked by <see cref="LedgerRules.RefusePost"/> (the destination's
/// available balance, frozen or closed accounts) like any other.
/// </summary>
public static class ReversalRules
{
    /// <summary>
    /// Whether <paramref name="caller"/> may reverse <paramref name="amount"/> (null: what is left)
    /// of <paramref name="original"/>, whose destination is <paramref name="destination"/>: staff,
    /// or the owner of the destination (the receiver sends money back); anyone else finds no such
    /// transfer.
    /// </summary>
    public static Refusal? RefuseReversal(Caller caller, long? amount, TransferRow original, AccountState destination)
    {
        if (!caller.IsStaff && destination.OwnerId != caller.UserId)
        {
            return Refusal.NotFound("Transfer");
        }

        if (original.Status != TransferStatuses.Posted)
        {
            return new Refusal(StatusCodes.Status409Conflict, "hold_not_posted",
                original.Status == TransferStatuses.Pending ? "A pending hold cannot be reversed: void it instead." : $"The transfer is {original.Status}: nothing was posted to reverse.");
        }

        var left = Reversible(original);
        if ((amount ?? left) > left || left == 0)
        {
            return new Refusal(StatusCodes.Status422UnprocessableEntity, "reversal_exceeds_original", $"At most {left} of this transfer is left to reverse.");
        }

        return null;
    }

    /// <summary>What is left to reverse: what the transfer posted (a captured hold: what it captured) less what earlier reversals sent back.</summary>
    public static long Reversible(TransferRow original) => original.CapturedAmount - original.ReversedAmount;

    /// <summary>What a reversal sends back: the amount asked, or all that is left.</summary>
    public static long Reversed(long? amount, TransferRow original) => amount ?? Reversible(original);
}
