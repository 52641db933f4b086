using System.Text.Json;
using CsCheck;
using Microsoft.Extensions.Options;
using Strongroom.Features.Ledger;
using Strongroom.Features.Vocabulary;
using Strongroom.Infrastructure.Database;
using Strongroom.Infrastructure.Events;

namespace Strongroom.Api.Tests.Ledger;

/// <summary>
/// Random sequences of transfers, deposits, withdrawals, batches, holds, captures (full and
/// partial), voids, expiries, reversals (full and partial, of anything posted, by anyone),
/// currency exchanges (at a current, expired, missing or misquoted rate),
/// freezes, closures and overdraft changes, each decided the way the
/// ledger writer decides it (<see cref="LedgerBatch.Decide"/> over a <see cref="LedgerWorkSet"/>,
/// the rules and the undo log, without the database), against a deliberately simple model: plain
/// balances and a list of holds whose pending sums are added up, not kept. After every step: the
/// answer is the model's, per currency the balances sum to zero, no command takes a customer below
/// minus its overdraft limit, available = posted - pending, the entries number and explain every
/// balance, what was reversed of a transfer never exceeds what it posted and is what its
/// reversals add up to, and a refused command changed nothing.
/// </summary>
public sealed class LedgerRulesPropertyTests
{
    /// <summary>Sequences tried per run; each has up to <see cref="MaxSteps"/> steps.</summary>
    private const int Iterations = 2_000;

    private const int MaxSteps = 40;

    private const long Ceiling = 1_000_000_000_000_000;

    private const long Start = 1_700_000_000_000_000;

    private static readonly string[] Owners = ["usr_0", "usr_1", "usr_2"];

    /// <summary>
    /// Two settlement accounts and four customer accounts, three in EUR and one in USD; then, for
    /// exchanges only, a JPY customer and the JPY settlement account (no minor unit, so exchanges
    /// into and out of it scale).
    /// </summary>
    private static readonly AccountState[] Opened =
    [
        new() { Id = "acc_settle_eur", Kind = AccountKinds.Settlement, Currency = "EUR", Status = AccountStatuses.Active },
        new() { Id = "acc_settle_usd", Kind = AccountKinds.Settlement, Currency = "USD", Status = AccountStatuses.Active },
        new() { Id = "acc_c0", OwnerId = "usr_0", Kind = AccountKinds.Customer, Currency = "EUR", Status = AccountStatuses.Active },
        new() { Id = "acc_c1", OwnerId = "usr_1", Kind = AccountKinds.Customer, Currency = "EUR", Status = AccountStatuses.Active },
        new() { Id = "acc_c2", OwnerId = "usr_2", Kind = AccountKinds.Customer, Currency = "EUR", Status = AccountStatuses.Active },
        new() { Id = "acc_c3", OwnerId = "usr_0", Kind = AccountKinds.Customer, Currency = "USD", Status = AccountStatuses.Active },
        new() { Id = "acc_c4", OwnerId = "usr_0", Kind = AccountKinds.Customer, Currency = "JPY", Status = AccountStatuses.Active },
        new() { Id = "acc_settle_jpy", Kind = AccountKinds.Settlement, Currency = "JPY", Status = AccountStatuses.Active },
    ];

    private static readonly string[] Currencies = ["EUR", "USD", "JPY"];

    /// <summary>The current rate of each pair, when it has one.</summary>
    private static readonly Dictionary<(string Base, string Quote), decimal> Rates = new()
    {
        [("EUR", "USD")] = 1.0842m, [("USD", "EUR")] = 0.9223m, [("EUR", "JPY")] = 161.2345m,
        [("JPY", "EUR")] = 0.006203m, [("USD", "JPY")] = 148.5m, [("JPY", "USD")] = 0.0000067m,
    };

    /// <summary>The source of an exchange: mostly one of usr_0's accounts (EUR, which transfers fund, most), now and then usr_1's or a settlement account.</summary>
    private static readonly Gen<int> ExchangeSource = Gen.Int[0, 9].Select(i => i switch { 0 => 0, 1 => 3, 2 or 3 => 5, 4 => 6, _ => 2 });

    /// <summary>The destination of an exchange: mostly another of usr_0's accounts, now and then usr_1's or a settlement account.</summary>
    private static readonly Gen<int> ExchangeDestination = Gen.Int[0, 9].Select(i => i switch { 0 => 7, 1 => 3, 2 => 2, 3 or 4 or 5 => 5, _ => 6 });

