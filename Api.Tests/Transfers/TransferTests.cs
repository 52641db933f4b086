using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Strongroom.Api.Tests.Support;
using Strongroom.Features.Ledger;

namespace Strongroom.Api.Tests.Transfers;

public abstract class TransferTests<TApp>(TApp app) : IClassFixture<TApp>
    where TApp : StrongroomApp
{
    private const string UnknownAccountId = "acc_00000000000000000000000000";

    [Fact]
    public async Task A_posted_transfer_moves_money_and_writes_one_pair_of_entries()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 10_000);
        var (bob, to) = await app.OpenFundedAccountAsync(admin, 0);

        var response = await alice.PostTransferAsync(new
        {
            fromAccountId = from,
            toAccountId = to,
            amount = 2_500L,
            currency = "EUR",
            description = "Rent November",
            metadata = new Dictionary<string, string> { ["invoice"] = "2025-11" },
        });

        var transfer = await response.AssertJsonAsync(HttpStatusCode.Created);
        var id = transfer.Id();
        Assert.Matches("^trf_", id);
        Assert.Equal($"/v1/transfers/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal(from, transfer.GetProperty("fromAccountId").GetString());
        Assert.Equal(to, transfer.GetProperty("toAccountId").GetString());
        Assert.Equal(2_500, transfer.GetProperty("amount").GetInt64());
        Assert.Equal(2_500, transfer.GetProperty("capturedAmount").GetInt64());
        Assert.Equal("EUR", transfer.GetProperty("currency").GetString());
        Assert.Equal("posted", transfer.Status());
        Assert.Equal("Rent November", transfer.GetProperty("description").GetString());
        Assert.Equal("2025-11", transfer.GetProperty("metadata").GetProperty("invoice").GetString());
        Assert.True(transfer.GetProperty("createdAt").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(-5));

        Assert.Equal(new Balance(7_500, 0, 7_500), await alice.BalanceAsync(from));
        Assert.Equal(new Balance(2_500, 0, 2_500), await bob.BalanceAsync(to));
        var debit = Assert.Single(await alice.EntriesAsync(from), entry => entry.TransferId == id);
        var credit = Assert.Single(await bob.EntriesAsync(to), entry => entry.TransferId == id);
        Assert.Equal(-2_500, debit.Amount);
        Assert.Equal(7_500, debit.BalanceAfter);
        Assert.Equal(2_500, credit.Amount);
        Assert.Equal(2_500, credit.BalanceAfter);

        var read = await (await alice.GetTransferAsync(id)).AssertJsonAsync(HttpStatusCode.OK);
        Assert.Equal(transfer.ToString(), read.ToString());
    }

    [Fact]
    public async Task A_currency_other_than_both_accounts_is_a_currency_mismatch()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, euros) = await app.OpenFundedAccountAsync(admin, 1_000);
        var bob = await app.RegisterAndSignInAsync();
        var bobEuros = await bob.OpenAccountAsync("EUR");
        var bobDollars = await bob.OpenAccountAsync("USD");

        var intoDollars = await alice.PostTransferAsync(LedgerClient.Transfer(euros, bobDollars, 100, "EUR"));
        var fromDollars = await alice.PostTransferAsync(LedgerClient.Transfer(euros, bobDollars, 100, "USD"));
        var declaredWrong = await alice.PostTransferAsync(LedgerClient.Transfer(euros, bobEuros, 100, "USD"));

        await intoDollars.AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "currency_mismatch");
        await fromDollars.AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "currency_mismatch");
        await declaredWrong.AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "currency_mismatch");
        Assert.Equal(new Balance(1_000, 0, 1_000), await alice.BalanceAsync(euros));
        Assert.Equal(new Balance(0, 0, 0), await bob.BalanceAsync(bobEuros));
        Assert.Equal(new Balance(0, 0, 0), await bob.BalanceAsync(bobDollars));
    }

    [Fact]
    public async Task A_transfer_to_the_same_account_is_refused()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, account) = await app.OpenFundedAccountAsync(admin, 1_000);

        var response = await alice.PostTransferAsync(LedgerClient.Transfer(account, account, 100));

        await response.AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "same_account");
        Assert.Single(await alice.EntriesAsync(account));
    }

    [Fact]
    public async Task More_than_the_available_balance_is_insufficient_funds_and_exactly_all_of_it_is_not()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 1_000);
        var (bob, to) = await app.OpenFundedAccountAsync(admin, 0);

        var tooMuch = await alice.PostTransferAsync(LedgerClient.Transfer(from, to, 1_001));
        await tooMuch.AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "insufficient_funds");
        Assert.Equal(new Balance(1_000, 0, 1_000), await alice.BalanceAsync(from));
        Assert.Equal(new Balance(0, 0, 0), await bob.BalanceAsync(to));

        var everything = await alice.PostTransferAsync(LedgerClient.Transfer(from, to, 1_000));
        await everything.AssertJsonAsync(HttpStatusCode.Created);
        Assert.Equal(new Balance(0, 0, 0), await alice.BalanceAsync(from));
        Assert.Equal(new Balance(1_000, 0, 1_000), await bob.BalanceAsync(to));
    }

    [Fact]
    public async Task An_overdraft_limit_allows_going_down_to_minus_the_limit_and_no_further()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 1_000);
        var (bob, to) = await app.OpenFundedAccountAsync(admin, 0);
        await (await admin.SetOverdraftLimitAsync(from, 500)).AssertJsonAsync(HttpStatusCode.OK);

        var beyondLimit = await alice.PostTransferAsync(LedgerClient.Transfer(from, to, 1_501));
        await beyondLimit.AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "insufficient_funds");

        var downToLimit = await alice.PostTransferAsync(LedgerClient.Transfer(from, to, 1_500));
        await downToLimit.AssertJsonAsync(HttpStatusCode.Created);
        Assert.Equal(new Balance(-500, 0, -500), await alice.BalanceAsync(from));

        var oneMore = await alice.PostTransferAsync(LedgerClient.Transfer(from, to, 1));
        await oneMore.AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "insufficient_funds");
        Assert.Equal(new Balance(-500, 0, -500), await alice.BalanceAsync(from));
        Assert.Equal(new Balance(1_500, 0, 1_500), await bob.BalanceAsync(to));
    }

    [Fact]
    public async Task A_frozen_account_on_either_side_stops_a_transfer_until_unfrozen()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 1_000);
        var (bob, to) = await app.OpenFundedAccountAsync(admin, 0);

        await (await admin.AccountActionAsync(to, "freeze")).AssertJsonAsync(HttpStatusCode.OK);
        var intoFrozen = await alice.PostTransferAsync(LedgerClient.Transfer(from, to, 100));
        await (await admin.AccountActionAsync(to, "unfreeze")).AssertJsonAsync(HttpStatusCode.OK);
        await (await admin.AccountActionAsync(from, "freeze")).AssertJsonAsync(HttpStatusCode.OK);
        var outOfFrozen = await alice.PostTransferAsync(LedgerClient.Transfer(from, to, 100));
        await (await admin.AccountActionAsync(from, "unfreeze")).AssertJsonAsync(HttpStatusCode.OK);
        var afterUnfreezing = await alice.PostTransferAsync(LedgerClient.Transfer(from, to, 100));

        await intoFrozen.AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "account_frozen");
        await outOfFrozen.AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "account_frozen");
        await afterUnfreezing.AssertJsonAsync(HttpStatusCode.Created);
        Assert.Equal(new Balance(900, 0, 900), await alice.BalanceAsync(from));
        Assert.Equal(new Balance(100, 0, 100), await bob.BalanceAsync(to));
    }

    [Fact]
    public async Task A_transfer_into_a_closed_account_is_refused()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 1_000);
        var (bob, to) = await app.OpenFundedAccountAsync(admin, 0);
        await (await admin.AccountActionAsync(to, "close")).AssertJsonAsync(HttpStatusCode.OK);

        var response = await alice.PostTransferAsync(LedgerClient.Transfer(from, to, 100));

        await response.AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "account_closed");
        Assert.Equal(new Balance(1_000, 0, 1_000), await alice.BalanceAsync(from));
        Assert.Equal(new Balance(0, 0, 0), await bob.BalanceAsync(to));
    }

    [Fact]
    public async Task An_unknown_destination_or_a_settlement_account_is_account_not_found()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 1_000);
        var settlement = Assert.Single(await admin.BalancesSnapshotAsync(), row => row.Kind == "settlement" && row.Currency == "EUR");

        var unknown = await alice.PostTransferAsync(LedgerClient.Transfer(from, UnknownAccountId, 100));
        var toSettlement = await alice.PostTransferAsync(LedgerClient.Transfer(from, settlement.AccountId, 100));

        await unknown.AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "account_not_found");
        await toSettlement.AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "account_not_found");
        Assert.Equal(new Balance(1_000, 0, 1_000), await alice.BalanceAsync(from));
    }

    [Fact]
    public async Task A_source_account_that_is_not_the_callers_does_not_exist_for_them()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, aliceAccount) = await app.OpenFundedAccountAsync(admin, 1_000);
        var (mallory, malloryAccount) = await app.OpenFundedAccountAsync(admin, 0);

        var foreign = await mallory.PostTransferAsync(LedgerClient.Transfer(aliceAccount, malloryAccount, 100));
        var unknown = await mallory.PostTransferAsync(LedgerClient.Transfer(UnknownAccountId, malloryAccount, 100));

        var foreignProblem = await foreign.AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
        var unknownProblem = await unknown.AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
        Assert.Equal(unknownProblem.GetProperty("detail").GetString(), foreignProblem.GetProperty("detail").GetString());
        Assert.Equal(new Balance(1_000, 0, 1_000), await alice.BalanceAsync(aliceAccount));
        Assert.Equal(new Balance(0, 0, 0), await mallory.BalanceAsync(malloryAccount));
    }

    [Fact]
    public async Task Staff_may_move_money_out_of_a_customers_account()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 1_000);
        var (bob, to) = await app.OpenFundedAccountAsync(admin, 0);

        var response = await admin.PostTransferAsync(LedgerClient.Transfer(from, to, 400));

        await response.AssertJsonAsync(HttpStatusCode.Created);
        Assert.Equal(new Balance(600, 0, 600), await alice.BalanceAsync(from));
        Assert.Equal(new Balance(400, 0, 400), await bob.BalanceAsync(to));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(long.MinValue)]
    public async Task An_amount_that_is_not_positive_is_a_validation_failure(long amount)
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 1_000);
        var (_, to) = await app.OpenFundedAccountAsync(admin, 0);

        var response = await alice.PostTransferAsync(LedgerClient.Transfer(from, to, amount));

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.True(problem.GetProperty("errors").TryGetProperty("amount", out _), problem.ToString());
        Assert.Equal(new Balance(1_000, 0, 1_000), await alice.BalanceAsync(from));
    }

    [Theory]
    [InlineData("eur")]
    [InlineData("XXX")]
    [InlineData("")]
    public async Task A_currency_that_is_not_ISO_4217_is_a_validation_failure(string currency)
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 1_000);
        var (_, to) = await app.OpenFundedAccountAsync(admin, 0);

        var response = await alice.PostTransferAsync(LedgerClient.Transfer(from, to, 100, currency));

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.True(problem.GetProperty("errors").TryGetProperty("currency", out _), problem.ToString());
    }

    [Fact]
    public async Task Sixteen_metadata_pairs_are_accepted_and_seventeen_are_not()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 1_000);
        var (_, to) = await app.OpenFundedAccountAsync(admin, 0);

        var seventeen = await alice.PostTransferAsync(WithMetadata(from, to, Pairs(17)));
        var sixteen = await alice.PostTransferAsync(WithMetadata(from, to, Pairs(16)));

        var problem = await seventeen.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.Contains(problem.GetProperty("errors").EnumerateObject(), error => error.Name.StartsWith("metadata", StringComparison.Ordinal));
        var accepted = await sixteen.AssertJsonAsync(HttpStatusCode.Created);
        Assert.Equal(16, accepted.GetProperty("metadata").EnumerateObject().Count());
        Assert.Equal(new Balance(900, 0, 900), await alice.BalanceAsync(from));
    }

    [Theory]
    [InlineData(41, 1)]
    [InlineData(0, 1)]
    [InlineData(1, 501)]
    public async Task A_metadata_key_or_value_out_of_bounds_is_a_validation_failure(int keyLength, int valueLength)
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 1_000);
        var (_, to) = await app.OpenFundedAccountAsync(admin, 0);
        var metadata = new Dictionary<string, string> { [new string('k', keyLength)] = new string('v', valueLength) };

        var response = await alice.PostTransferAsync(WithMetadata(from, to, metadata));

        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.Equal(new Balance(1_000, 0, 1_000), await alice.BalanceAsync(from));
    }

    [Fact]
    public async Task A_transfer_is_visible_to_both_sides_and_staff_and_to_nobody_else()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 1_000);
        var (bob, to) = await app.OpenFundedAccountAsync(admin, 0);
        var stranger = await app.RegisterAndSignInAsync();
        var created = await (await alice.PostTransferAsync(LedgerClient.Transfer(from, to, 100))).AssertJsonAsync(HttpStatusCode.Created);

        var bySender = await (await alice.GetTransferAsync(created.Id())).AssertJsonAsync(HttpStatusCode.OK);
        var byReceiver = await (await bob.GetTransferAsync(created.Id())).AssertJsonAsync(HttpStatusCode.OK);
        var byStaff = await (await admin.GetTransferAsync(created.Id())).AssertJsonAsync(HttpStatusCode.OK);
        var byStranger = await (await stranger.GetTransferAsync(created.Id())).AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
        var missing = await (await alice.GetTransferAsync("trf_00000000000000000000000000")).AssertProblemAsync(HttpStatusCode.NotFound, "not_found");

        Assert.Equal(created.ToString(), bySender.ToString());
        Assert.Equal(created.ToString(), byReceiver.ToString());
        Assert.Equal(created.ToString(), byStaff.ToString());
        Assert.Equal(missing.GetProperty("detail").GetString(), byStranger.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Customers_may_not_deposit_or_withdraw()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, account) = await app.OpenFundedAccountAsync(admin, 1_000);

        var deposit = await alice.Client.PostWithKeyAsync("/v1/deposits", new { accountId = account, amount = 1_000_000L, currency = "EUR" }, LedgerClient.NewKey());
        var withdrawal = await alice.Client.PostWithKeyAsync("/v1/withdrawals", new { accountId = account, amount = 500L, currency = "EUR" }, LedgerClient.NewKey());

        await deposit.AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await withdrawal.AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        Assert.Equal(new Balance(1_000, 0, 1_000), await alice.BalanceAsync(account));
    }

    [Fact]
    public async Task Staff_deposit_from_and_withdraw_to_the_settlement_account_within_the_balance()
    {
        var admin = await app.SignInAsAdminAsync();
        var alice = await app.RegisterAndSignInAsync();
        var account = await alice.OpenAccountAsync("EUR");

        var deposit = await admin.DepositAsync(account, 1_000);
        var withdrawal = await (await admin.Client.PostWithKeyAsync("/v1/withdrawals", new { accountId = account, amount = 300L, currency = "EUR" }, LedgerClient.NewKey()))
            .AssertJsonAsync(HttpStatusCode.Created);
        var overdrawn = await admin.Client.PostWithKeyAsync("/v1/withdrawals", new { accountId = account, amount = 701L, currency = "EUR" }, LedgerClient.NewKey());
        var unknown = await admin.Client.PostWithKeyAsync("/v1/deposits", new { accountId = UnknownAccountId, amount = 1L, currency = "EUR" }, LedgerClient.NewKey());

        await overdrawn.AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "insufficient_funds");
        await unknown.AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
        var settlement = Assert.Single(await admin.BalancesSnapshotAsync(), row => row.Kind == "settlement" && row.Currency == "EUR");
        Assert.Equal(settlement.AccountId, deposit.GetProperty("fromAccountId").GetString());
        Assert.Equal(account, deposit.GetProperty("toAccountId").GetString());
        Assert.Equal(account, withdrawal.GetProperty("fromAccountId").GetString());
        Assert.Equal(settlement.AccountId, withdrawal.GetProperty("toAccountId").GetString());
        Assert.Equal("posted", withdrawal.Status());
        Assert.Equal(new Balance(700, 0, 700), await alice.BalanceAsync(account));
    }

    private static object WithMetadata(string from, string to, Dictionary<string, string> metadata) =>
        new { fromAccountId = from, toAccountId = to, amount = 100L, currency = "EUR", metadata };

    private static Dictionary<string, string> Pairs(int count) =>
        Enumerable.Range(1, count).ToDictionary(i => $"key{i}", i => $"value {i}");
}

