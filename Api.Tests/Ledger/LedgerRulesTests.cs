using Microsoft.AspNetCore.Http;
using Strongroom.Features.Ledger;
using Strongroom.Features.Vocabulary;

namespace Strongroom.Api.Tests.Ledger;

/// <summary>
/// The rules of money, one at a time, without HTTP or a database: each test builds the accounts
/// and the hold it needs as plain values and asks the rule. The HTTP tests show the same rules
/// as a client sees them; these show each rule alone, with its edges.
/// </summary>
public sealed class LedgerRulesTests
{
    /// <summary>The largest amount a request may carry (Amounts.Max): far from 64-bit overflow.</summary>
    private const long Ceiling = 1_000_000_000_000_000;

    private const long Now = 1_700_000_000_000_000;

    private static readonly Caller Alice = new("usr_alice", IsStaff: false);
    private static readonly Caller Bob = new("usr_bob", IsStaff: false);
    private static readonly Caller Staff = new("usr_staff", IsStaff: true);

    private static AccountState Customer(string id, string owner, long posted = 0, long pendingDebits = 0, long overdraftLimit = 0, string status = AccountStatuses.Active, string currency = "EUR") =>
        new()
        {
            Id = id, OwnerId = owner, Kind = AccountKinds.Customer, Currency = currency, Status = status,
            Posted = posted, PendingDebits = pendingDebits, OverdraftLimit = overdraftLimit,
        };

    private static AccountState Settlement(string currency = "EUR", long posted = 0) =>
        new() { Id = $"acc_settlement_{currency}", Kind = AccountKinds.Settlement, Currency = currency, Status = AccountStatuses.Active, Posted = posted };

    private static TransferInstruction Instruction(long amount, string currency = "EUR", TransferKind kind = TransferKind.Transfer, bool hold = false) =>
        new("trf_test", kind, "acc_from", "acc_to", amount, currency, Description: null, Metadata: null, hold, HoldExpiresAt: null);

    private static TransferRow Hold(long amount, long expiresAt = Now + 1_000, string status = TransferStatuses.Pending) =>
        new() { Id = "trf_hold", FromAccountId = "acc_from", ToAccountId = "acc_to", Amount = amount, Currency = "EUR", Status = status, HoldExpiresAt = expiresAt };

    private static void AssertRefused(Refusal? refusal, int status, string code)
    {
        Assert.NotNull(refusal);
        Assert.Equal((status, code), (refusal.Value.Status, refusal.Value.Code));
    }

    [Fact]
    public void A_transfer_within_the_available_balance_is_allowed_and_moves_the_amount_as_a_numbered_debit_and_credit()
    {
        var source = Customer("acc_from", Alice.UserId, posted: 1_000) with { LastSequence = 4 };
        var destination = Customer("acc_to", Bob.UserId, posted: 10);

        Assert.Null(LedgerRules.RefusePost(Alice, Instruction(1_000), source, destination));
        var (debited, credited) = LedgerRules.Post(source, destination, 1_000, hold: false);

        Assert.Equal(source with { Posted = 0, LastSequence = 5 }, debited);
        Assert.Equal(destination with { Posted = 1_010, LastSequence = 1 }, credited);
    }

    [Fact]
    public void Insufficient_funds_counts_what_pending_holds_reserve()
    {
        var from = Customer("acc_from", Alice.UserId, posted: 1_000, pendingDebits: 300);
        var to = Customer("acc_to", Bob.UserId);

        Assert.Null(LedgerRules.RefusePost(Alice, Instruction(700), from, to));
        AssertRefused(LedgerRules.RefusePost(Alice, Instruction(701), from, to), StatusCodes.Status422UnprocessableEntity, "insufficient_funds");
        AssertRefused(LedgerRules.RefusePost(Alice, Instruction(701, hold: true), from, to), StatusCodes.Status422UnprocessableEntity, "insufficient_funds");
    }

    [Fact]
    public void The_overdraft_limit_lets_a_customer_go_that_far_below_zero_and_no_further()
    {
        var from = Customer("acc_from", Alice.UserId, posted: 0, overdraftLimit: 500);
        var to = Customer("acc_to", Bob.UserId);

        Assert.Null(LedgerRules.RefusePost(Alice, Instruction(500), from, to));
        AssertRefused(LedgerRules.RefusePost(Alice, Instruction(501), from, to), StatusCodes.Status422UnprocessableEntity, "insufficient_funds");
    }