    private static readonly Gen<long> Amount = Gen.Frequency<long>((20, Gen.Long[1, 1_500]), (1, Gen.Long[1, Ceiling]));

    /// <summary>Who asks: 0 a stranger, 1 staff, otherwise the owner of the account the request names.</summary>
    private static readonly Gen<int> Asker = Gen.Int[0, 11];

    /// <summary>An account, most often one of the EUR customers: 0 and 1 the settlement accounts, 5 the USD customer.</summary>
    private static readonly Gen<int> AccountIndex = Gen.Int[0, 19].Select(i => i switch { 0 => 0, 1 => 1, >= 18 => 5, _ => 2 + (i % 3) });

    private static readonly Gen<Pick> Picks = Gen.Select(
        AccountIndex, AccountIndex, Gen.Int[0, 9], Asker, Gen.Int[0, 9], Amount, Gen.Int[0, 2], Gen.Long[1, 60],
        (from, to, kind, asker, currency, amount, hold, expiry) => new Pick(
            kind < 5 ? TransferKind.Transfer : kind < 8 ? TransferKind.Deposit : TransferKind.Withdrawal,
            // Paying oneself now and then, not one time in three.
            from, to == from && kind % 4 != 0 && from is >= 2 and <= 4 ? 2 + ((from - 1) % 3) : to,
            asker, OtherCurrency: currency == 0, amount, Hold: hold == 0, expiry));

    private static readonly Gen<int> HoldIndex = Gen.Int[0, 1_000];

    /// <summary>Mostly a hold still pending; now and then any hold, settled or not.</summary>
    private static readonly Gen<bool> AnyHold = Gen.Int[0, 4].Select(i => i == 0);

    private static readonly Gen<Step> Steps = Gen.Frequency<Step>(
        (10, Picks.Array[1, 3].Select(picks => (Step)new PostStep(picks))),
        (4, Gen.Select(HoldIndex, AnyHold, Asker, Gen.Bool, Gen.Long[0, 3_000], (hold, any, asker, full, amount) => (Step)new SettleStep(hold, any, HoldAction.Capture, asker, full ? null : amount))),
        (2, Gen.Select(HoldIndex, AnyHold, Asker, (hold, any, asker) => (Step)new SettleStep(hold, any, HoldAction.Void, asker, null))),
        (2, Gen.Select(HoldIndex, AnyHold, (hold, any) => (Step)new SettleStep(hold, any, HoldAction.Expire, Asker: -1, null))),
        (4, Gen.Select(HoldIndex, Asker, Gen.Bool, Gen.Long[0, 3_000], (transfer, asker, all, amount) => (Step)new ReverseStep(transfer, asker, all ? null : amount))),
        (4, Gen.Long[1, 25].Select(microseconds => (Step)new AdvanceStep(microseconds))),
        (2, Gen.Select(Gen.Int[2, Opened.Length - 1], Gen.Int[0, 8].Select(i => i < 4 ? AccountStatuses.Active : i < 8 ? AccountStatuses.Frozen : AccountStatuses.Closed),
            (account, status) => (Step)new StatusStep(account, status))),
        (2, Gen.Select(Gen.Int[2, Opened.Length - 1], Gen.Long[0, 2_000], (account, limit) => (Step)new LimitStep(account, limit))),
        (4, Gen.Select(ExchangeSource, ExchangeDestination, Asker, Amount, Gen.Int[0, 9], Gen.Int[0, 5],
            (from, to, asker, amount, rate, quote) => (Step)new ExchangeStep(from, to, asker, amount, RateState: rate, Quote: quote))));

    [Fact]
    public void Random_sequences_of_ledger_commands_keep_the_books_true_to_a_simple_model()
    {
        var exchangesBefore = _exchangesApplied;
        Steps.Array[1, MaxSteps].Sample(Run, iter: Iterations, threads: 1, print: steps => string.Join(Environment.NewLine, steps.Select(s => s.ToString())));

        // The sequences did exchange, not only get refused (about one in sixteen sequences applies one; most are refused, each way the model knows).
        Assert.True(_exchangesApplied - exchangesBefore > Iterations / 40, $"Only {_exchangesApplied - exchangesBefore} exchanges applied.");
    }

