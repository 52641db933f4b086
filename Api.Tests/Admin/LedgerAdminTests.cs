using System.Net;
using System.Text.Json;
using Strongroom.Api.Tests.Support;

namespace Strongroom.Api.Tests.Admin;

public abstract class LedgerAdminTests<TApp>(TApp app) : IClassFixture<TApp>
    where TApp : StrongroomApp
{
    [Fact]
    public async Task Staff_set_an_overdraft_limit_and_customers_cannot()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, account) = await app.OpenFundedAccountAsync(admin, 0);
        var (_, payee) = await app.OpenFundedAccountAsync(admin, 0);
        Assert.Equal(0, (await alice.AccountAsync(account)).GetProperty("overdraftLimit").GetInt64());

        var set = await (await admin.SetOverdraftLimitAsync(account, 500)).AssertJsonAsync(HttpStatusCode.OK);
        await (await admin.SetOverdraftLimitAsync(account, -1)).AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        await (await alice.SetOverdraftLimitAsync(account, 1_000_000)).AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await admin.SetOverdraftLimitAsync("acc_00000000000000000000000000", 500)).AssertProblemAsync(HttpStatusCode.NotFound, "not_found");

        Assert.Equal(account, set.Id());
        Assert.Equal(500, set.GetProperty("overdraftLimit").GetInt64());
        Assert.Equal(500, (await alice.AccountAsync(account)).GetProperty("overdraftLimit").GetInt64());
        await (await alice.PostTransferAsync(LedgerClient.Transfer(account, payee, 500))).AssertJsonAsync(HttpStatusCode.Created);
        Assert.Equal(new Balance(-500, 0, -500), await alice.BalanceAsync(account));
    }

    [Fact]
    public async Task Freezing_is_reversible_and_closing_is_final_and_needs_an_empty_account()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, funded) = await app.OpenFundedAccountAsync(admin, 100);
        var (bob, incoming) = await app.OpenFundedAccountAsync(admin, 0);
        var (carol, outgoing) = await app.OpenFundedAccountAsync(admin, 0);
        await (await admin.SetOverdraftLimitAsync(outgoing, 500)).AssertJsonAsync(HttpStatusCode.OK);
        var holdIn = await (await alice.PostTransferAsync(LedgerClient.Hold(funded, incoming, 50))).AssertJsonAsync(HttpStatusCode.Created);
        var holdOut = await (await carol.PostTransferAsync(LedgerClient.Hold(outgoing, funded, 200))).AssertJsonAsync(HttpStatusCode.Created);

        // Money posted, money about to arrive, money about to leave: none of these may be closed.
        await (await admin.AccountActionAsync(funded, "close")).AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "account_not_empty");
        await (await admin.AccountActionAsync(incoming, "close")).AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "account_not_empty");
        await (await admin.AccountActionAsync(outgoing, "close")).AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "account_not_empty");
        await (await alice.AccountActionAsync(funded, "freeze")).AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");

        var frozen = await (await admin.AccountActionAsync(funded, "freeze")).AssertJsonAsync(HttpStatusCode.OK);
        var unfrozen = await (await admin.AccountActionAsync(funded, "unfreeze")).AssertJsonAsync(HttpStatusCode.OK);
        Assert.Equal("frozen", frozen.Status());
        Assert.Equal("active", unfrozen.Status());

        await (await alice.VoidAsync(holdIn.Id())).AssertJsonAsync(HttpStatusCode.OK);
        await (await carol.VoidAsync(holdOut.Id())).AssertJsonAsync(HttpStatusCode.OK);
        var closed = await (await admin.AccountActionAsync(incoming, "close")).AssertJsonAsync(HttpStatusCode.OK);
        Assert.Equal("closed", closed.Status());
        await (await admin.AccountActionAsync(incoming, "unfreeze")).AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "account_closed");
        await (await admin.AccountActionAsync(incoming, "freeze")).AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "account_closed");
        Assert.Equal("closed", (await bob.AccountAsync(incoming)).Status());
        Assert.Equal("closed", (await (await admin.AccountActionAsync(outgoing, "close")).AssertJsonAsync(HttpStatusCode.OK)).Status());
        Assert.Equal("active", (await alice.AccountAsync(funded)).Status());
    }

    [Fact]
    public async Task Verify_finds_the_ledger_consistent_after_every_kind_of_movement()
    {
        var admin = await app.SignInAsAdminAsync();
        var alice = await app.RegisterAndSignInAsync();
        var account = await alice.OpenAccountAsync();
        var (_, payee) = await app.OpenFundedAccountAsync(admin, 0);
        var before = await VerifyAsync(admin);

        await admin.DepositAsync(account, 1_000);
        await (await alice.PostTransferAsync(LedgerClient.Transfer(account, payee, 100))).AssertJsonAsync(HttpStatusCode.Created);
        var captured = await (await alice.PostTransferAsync(LedgerClient.Hold(account, payee, 200))).AssertJsonAsync(HttpStatusCode.Created);
        await (await alice.CaptureAsync(captured.Id(), 150)).AssertJsonAsync(HttpStatusCode.OK);
        var voided = await (await alice.PostTransferAsync(LedgerClient.Hold(account, payee, 50))).AssertJsonAsync(HttpStatusCode.Created);
        await (await alice.VoidAsync(voided.Id())).AssertJsonAsync(HttpStatusCode.OK);
        await (await admin.Client.PostWithKeyAsync("/v1/withdrawals", new { accountId = account, amount = 100L, currency = "EUR" }, LedgerClient.NewKey()))
            .AssertJsonAsync(HttpStatusCode.Created);
        var after = await VerifyAsync(admin);

        Assert.True(after.GetProperty("ok").GetBoolean(), after.ToString());
        Assert.Equal(0, after.GetProperty("discrepancies").GetArrayLength());
        Assert.Equal(before.GetProperty("accounts").GetInt64(), after.GetProperty("accounts").GetInt64());
        // Deposit, transfer, captured hold, voided hold, withdrawal; a void posts no entries.
        Assert.Equal(5, after.GetProperty("transfers").GetInt64() - before.GetProperty("transfers").GetInt64());
        Assert.Equal(8, after.GetProperty("entries").GetInt64() - before.GetProperty("entries").GetInt64());
        Assert.Equal(new Balance(650, 0, 650), await alice.BalanceAsync(account));
    }

    [Fact]
    public async Task Verify_and_balances_are_for_admins_only()
    {
        var customer = await app.RegisterAndSignInAsync();

        var verify = await customer.Client.GetAsync("/v1/admin/ledger/verify");
        var balances = await customer.Client.GetAsync("/v1/admin/ledger/balances");

        await verify.AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await balances.AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task The_balances_snapshot_sums_to_zero_per_currency_and_matches_the_accounts()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, euros) = await app.OpenFundedAccountAsync(admin, 1_000);
        var (bob, bobEuros) = await app.OpenFundedAccountAsync(admin, 0);
        var (_, dollars) = await app.OpenFundedAccountAsync(admin, 500, "USD");
        var (_, yen) = await app.OpenFundedAccountAsync(admin, 7, "JPY");
        await (await alice.PostTransferAsync(LedgerClient.Transfer(euros, bobEuros, 100))).AssertJsonAsync(HttpStatusCode.Created);
        await (await alice.PostTransferAsync(LedgerClient.Hold(euros, bobEuros, 300))).AssertJsonAsync(HttpStatusCode.Created);

        var snapshot = await admin.BalancesSnapshotAsync();

        Assert.Equal(snapshot.Count, snapshot.Select(row => row.AccountId).Distinct().Count());
        Assert.All(snapshot.GroupBy(row => row.Currency), currency => Assert.Equal(0, currency.Sum(row => row.Posted)));
        foreach (var currency in new[] { "EUR", "USD", "JPY" })
        {
            var settlement = Assert.Single(snapshot, row => row.Kind == "settlement" && row.Currency == currency);
            Assert.Null(settlement.OwnerId);
        }

        Assert.Equal(new LedgerBalance(euros, alice.UserId, "customer", "EUR", 900, 300, 0), Assert.Single(snapshot, row => row.AccountId == euros));
        Assert.Equal(new LedgerBalance(bobEuros, bob.UserId, "customer", "EUR", 100, 0, 300), Assert.Single(snapshot, row => row.AccountId == bobEuros));
        Assert.Equal(500, Assert.Single(snapshot, row => row.AccountId == dollars).Posted);
        Assert.Equal(7, Assert.Single(snapshot, row => row.AccountId == yen).Posted);
        Assert.Equal(new Balance(900, -300, 600), await alice.BalanceAsync(euros));
        Assert.Equal(new Balance(100, 300, 100), await bob.BalanceAsync(bobEuros));
    }

    private static async Task<JsonElement> VerifyAsync(SignedIn admin) =>
        await (await admin.Client.GetAsync("/v1/admin/ledger/verify")).AssertJsonAsync(HttpStatusCode.OK);
}

public sealed class LedgerAdminOnSqlite(SqliteApp app) : LedgerAdminTests<SqliteApp>(app);

[Trait("Category", "SqlServer")]
public sealed class LedgerAdminOnSqlServer(SqlServerApp app) : LedgerAdminTests<SqlServerApp>(app);