    [Fact]
    public void The_overdraft_limit_and_a_pending_hold_count_together()
    {
        // Available 100 - 200 = -100; the limit of 300 leaves 200 to spend.
        var from = Customer("acc_from", Alice.UserId, posted: 100, pendingDebits: 200, overdraftLimit: 300);
        var to = Customer("acc_to", Bob.UserId);

        Assert.Null(LedgerRules.RefusePost(Alice, Instruction(200), from, to));
        AssertRefused(LedgerRules.RefusePost(Alice, Instruction(201), from, to), StatusCodes.Status422UnprocessableEntity, "insufficient_funds");
    }

    [Fact]
    public void A_settlement_account_has_no_floor()
    {
        var settlement = Settlement(posted: -5_000);
        var to = Customer("acc_to", Alice.UserId);

        Assert.Null(LedgerRules.RefusePost(Staff, Instruction(Ceiling, kind: TransferKind.Deposit), settlement, to));
    }

    [Fact]
    public void Someone_elses_source_account_is_not_found_unless_the_caller_is_staff()
    {
        var from = Customer("acc_from", Alice.UserId, posted: 1_000);
        var to = Customer("acc_to", Bob.UserId);

        var refusal = LedgerRules.RefusePost(Bob, Instruction(1), from, to);

        AssertRefused(refusal, StatusCodes.Status404NotFound, "not_found");
        Assert.Equal("Source account was not found.", refusal!.Value.Detail);
        Assert.Null(LedgerRules.RefusePost(Staff, Instruction(1), from, to));
    }

    [Fact]
    public void An_unknown_named_account_is_not_found_and_for_a_deposit_the_named_account_is_the_destination()
    {
        var alices = Customer("acc_to", Alice.UserId);

        Assert.Equal("Source account was not found.", LedgerRules.RefusePost(Alice, Instruction(1), null, alices)!.Value.Detail);
        Assert.Equal("Account was not found.", LedgerRules.RefusePost(Staff, Instruction(1, kind: TransferKind.Deposit), Settlement(), null)!.Value.Detail);
        Assert.Equal("Source account was not found.", LedgerRules.RefusePost(Alice, Instruction(1, kind: TransferKind.Withdrawal), null, Settlement())!.Value.Detail);
    }

    [Fact]
    public void An_unknown_destination_or_a_customer_paying_a_settlement_account_is_account_not_found()
    {
        var from = Customer("acc_from", Alice.UserId, posted: 1_000);

        AssertRefused(LedgerRules.RefusePost(Alice, Instruction(1), from, null), StatusCodes.Status422UnprocessableEntity, "account_not_found");
        AssertRefused(LedgerRules.RefusePost(Alice, Instruction(1), from, Settlement()), StatusCodes.Status422UnprocessableEntity, "account_not_found");
        Assert.Null(LedgerRules.RefusePost(Staff, Instruction(1), from, Settlement()));
        // A withdrawal names the settlement account itself, so it is not refused for paying one.
        Assert.Null(LedgerRules.RefusePost(Alice, Instruction(1, kind: TransferKind.Withdrawal), from, Settlement()));
    }

    [Theory]
    [InlineData("USD", "EUR", "EUR")]
    [InlineData("EUR", "USD", "EUR")]
    [InlineData("EUR", "EUR", "USD")]
    public void Both_accounts_must_hold_the_transfers_currency(string fromCurrency, string toCurrency, string currency)
    {
        var from = Customer("acc_from", Alice.UserId, posted: 1_000, currency: fromCurrency);
        var to = Customer("acc_to", Bob.UserId, currency: toCurrency);

        AssertRefused(LedgerRules.RefusePost(Alice, Instruction(1, currency), from, to), StatusCodes.Status422UnprocessableEntity, "currency_mismatch");
    }

    [Fact]
    public void A_deposit_or_withdrawal_in_a_currency_without_a_settlement_account_is_a_currency_mismatch()
    {
        var alices = Customer("acc_from", Alice.UserId, posted: 1_000);

        AssertRefused(LedgerRules.RefusePost(Staff, Instruction(1, "EUR", TransferKind.Deposit), null, alices), StatusCodes.Status422UnprocessableEntity, "currency_mismatch");
        AssertRefused(LedgerRules.RefusePost(Alice, Instruction(1, "EUR", TransferKind.Withdrawal), alices, null), StatusCodes.Status422UnprocessableEntity, "currency_mismatch");
    }