    private static int _exchangesApplied;

    private static void Run(Step[] steps)
    {
        var batch = new LedgerBatch(new SqlDatabase(Options.Create(new DatabaseOptions())), TimeProvider.System, new LedgerOptions());
        var books = new Books();
        var model = new Model();
        foreach (var step in steps)
        {
            var before = new Dictionary<string, AccountState>(books.Accounts);
            switch (step)
            {
                case PostStep post:
                    Post(batch, books, model, post);
                    break;
                case SettleStep settle when books.HoldIds.Count > 0:
                    Settle(batch, books, model, settle);
                    break;
                case ReverseStep reverse when books.TransferIds.Count > 0:
                    Reverse(batch, books, model, reverse);
                    break;
                case ExchangeStep exchange:
                    Exchange(batch, books, model, exchange);
                    break;
                case AdvanceStep advance:
                    books.Now += advance.Microseconds;
                    model.Now += advance.Microseconds;
                    break;
                case StatusStep change when books.Accounts[Opened[change.Account].Id].Status != AccountStatuses.Closed:
                    // An operator's change, made outside the ledger writer (closed is final).
                    books.Accounts[Opened[change.Account].Id] = books.Accounts[Opened[change.Account].Id] with { Status = change.Status };
                    model.Status[Opened[change.Account].Id] = change.Status;
                    break;
                case LimitStep limit:
                    books.Accounts[Opened[limit.Account].Id] = books.Accounts[Opened[limit.Account].Id] with { OverdraftLimit = limit.Limit };
                    model.Limit[Opened[limit.Account].Id] = limit.Limit;
                    break;
            }

            AssertBooksHold(books, model, before);
        }
    }

    private static void Post(LedgerBatch batch, Books books, Model model, PostStep step)
    {
        var instructions = new List<TransferInstruction>();
        Caller? caller = null;
        foreach (var pick in step.Transfers.Select(p => p with { From = step.Transfers[0].From }))
        {
            var from = pick.Kind == TransferKind.Deposit ? null : Opened[pick.From];
            var to = pick.Kind == TransferKind.Withdrawal ? null : Opened[pick.To];
            var named = (pick.Kind == TransferKind.Deposit ? to : from)!;
            // A batch is one caller's, paying from one account: the first transfer's.
            caller ??= CallerFor(pick.Asker, named.OwnerId);
            var currency = pick.OtherCurrency ? (named.Currency == "EUR" ? "USD" : "EUR") : named.Currency;
            instructions.Add(new TransferInstruction(
                $"trf_{books.NextId++}", pick.Kind, from?.Id, to?.Id, pick.Amount, currency, Description: null, Metadata: null, pick.Hold, books.Now + pick.Expiry));
        }

        var command = new PostTransfers(OriginOf(caller!)) { Transfers = instructions, IsBatch = instructions.Count > 1 };
        var expected = model.Post(caller!, instructions);
        var work = books.Load(model);
        var outcome = batch.Decide(work, command);

        Assert.Equal(expected, CodeOf(outcome));
        books.Commit(work, outcome);
    }

    // Each command with a key of its own, as a client sends: the batch records it and never replays.
    private static CommandOrigin OriginOf(Caller caller) => new(caller, Guid.NewGuid().ToString("N"), "request-hash", "trace");

    private static void Settle(LedgerBatch batch, Books books, Model model, SettleStep step)
    {
        var pending = books.HoldIds.Where(id => books.Holds[id].Status == TransferStatuses.Pending).ToList();
        var candidates = step.AnyHold || pending.Count == 0 ? books.HoldIds : pending;
        var id = candidates[step.Hold % candidates.Count];
        var hold = books.Holds[id];
        var caller = step.Action == HoldAction.Expire ? null : CallerFor(step.Asker, books.Accounts[hold.FromAccountId].OwnerId);
        // A partial capture mostly within what is held; now and then above it.
        var amount = step.Amount is { } raw ? 1 + (raw % (hold.Amount + (hold.Amount / 4) + 1)) : (long?)null;
        var command = new SettleHold(caller is null ? null : OriginOf(caller)) { TransferId = id, Action = step.Action, Amount = amount };
        var expected = model.Settle(caller, id, step.Action, amount);
        var work = books.Load(model);
        var outcome = batch.Decide(work, command);

        Assert.Equal(expected, CodeOf(outcome));
        books.Commit(work, outcome);
        Assert.Equal(model.Holds[id].Status, hold.Status);
        Assert.Equal(model.Holds[id].Captured, hold.CapturedAmount);
    }

