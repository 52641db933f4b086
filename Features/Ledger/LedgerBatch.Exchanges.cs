using System.Text.Json;
using Strongroom.Features.Vocabulary;
using Strongroom.Infrastructure.Events;

namespace Strongroom.Features.Ledger;

/// <summary>A currency exchange, decided like every command: in memory, against the work set, undone whole if refused.</summary>
internal sealed partial class LedgerBatch
{
    private static readonly Refusal TooSmall = new(StatusCodes.Status422UnprocessableEntity, "amount_too_small", "At this rate the sell amount buys less than one minor unit of the buy currency.");

    /// <summary>
    /// The sell leg (source account to the sell currency's settlement account) and the buy leg (the
    /// buy currency's settlement account to the destination), each by the rules of a transfer, at
    /// the rate this transaction read: both apply or, if either is refused, neither (the caller's
    /// <see cref="LedgerWorkSet.Restore"/> undoes the first).
    /// </summary>
    private LedgerOutcome Exchange(LedgerWorkSet work, PostExchange command)
    {
        var caller = command.Caller!;
        var from = work.Accounts.GetValueOrDefault(command.FromAccountId);
        var to = work.Accounts.GetValueOrDefault(command.ToAccountId);
        var rate = from is null || to is null ? null : work.FxRates.GetValueOrDefault((from.Currency, to.Currency));
        if (ExchangeRules.RefuseExchange(caller, command, from, to, rate, work.Now) is { } refusal)
        {
            return LedgerProblems.Create(refusal.Status, refusal.Code, refusal.Detail, command.TraceId);
        }

        var bought = ExchangeRules.BuyAmount(command.SellAmount, rate!.Rate, from!.Currency, to!.Currency);
        var limit = bought > (long)Amounts.Max ? OutOfRange : bought == 0 ? TooSmall : (Refusal?)null;
        if (limit is { } tooBigOrSmall)
        {
            return LedgerProblems.Create(tooBigOrSmall.Status, tooBigOrSmall.Code, tooBigOrSmall.Detail, command.TraceId);
        }

        var description = $"Exchange {command.Id}";
        var sell = new TransferInstruction(
            command.SellTransferId, TransferKind.Withdrawal, from.Id, ToAccountId: null, command.SellAmount, from.Currency, description, Metadata: null, Hold: false, HoldExpiresAt: null);
        var buy = new TransferInstruction(
            command.BuyTransferId, TransferKind.Deposit, FromAccountId: null, to.Id, bought, to.Currency, description, Metadata: null, Hold: false, HoldExpiresAt: null);
        TransferRow? received = null;
        if ((TryPost(work, caller, sell, out var sold) ?? TryPost(work, caller, buy, out received)) is { } legRefusal)
        {
            return LedgerProblems.Create(legRefusal.Status, legRefusal.Code, legRefusal.Detail, command.TraceId);
        }

        foreach (var leg in new[] { sold!, received! })
        {
            work.AddEvent(
                EventTypes.TransferPosted, JsonSerializer.Serialize(leg.ToResponse(), StrongroomJsonContext.Default.TransferResponse),
                work.Accounts[leg.FromAccountId].OwnerId, work.Accounts[leg.ToAccountId].OwnerId);
        }

        var exchange = new ExchangeRow
        {
            Id = command.Id,
            FromAccountId = from.Id,
            ToAccountId = to.Id,
            SellAmount = command.SellAmount,
            SellCurrency = from.Currency,
            SellTransferId = sold!.Id,
            BuyAmount = bought,
            BuyCurrency = to.Currency,
            BuyTransferId = received!.Id,
            Rate = rate.Text,
            InitiatedBy = caller.UserId,
            CreatedAt = work.Now,
        };
        // Added last, once nothing can refuse the command: a refusal never has an exchange to undo.
        work.NewExchanges.Add(exchange);
        var data = JsonSerializer.Serialize(exchange.ToResponse(), StrongroomJsonContext.Default.ExchangeResponse);
        work.AddEvent(EventTypes.ExchangeCompleted, data, from.OwnerId, to.OwnerId);
        return new LedgerOutcome(StatusCodes.Status201Created, data, Location: $"/v1/exchanges/{command.Id}");
    }
}