    [Fact]
    public void Paying_oneself_is_same_account_but_a_currency_mismatch_is_said_first()
    {
        var account = Customer("acc_from", Alice.UserId, posted: 1_000);

        AssertRefused(LedgerRules.RefusePost(Alice, Instruction(1), account, account), StatusCodes.Status422UnprocessableEntity, "same_account");
        AssertRefused(LedgerRules.RefusePost(Alice, Instruction(1, "USD"), account, account), StatusCodes.Status422UnprocessableEntity, "currency_mismatch");
    }

    [Theory]
    [InlineData(AccountStatuses.Frozen, AccountStatuses.Active, "account_frozen", "acc_from")]
    [InlineData(AccountStatuses.Closed, AccountStatuses.Active, "account_closed", "acc_from")]
    [InlineData(AccountStatuses.Active, AccountStatuses.Frozen, "account_frozen", "acc_to")]
    [InlineData(AccountStatuses.Active, AccountStatuses.Closed, "account_closed", "acc_to")]
    [InlineData(AccountStatuses.Closed, AccountStatuses.Frozen, "account_closed", "acc_from")]
    public void Money_neither_leaves_nor_enters_a_frozen_or_closed_account(string fromStatus, string toStatus, string code, string named)
    {
        var from = Customer("acc_from", Alice.UserId, posted: 1_000, status: fromStatus);
        var to = Customer("acc_to", Bob.UserId, status: toStatus);

        foreach (var hold in new[] { false, true })
        {
            var refusal = LedgerRules.RefusePost(Alice, Instruction(1, hold: hold), from, to);

            AssertRefused(refusal, StatusCodes.Status422UnprocessableEntity, code);
            Assert.Contains(named, refusal!.Value.Detail, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_frozen_account_is_refused_before_its_funds_are_counted()
    {
        var from = Customer("acc_from", Alice.UserId, posted: 0, status: AccountStatuses.Frozen);

        AssertRefused(LedgerRules.RefusePost(Alice, Instruction(1_000), from, Customer("acc_to", Bob.UserId)), StatusCodes.Status422UnprocessableEntity, "account_frozen");
    }

    [Fact]
    public void A_hold_reserves_the_amount_on_both_sides_without_posting_it()
    {
        var source = Customer("acc_from", Alice.UserId, posted: 1_000, pendingDebits: 100) with { LastSequence = 3 };
        var destination = Customer("acc_to", Bob.UserId);

        var (debited, credited) = LedgerRules.Post(source, destination, 300, hold: true);

        Assert.Equal(source with { PendingDebits = 400 }, debited);
        Assert.Equal(destination with { PendingCredits = 300 }, credited);
    }

    [Fact]
    public void Capturing_a_hold_in_full_releases_the_reservation_and_moves_all_of_it()
    {
        var (from, to) = LedgerRules.Post(Customer("acc_from", Alice.UserId, posted: 1_000), Customer("acc_to", Bob.UserId), 300, hold: true);
        var hold = Hold(300);

        Assert.Null(LedgerRules.RefuseSettle(Alice, HoldAction.Capture, null, hold, from, to, Now));
        var captured = LedgerRules.Captured(HoldAction.Capture, null, hold);
        var (debited, credited) = LedgerRules.Settle(from, to, hold.Amount, captured);

        Assert.Equal(300, captured);
        Assert.Equal((700L, 0L, 1L), (debited.Posted, debited.PendingDebits, debited.LastSequence));
        Assert.Equal((300L, 0L, 1L), (credited.Posted, credited.PendingCredits, credited.LastSequence));
        Assert.Equal(TransferStatuses.Posted, LedgerRules.Settled(HoldAction.Capture));
    }

    [Fact]
    public void A_partial_capture_moves_what_was_captured_and_releases_the_whole_reservation()
    {
        var (from, to) = LedgerRules.Post(Customer("acc_from", Alice.UserId, posted: 1_000), Customer("acc_to", Bob.UserId), 300, hold: true);
        var hold = Hold(300);

        Assert.Null(LedgerRules.RefuseSettle(Alice, HoldAction.Capture, 120, hold, from, to, Now));
        var (debited, credited) = LedgerRules.Settle(from, to, hold.Amount, LedgerRules.Captured(HoldAction.Capture, 120, hold));

        Assert.Equal((880L, 0L), (debited.Posted, debited.PendingDebits));
        Assert.Equal((120L, 0L), (credited.Posted, credited.PendingCredits));
    }

    [Fact]
    public void At_most_the_held_amount_can_be_captured()
    {
        var from = Customer("acc_from", Alice.UserId, posted: 1_000, pendingDebits: 300);
        var to = Customer("acc_to", Bob.UserId) with { PendingCredits = 300 };

        Assert.Null(LedgerRules.RefuseSettle(Alice, HoldAction.Capture, 300, Hold(300), from, to, Now));
        var refusal = LedgerRules.RefuseSettle(Alice, HoldAction.Capture, 301, Hold(300), from, to, Now);

        AssertRefused(refusal, StatusCodes.Status422UnprocessableEntity, "amount_exceeds_hold");
        Assert.Equal("At most 300 can be captured.", refusal!.Value.Detail);
    }

    [Fact]
    public void Voiding_releases_the_reservation_and_moves_nothing()
    {
        var (from, to) = LedgerRules.Post(Customer("acc_from", Alice.UserId, posted: 1_000) with { LastSequence = 2 }, Customer("acc_to", Bob.UserId), 300, hold: true);
        var hold = Hold(300);

        Assert.Null(LedgerRules.RefuseSettle(Alice, HoldAction.Void, null, hold, from, to, Now));
        var captured = LedgerRules.Captured(HoldAction.Void, null, hold);
        var (debited, credited) = LedgerRules.Settle(from, to, hold.Amount, captured);

        Assert.Equal(0, captured);
        Assert.Equal(Customer("acc_from", Alice.UserId, posted: 1_000) with { LastSequence = 2 }, debited);
        Assert.Equal(Customer("acc_to", Bob.UserId), credited);
        Assert.Equal(TransferStatuses.Voided, LedgerRules.Settled(HoldAction.Void));
        Assert.Equal(TransferStatuses.Voided, LedgerRules.Settled(HoldAction.Expire));
    }

    [Fact]
    public void Only_the_payer_or_staff_can_settle_a_hold_and_the_expiry_job_needs_no_caller()
    {
        var from = Customer("acc_from", Alice.UserId, posted: 1_000, pendingDebits: 300);
        var to = Customer("acc_to", Bob.UserId) with { PendingCredits = 300 };

        AssertRefused(LedgerRules.RefuseSettle(Bob, HoldAction.Capture, null, Hold(300), from, to, Now), StatusCodes.Status404NotFound, "not_found");
        AssertRefused(LedgerRules.RefuseSettle(Bob, HoldAction.Void, null, Hold(300), from, to, Now), StatusCodes.Status404NotFound, "not_found");
        Assert.Null(LedgerRules.RefuseSettle(Staff, HoldAction.Void, null, Hold(300), from, to, Now));
        Assert.Null(LedgerRules.RefuseSettle(null, HoldAction.Expire, null, Hold(300, expiresAt: Now), from, to, Now));
    }

    [Theory]
    [InlineData(TransferStatuses.Posted)]
    [InlineData(TransferStatuses.Voided)]
    public void A_hold_settles_once(string status)
    {
        var from = Customer("acc_from", Alice.UserId, posted: 1_000);
        var to = Customer("acc_to", Bob.UserId);

        foreach (var action in new[] { HoldAction.Capture, HoldAction.Void, HoldAction.Expire })
        {
            var refusal = LedgerRules.RefuseSettle(action == HoldAction.Expire ? null : Alice, action, null, Hold(300, expiresAt: Now - 1, status: status), from, to, Now);

            AssertRefused(refusal, StatusCodes.Status409Conflict, "hold_not_pending");
            Assert.Equal($"The transfer is {status}, not a pending hold.", refusal!.Value.Detail);
        }
    }

    [Fact]
    public void A_hold_expires_at_its_expiry_and_not_before()
    {
        var from = Customer("acc_from", Alice.UserId, posted: 1_000, pendingDebits: 300);
        var to = Customer("acc_to", Bob.UserId) with { PendingCredits = 300 };

        AssertRefused(LedgerRules.RefuseSettle(null, HoldAction.Expire, null, Hold(300, expiresAt: Now + 1), from, to, Now), StatusCodes.Status409Conflict, "hold_not_expired");
        Assert.Null(LedgerRules.RefuseSettle(null, HoldAction.Expire, null, Hold(300, expiresAt: Now), from, to, Now));
        Assert.Null(LedgerRules.RefuseSettle(null, HoldAction.Expire, null, Hold(300, expiresAt: Now - 1), from, to, Now));
    }

    [Fact]
    public void A_hold_past_its_expiry_cannot_be_captured_even_before_the_expiry_job_ran_but_can_be_voided()
    {
        var from = Customer("acc_from", Alice.UserId, posted: 1_000, pendingDebits: 300);
        var to = Customer("acc_to", Bob.UserId) with { PendingCredits = 300 };

        Assert.Null(LedgerRules.RefuseSettle(Alice, HoldAction.Capture, null, Hold(300, expiresAt: Now + 1), from, to, Now));
        var refusal = LedgerRules.RefuseSettle(Alice, HoldAction.Capture, null, Hold(300, expiresAt: Now), from, to, Now);

        AssertRefused(refusal, StatusCodes.Status409Conflict, "hold_not_pending");
        Assert.Equal("The hold has expired.", refusal!.Value.Detail);
        Assert.Null(LedgerRules.RefuseSettle(Alice, HoldAction.Void, null, Hold(300, expiresAt: Now), from, to, Now));
    }

    [Theory]
    [InlineData(AccountStatuses.Frozen, AccountStatuses.Active, "account_frozen")]
    [InlineData(AccountStatuses.Active, AccountStatuses.Frozen, "account_frozen")]
    [InlineData(AccountStatuses.Active, AccountStatuses.Closed, "account_closed")]
    public void A_capture_onto_or_from_a_frozen_or_closed_account_is_refused_but_a_void_is_not(string fromStatus, string toStatus, string code)
    {
        var from = Customer("acc_from", Alice.UserId, posted: 1_000, pendingDebits: 300, status: fromStatus);
        var to = Customer("acc_to", Bob.UserId, status: toStatus) with { PendingCredits = 300 };

        AssertRefused(LedgerRules.RefuseSettle(Alice, HoldAction.Capture, null, Hold(300), from, to, Now), StatusCodes.Status422UnprocessableEntity, code);
        Assert.Null(LedgerRules.RefuseSettle(Alice, HoldAction.Void, null, Hold(300), from, to, Now));
        Assert.Null(LedgerRules.RefuseSettle(null, HoldAction.Expire, null, Hold(300, expiresAt: Now), from, to, Now));
    }

    [Fact]
    public void Amounts_up_to_the_ceiling_on_balances_the_ceiling_allows_stay_in_range()
    {
        // The deepest a customer can go (the largest overdraft limit) and the largest single amount.
        var from = Customer("acc_from", Alice.UserId, posted: 0, overdraftLimit: Ceiling);
        var to = Customer("acc_to", Bob.UserId, posted: Ceiling);

        Assert.Null(LedgerRules.RefusePost(Alice, Instruction(Ceiling), from, to));
        var (debited, credited) = LedgerRules.Post(from, to, Ceiling, hold: false);

        Assert.Equal(-Ceiling, debited.Posted);
        Assert.Equal(2 * Ceiling, credited.Posted);
        AssertRefused(LedgerRules.RefusePost(Alice, Instruction(1), debited, credited), StatusCodes.Status422UnprocessableEntity, "insufficient_funds");
    }

    [Fact]
    public void A_balance_that_would_leave_the_64_bit_range_throws_overflow_instead_of_wrapping()
    {
        var from = Settlement(posted: long.MinValue + 10);
        var to = Customer("acc_to", Alice.UserId, posted: long.MaxValue - 10);

        Assert.Throws<OverflowException>(() => LedgerRules.Post(from, to, 11, hold: false));
        Assert.Throws<OverflowException>(() => LedgerRules.Post(Settlement(), to with { PendingCredits = long.MaxValue }, 1, hold: true));
        Assert.Throws<OverflowException>(() => LedgerRules.Post(Customer("acc_from", Alice.UserId, pendingDebits: long.MaxValue), to, 1, hold: true));
        // The funds check itself: an amount of long.MaxValue against a debt cannot wrap to "enough".
        Assert.Throws<OverflowException>(() => LedgerRules.RefusePost(Alice, Instruction(long.MaxValue), Customer("acc_from", Alice.UserId, posted: -10, overdraftLimit: Ceiling), Customer("acc_to", Bob.UserId)));
        var (debited, credited) = LedgerRules.Post(from, to, 10, hold: false);
        Assert.Equal((long.MinValue, long.MaxValue), (debited.Posted, credited.Posted));
    }
}