    private static void Reverse(LedgerBatch batch, Books books, Model model, ReverseStep step)
    {
        var id = books.TransferIds[step.Transfer % books.TransferIds.Count];
        var original = books.Transfers[id];
        // Now and then the sender asks, who may not pull money back; otherwise as for any command, with the receiver as owner.
        var caller = step.Asker == 2 && books.Accounts[original.FromAccountId].OwnerId is { } sender
            ? new Caller(sender, IsStaff: false)
            : CallerFor(step.Asker, books.Accounts[original.ToAccountId].OwnerId);
        // A partial reversal mostly within what was posted; now and then above it.
        var amount = step.Amount is { } raw ? 1 + (raw % (original.Amount + (original.Amount / 4) + 1)) : (long?)null;
        var reversalId = $"trf_{books.NextId++}";
        var command = new PostReversal(OriginOf(caller)) { OriginalId = id, ReversalId = reversalId, Amount = amount };
        var expected = model.Reverse(caller, id, reversalId, amount);
        var work = books.Load(model);
        var outcome = batch.Decide(work, command);

        Assert.Equal(expected, CodeOf(outcome));
        books.Commit(work, outcome);
        Assert.Equal(model.Reversed.GetValueOrDefault(id), original.ReversedAmount);
    }

    private static void Exchange(LedgerBatch batch, Books books, Model model, ExchangeStep step)
    {
        var from = Opened[step.From];
        var to = Opened[step.To];
        var caller = CallerFor(step.Asker, from.OwnerId);
        // 0: no rate for the pair; 1: its rate expires this very instant; otherwise current.
        var rate = step.RateState == 0 ? (decimal?)null : Rates.GetValueOrDefault((from.Currency, to.Currency));
        var expired = step.RateState == 1;
        // 0: the client quotes a rate that is not the current one; 1, 2: the current one; otherwise none.
        var quoted = step.Quote switch { 0 => (rate ?? 1m) + 0.0001m, 1 or 2 => rate ?? 1m, _ => (decimal?)null };
        var exchangeId = $"exc_{books.NextId}";
        var sellId = $"trf_{books.NextId++}";
        var buyId = $"trf_{books.NextId++}";
        var command = new PostExchange(OriginOf(caller))
        {
            Id = exchangeId,
            SellTransferId = sellId,
            BuyTransferId = buyId,
            FromAccountId = from.Id,
            ToAccountId = to.Id,
            SellAmount = step.Amount,
            SellCurrency = from.Currency,
            BuyCurrency = to.Currency,
            QuotedRate = quoted,
        };
        var expected = model.Exchange(caller, from, to, step.Amount, rate, expired, quoted, sellId, buyId);
        var work = books.Load(model);
        if (rate is { } current && from.Currency != to.Currency)
        {
            var text = ExchangeRules.Canonical(current);
            work.FxRates[(from.Currency, to.Currency)] = new FxRate(from.Currency, to.Currency, current, text, expired ? books.Now : books.Now + 1);
        }

        var outcome = batch.Decide(work, command);

        Assert.Equal(expected, CodeOf(outcome));
        if (outcome.IsSuccess)
        {
            // Both legs or neither: one exchange, its two transfers, and what it says it bought.
            var exchange = Assert.Single(work.NewExchanges);
            Assert.Equal([exchange.SellTransferId, exchange.BuyTransferId], work.NewTransfers.Select(t => t.Id));
            Assert.Equal(model.LastBuy, exchange.BuyAmount);
            _exchangesApplied++;
        }

        books.Commit(work, outcome);
    }

    private static Caller CallerFor(int asker, string? ownerId) => asker switch
    {
        0 => new Caller("usr_stranger", IsStaff: false),
        1 => new Caller("usr_staff", IsStaff: true),
        _ => ownerId is null ? new Caller("usr_staff", IsStaff: true) : new Caller(ownerId, IsStaff: false),
    };

    private static string? CodeOf(LedgerOutcome outcome) =>
        outcome.IsSuccess ? null : JsonDocument.Parse(outcome.Body).RootElement.GetProperty("code").GetString();