public sealed class TransfersOnSqlite(SqliteApp app) : TransferTests<SqliteApp>(app);

[Trait("Category", "SqlServer")]
public sealed class TransfersOnSqlServer(SqlServerApp app) : TransferTests<SqlServerApp>(app);

public sealed class LedgerBusyTests(TinyLedgerQueueApp app) : IClassFixture<TinyLedgerQueueApp>
{
    /// <summary>
    /// With the database locked the writer cannot take more work, so requests pile up until the
    /// queue is full; the next one must be refused at once rather than left waiting.
    /// </summary>
    [Fact]
    public async Task A_full_ledger_queue_refuses_at_once_with_503_and_Retry_After()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 1_000);
        var (bob, to) = await app.OpenFundedAccountAsync(admin, 0);
        var queue = app.Services.GetRequiredService<LedgerQueue>();
        var sent = new List<(string Key, Task<HttpResponseMessage> Response)>();
        List<(string Key, Task<HttpResponseMessage> Response)> answeredWhileLocked;

        await using (await SqliteWriteLock.AcquireAsync(app.DatabasePath))
        {
            // The writer's group plus one queued command fit; a handful more than that is plenty.
            while (sent.Count < 8 && !sent.Exists(request => request.Response.IsCompleted))
            {
                var key = LedgerClient.NewKey();
                var waiting = sent.Count;
                var response = alice.PostTransferAsync(LedgerClient.Transfer(from, to, 10), key);
                sent.Add((key, response));
                await LedgerClient.WaitUntilAsync(() => response.IsCompleted || queue.Pending > waiting, TimeSpan.FromSeconds(10), $"request {waiting + 1} is queued or answered");
            }

            // Settle: everything not answered is what the queue holds.
            await LedgerClient.WaitUntilAsync(() => sent.Count(request => !request.Response.IsCompleted) == queue.Pending, TimeSpan.FromSeconds(10), "the queue count settles");
            answeredWhileLocked = sent.Where(request => request.Response.IsCompleted).ToList();
        }

        Assert.NotEmpty(answeredWhileLocked);
        Assert.True(sent.Count > answeredWhileLocked.Count, "No request was ever queued.");
        foreach (var (_, response) in answeredWhileLocked)
        {
            var refused = await response;
            await refused.AssertProblemAsync(HttpStatusCode.ServiceUnavailable, "ledger_busy");
            Assert.NotNull(refused.Headers.RetryAfter);
        }

        var queued = sent.Except(answeredWhileLocked).ToList();
        foreach (var (_, response) in queued)
        {
            await (await response.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken)).AssertJsonAsync(HttpStatusCode.Created);
        }

        // A refusal is not remembered: retrying with the same key after Retry-After goes through.
        foreach (var (key, _) in answeredWhileLocked)
        {
            var retry = await alice.PostTransferAsync(LedgerClient.Transfer(from, to, 10), key);
            await retry.AssertJsonAsync(HttpStatusCode.Created);
            Assert.False(retry.IsReplayed());
        }

        var moved = 10L * sent.Count;
        Assert.Equal(new Balance(1_000 - moved, 0, 1_000 - moved), await alice.BalanceAsync(from));
        Assert.Equal(new Balance(moved, 0, moved), await bob.BalanceAsync(to));
    }
}