    private static void AssertBooksHold(Books books, Model model, Dictionary<string, AccountState> before)
    {
        foreach (var currency in Currencies)
        {
            var accounts = books.Accounts.Values.Where(a => a.Currency == currency).ToList();
            Assert.Equal(0, accounts.Sum(a => a.Posted));
            Assert.Equal(accounts.Sum(a => a.PendingDebits), accounts.Sum(a => a.PendingCredits));
        }

        foreach (var account in books.Accounts.Values)
        {
            // available = posted - pending, where pending is what the model's list of holds adds up to.
            Assert.Equal(model.Posted[account.Id], account.Posted);
            Assert.Equal(model.PendingOut(account.Id), account.PendingDebits);
            Assert.Equal(model.PendingIn(account.Id), account.PendingCredits);
            Assert.Equal(model.Posted[account.Id] - model.PendingOut(account.Id), Available(account));

            // Only a lowered limit may leave an account below it, and then nothing may take it lower.
            var was = before[account.Id];
            if (account.Kind == AccountKinds.Customer && Available(account) < Available(was))
            {
                Assert.True(Available(account) >= -account.OverdraftLimit, $"{account.Id} went to {Available(account)} with an overdraft limit of {account.OverdraftLimit}.");
            }

            // Every balance is explained by its entries, numbered from 1 without a gap.
            var entries = books.Entries.Where(e => e.AccountId == account.Id).ToList();
            Assert.Equal(entries.Count, account.LastSequence);
            Assert.Equal(Enumerable.Range(1, entries.Count).Select(i => (long)i), entries.Select(e => e.Sequence));
            Assert.Equal(entries.Sum(e => e.Amount), account.Posted);
            Assert.Equal(entries.Count == 0 ? 0 : entries[^1].BalanceAfter, account.Posted);
        }

        Assert.All(books.Entries.GroupBy(e => e.TransferId), pair => Assert.Equal(0, pair.Sum(e => e.Amount)));

        // What was reversed of a transfer: never more than it posted, and exactly what its reversals add up to.
        foreach (var transfer in books.Transfers.Values)
        {
            Assert.InRange(transfer.ReversedAmount, 0, transfer.CapturedAmount);
            Assert.Equal(model.Reversed.GetValueOrDefault(transfer.Id), transfer.ReversedAmount);
            Assert.Equal(transfer.ReversedAmount, books.Transfers.Values.Where(t => t.ReversalOf == transfer.Id).Sum(t => t.Amount));
        }
    }

    private static long Available(AccountState account) => account.Posted - account.PendingDebits;

    private abstract record Step;

    private sealed record Pick(TransferKind Kind, int From, int To, int Asker, bool OtherCurrency, long Amount, bool Hold, long Expiry);

    private sealed record PostStep(Pick[] Transfers) : Step
    {
        public override string ToString() => $"Post [{string.Join(", ", Transfers.Select(t => t.ToString()))}]";
    }

    private sealed record SettleStep(int Hold, bool AnyHold, HoldAction Action, int Asker, long? Amount) : Step;

    private sealed record ReverseStep(int Transfer, int Asker, long? Amount) : Step;

    private sealed record AdvanceStep(long Microseconds) : Step;

    private sealed record StatusStep(int Account, string Status) : Step;

    private sealed record LimitStep(int Account, long Limit) : Step;

    private sealed record ExchangeStep(int From, int To, int Asker, long Amount, int RateState, int Quote) : Step;

    /// <summary>The ledger as the writer keeps it between transactions: what each transaction loads and commits.</summary>
    private sealed class Books
    {
        public Dictionary<string, AccountState> Accounts { get; } = Opened.ToDictionary(a => a.Id);

        public Dictionary<string, TransferRow> Holds { get; } = [];

        public List<string> HoldIds { get; } = [];

        /// <summary>Every transfer, holds included (the same rows), in the order they were made: what a reversal may name.</summary>
        public Dictionary<string, TransferRow> Transfers { get; } = [];

        public List<string> TransferIds { get; } = [];

        public List<LedgerWorkSet.EntryRow> Entries { get; } = [];

        public long Now { get; set; } = Start;

        public int NextId { get; set; }

        private (string Status, long Captured, long Updated)[] _holdsBefore = [];

        private long[] _reversedBefore = [];

        /// <summary>A transaction's work set, loaded with every account and every hold.</summary>
        public LedgerWorkSet Load(Model model)
        {
            Assert.Equal(model.Now, Now);
            var work = new LedgerWorkSet(Now);
            foreach (var (id, account) in Accounts)
            {
                work.Accounts[id] = account;
            }

            foreach (var (id, hold) in Holds)
            {
                work.Transfers[id] = hold;
            }

            foreach (var (id, transfer) in Transfers)
            {
                work.Transfers[id] = transfer;
            }

            work.SettlementIds["EUR"] = "acc_settle_eur";
            work.SettlementIds["USD"] = "acc_settle_usd";
            work.SettlementIds["JPY"] = "acc_settle_jpy";
            _holdsBefore = [.. HoldIds.Select(id => (Holds[id].Status, Holds[id].CapturedAmount, Holds[id].UpdatedAt))];
            _reversedBefore = [.. TransferIds.Select(id => Transfers[id].ReversedAmount)];
            return work;
        }

        /// <summary>Takes what the transaction wrote; a refused command must have written nothing.</summary>
        public void Commit(LedgerWorkSet work, LedgerOutcome outcome)
        {
            if (!outcome.IsSuccess)
            {
                Assert.Equal(Accounts, work.Accounts);
                Assert.Empty(work.ChangedAccounts);
                Assert.Empty(work.NewTransfers);
                Assert.Empty(work.ChangedTransfers);
                Assert.Empty(work.NewEntries);
                Assert.Empty(work.NewEvents);
                Assert.Empty(work.NewExchanges);
                Assert.Equal(_holdsBefore, HoldIds.Select(id => (Holds[id].Status, Holds[id].CapturedAmount, Holds[id].UpdatedAt)));
                Assert.Empty(work.ReversedTransfers);
                Assert.Equal(_reversedBefore, TransferIds.Select(id => Transfers[id].ReversedAmount));
                return;
            }

            Assert.All(work.ChangedAccounts, account => Assert.NotEqual(Accounts[account.Id], account));
            // One event per transfer the command posted, settled or reversed, carrying that transfer, and one per exchange.
            Assert.Equal(
                [.. work.NewTransfers.Select(t => t.Id), .. work.ChangedTransfers.Keys, .. work.ReversedTransfers.Keys],
                work.NewEvents.Where(e => e.Type != EventTypes.ExchangeCompleted).Select(e => System.Text.Json.JsonDocument.Parse(e.Data).RootElement.GetProperty("id").GetString()));
            Assert.Equal(
                work.NewExchanges.Select(x => x.Id),
                work.NewEvents.Where(e => e.Type == EventTypes.ExchangeCompleted).Select(e => System.Text.Json.JsonDocument.Parse(e.Data).RootElement.GetProperty("id").GetString()));
            foreach (var account in work.ChangedAccounts)
            {
                Accounts[account.Id] = account;
            }

            foreach (var transfer in work.NewTransfers.Where(t => t.Status == TransferStatuses.Pending))
            {
                Holds[transfer.Id] = transfer;
                HoldIds.Add(transfer.Id);
            }

            foreach (var transfer in work.NewTransfers)
            {
                Transfers[transfer.Id] = transfer;
                TransferIds.Add(transfer.Id);
            }

            Entries.AddRange(work.NewEntries);
        }
    }

    /// <summary>
    /// What the ledger should say, kept as simply as it can be: balances as plain numbers, holds as
    /// a list whose pending amounts are summed when asked, each rule written out as the API
    /// documents it.
    /// </summary>
    private sealed class Model
    {
        public Dictionary<string, long> Posted { get; private init; } = Opened.ToDictionary(a => a.Id, _ => 0L);

        public Dictionary<string, string> Status { get; private init; } = Opened.ToDictionary(a => a.Id, a => a.Status);

        public Dictionary<string, long> Limit { get; private init; } = Opened.ToDictionary(a => a.Id, _ => 0L);

        public Dictionary<string, ModelHold> Holds { get; private init; } = [];

        /// <summary>The transfers posted at once (not holds): what each moved, for reversals.</summary>
        public Dictionary<string, ModelHold> Moves { get; private init; } = [];

        /// <summary>What has been reversed of each transfer, added up.</summary>
        public Dictionary<string, long> Reversed { get; } = [];

        public long Now { get; set; } = Start;

        public long PendingOut(string id) => Holds.Values.Where(h => h.From == id && h.Status == TransferStatuses.Pending).Sum(h => h.Amount);

        public long PendingIn(string id) => Holds.Values.Where(h => h.To == id && h.Status == TransferStatuses.Pending).Sum(h => h.Amount);

        /// <summary>All or nothing: the first refusal's code, or null with every transfer applied.</summary>
        public string? Post(Caller caller, IReadOnlyList<TransferInstruction> instructions)
        {
            var trial = new Model
            {
                Posted = new(Posted), Status = Status, Limit = Limit, Now = Now,
                Holds = Holds.ToDictionary(h => h.Key, h => h.Value with { }),
                Moves = new(Moves),
            };
            foreach (var instruction in instructions)
            {
                if (trial.PostOne(caller, instruction) is { } code)
                {
                    return code;
                }
            }

            Posted.Clear();
            foreach (var (id, posted) in trial.Posted)
            {
                Posted[id] = posted;
            }

            Holds.Clear();
            foreach (var (id, hold) in trial.Holds)
            {
                Holds[id] = hold;
            }

            foreach (var (id, move) in trial.Moves)
            {
                Moves[id] = move;
            }

            return null;
        }

        /// <summary>
        /// A reversal: staff or the receiver only; of something posted (a hold once captured: what it
        /// captured); at most what is left; then an ordinary transfer back, by the same rules.
        /// </summary>
        public string? Reverse(Caller caller, string id, string reversalId, long? amount)
        {
            var original = Moves.TryGetValue(id, out var move) ? move : Holds[id];
            if (!caller.IsStaff && Opened.Single(a => a.Id == original.To).OwnerId != caller.UserId)
            {
                return "not_found";
            }

            if (original.Status != TransferStatuses.Posted)
            {
                return "hold_not_posted";
            }

            var left = original.Captured - Reversed.GetValueOrDefault(id);
            var reversed = amount ?? left;
            if (left == 0 || reversed > left)
            {
                return "reversal_exceeds_original";
            }

            var currency = Opened.Single(a => a.Id == original.From).Currency;
            if (PostOne(caller, new TransferInstruction(reversalId, TransferKind.Transfer, original.To, original.From, reversed, currency, null, null, Hold: false, null)) is { } code)
            {
                return code;
            }

            Reversed[id] = Reversed.GetValueOrDefault(id) + reversed;
            return null;
        }

        private string? PostOne(Caller caller, TransferInstruction instruction)
        {
            var settlement = Opened.Single(a => a.Kind == AccountKinds.Settlement && a.Currency == instruction.Currency).Id;
            var from = Opened.Single(a => a.Id == (instruction.Kind == TransferKind.Deposit ? settlement : instruction.FromAccountId));
            var to = Opened.Single(a => a.Id == (instruction.Kind == TransferKind.Withdrawal ? settlement : instruction.ToAccountId));
            var named = instruction.Kind == TransferKind.Deposit ? to : from;
            if (!caller.IsStaff && named.OwnerId != caller.UserId)
            {
                return "not_found";
            }

            if (instruction.Kind == TransferKind.Transfer && to.Kind == AccountKinds.Settlement && !caller.IsStaff)
            {
                return "account_not_found";
            }

            if (from.Currency != instruction.Currency || to.Currency != instruction.Currency)
            {
                return "currency_mismatch";
            }

            if (from.Id == to.Id)
            {
                return "same_account";
            }

            if ((StatusCode(from.Id) ?? StatusCode(to.Id)) is { } status)
            {
                return status;
            }

            if (from.Kind == AccountKinds.Customer && Posted[from.Id] - PendingOut(from.Id) - instruction.Amount < -Limit[from.Id])
            {
                return "insufficient_funds";
            }

            if (instruction.Hold)
            {
                Holds[instruction.Id] = new ModelHold(from.Id, to.Id, instruction.Amount, instruction.HoldExpiresAt!.Value, TransferStatuses.Pending, 0);
            }
            else
            {
                Posted[from.Id] -= instruction.Amount;
                Posted[to.Id] += instruction.Amount;
                Moves[instruction.Id] = new ModelHold(from.Id, to.Id, instruction.Amount, 0, TransferStatuses.Posted, instruction.Amount);
            }

            return null;
        }

        /// <summary>What the last exchange that applied bought.</summary>
        public long LastBuy { get; private set; }

        /// <summary>
        /// An exchange as the API documents it, in its order: both accounts the caller's customer
        /// accounts, two currencies, a rate that is set, current and as quoted, a buy amount of
        /// floor(sell × rate × 10^(exponent difference)) within range and above zero; then the sell
        /// leg (statuses, available balance) and the buy leg (statuses), both or neither.
        /// </summary>
        public string? Exchange(Caller caller, AccountState from, AccountState to, long amount, decimal? rate, bool expired, decimal? quoted, string sellId, string buyId)
        {
            bool Visible(AccountState account) => account.Kind == AccountKinds.Customer && (caller.IsStaff || account.OwnerId == caller.UserId);
            if (!Visible(from) || !Visible(to))
            {
                return "not_found";
            }

            if (from.Currency == to.Currency)
            {
                return "same_currency";
            }

            if (rate is null)
            {
                return "rate_not_found";
            }

            if (expired)
            {
                return "rate_expired";
            }

            if (quoted is { } quote && quote != rate)
            {
                return "rate_changed";
            }

            // Exponents: EUR and USD 2, JPY 0.
            static decimal Unit(string currency) => currency == "JPY" ? 1m : 100m;
            var bought = decimal.Floor(amount * rate.Value / Unit(from.Currency) * Unit(to.Currency));
            if (bought > 1_000_000_000_000_000m)
            {
                return "amount_out_of_range";
            }

            if (bought == 0)
            {
                return "amount_too_small";
            }

            var sellSettlement = Opened.Single(a => a.Kind == AccountKinds.Settlement && a.Currency == from.Currency).Id;
            var buySettlement = Opened.Single(a => a.Kind == AccountKinds.Settlement && a.Currency == to.Currency).Id;
            if ((StatusCode(from.Id) ?? StatusCode(sellSettlement)) is { } sellStatus)
            {
                return sellStatus;
            }

            if (Posted[from.Id] - PendingOut(from.Id) - amount < -Limit[from.Id])
            {
                return "insufficient_funds";
            }

            if ((StatusCode(buySettlement) ?? StatusCode(to.Id)) is { } buyStatus)
            {
                return buyStatus;
            }

            Posted[from.Id] -= amount;
            Posted[sellSettlement] += amount;
            Posted[buySettlement] -= (long)bought;
            Posted[to.Id] += (long)bought;
            // Both legs are ordinary posted transfers: each may be reversed like any other.
            Moves[sellId] = new ModelHold(from.Id, sellSettlement, amount, 0, TransferStatuses.Posted, amount);
            Moves[buyId] = new ModelHold(buySettlement, to.Id, (long)bought, 0, TransferStatuses.Posted, (long)bought);
            LastBuy = (long)bought;
            return null;
        }

        public string? Settle(Caller? caller, string id, HoldAction action, long? amount)
        {
            var hold = Holds[id];
            if (caller is { IsStaff: false } && Opened.Single(a => a.Id == hold.From).OwnerId != caller.UserId)
            {
                return "not_found";
            }

            if (hold.Status != TransferStatuses.Pending)
            {
                return "hold_not_pending";
            }

            var expired = hold.ExpiresAt <= Now;
            if (action == HoldAction.Expire && !expired)
            {
                return "hold_not_expired";
            }

            var captured = 0L;
            if (action == HoldAction.Capture)
            {
                captured = amount ?? hold.Amount;
                if (expired)
                {
                    return "hold_not_pending";
                }

                if (captured > hold.Amount)
                {
                    return "amount_exceeds_hold";
                }

                if ((StatusCode(hold.From) ?? StatusCode(hold.To)) is { } status)
                {
                    return status;
                }
            }

            Posted[hold.From] -= captured;
            Posted[hold.To] += captured;
            Holds[id] = hold with { Status = action == HoldAction.Capture ? TransferStatuses.Posted : TransferStatuses.Voided, Captured = captured };
            return null;
        }

        private string? StatusCode(string id) => Status[id] switch
        {
            AccountStatuses.Frozen => "account_frozen",
            AccountStatuses.Closed => "account_closed",
            _ => null,
        };
    }

    private sealed record ModelHold(string From, string To, long Amount, long ExpiresAt, string Status, long Captured);
}
