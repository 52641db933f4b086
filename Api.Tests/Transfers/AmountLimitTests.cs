using System.Net;
using Microsoft.Data.Sqlite;
using Strongroom.Api.Tests.Support;

namespace Strongroom.Api.Tests.Transfers;

/// <summary>
/// The amount ceiling (10^15 minor units) and what happens when a balance would leave 64 bits.
/// A service of its own: one test edits a balance directly to stand next to the edge.
/// </summary>
public sealed class AmountLimitTests(SqliteApp app) : IClassFixture<SqliteApp>
{
    private const long Ceiling = 1_000_000_000_000_000;

    [Fact]
    public async Task The_ceiling_itself_moves_and_anything_above_it_is_refused_on_every_money_moving_endpoint()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, Ceiling);
        var (bob, to) = await app.OpenFundedAccountAsync(admin, 0);
        var hold = await (await alice.PostTransferAsync(LedgerClient.Hold(from, to, 1))).AssertJsonAsync(HttpStatusCode.Created);

        foreach (var amount in new[] { Ceiling + 1, long.MaxValue })
        {
            await (await alice.PostTransferAsync(LedgerClient.Transfer(from, to, amount))).AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
            await (await alice.PostTransferAsync(LedgerClient.Hold(from, to, amount))).AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
            await (await alice.PostBatchAsync([LedgerClient.Transfer(from, to, amount)])).AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
            await (await alice.CaptureAsync(hold.Id(), amount)).AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
            await (await admin.Client.PostWithKeyAsync("/v1/deposits", new { accountId = to, amount, currency = "EUR" }, LedgerClient.NewKey()))
                .AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
            await (await admin.Client.PostWithKeyAsync("/v1/withdrawals", new { accountId = from, amount, currency = "EUR" }, LedgerClient.NewKey()))
                .AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        }

        await (await alice.VoidAsync(hold.Id())).AssertJsonAsync(HttpStatusCode.OK);
        Assert.Equal(new Balance(Ceiling, 0, Ceiling), await alice.BalanceAsync(from));
        await (await alice.PostTransferAsync(LedgerClient.Transfer(from, to, Ceiling))).AssertJsonAsync(HttpStatusCode.Created);
        Assert.Equal(new Balance(0, 0, 0), await alice.BalanceAsync(from));
        Assert.Equal(new Balance(Ceiling, 0, Ceiling), await bob.BalanceAsync(to));
    }

    [Fact]
    public async Task A_movement_that_would_take_a_balance_past_64_bits_is_refused_and_changes_nothing()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, Ceiling);
        var (_, nearlyFull) = await app.OpenFundedAccountAsync(admin, 0);
        // No client can get a balance there (it takes nine thousand deposits at the ceiling), so put one there.
        const long Edge = long.MaxValue - 1_000;
        await using (var connection = new SqliteConnection($"Data Source={app.DatabasePath}"))
        {
            await connection.OpenAsync(TestContext.Current.CancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = $"UPDATE accounts SET posted = {Edge} WHERE id = '{nearlyFull}'";
            Assert.Equal(1, await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken));
        }

        var before = await admin.BalancesSnapshotAsync();

        var transfer = await alice.PostTransferAsync(LedgerClient.Transfer(from, nearlyFull, 1_001));
        var deposit = await admin.Client.PostWithKeyAsync("/v1/deposits", new { accountId = nearlyFull, amount = Ceiling, currency = "EUR" }, LedgerClient.NewKey());
        var batch = await alice.PostBatchAsync([LedgerClient.Transfer(from, nearlyFull, 1), LedgerClient.Transfer(from, nearlyFull, Ceiling - 1)]);

        await transfer.AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "amount_out_of_range");
        await deposit.AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "amount_out_of_range");
        var refused = await batch.AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "amount_out_of_range");
        // The batch names the transfer that would overflow, as it does for every other refusal.
        Assert.Equal(1, refused.GetProperty("index").GetInt32());
        Assert.Equal(before, await admin.BalancesSnapshotAsync());
        // Up to the edge itself is still fine.
        await (await alice.PostTransferAsync(LedgerClient.Transfer(from, nearlyFull, 1_000))).AssertJsonAsync(HttpStatusCode.Created);
        Assert.Equal(long.MaxValue, Assert.Single(await admin.BalancesSnapshotAsync(), row => row.AccountId == nearlyFull).Posted);
    }

    [Fact]
    public async Task An_amount_sent_as_a_string_is_refused_not_read_as_a_number()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 1_000);
        var (_, to) = await app.OpenFundedAccountAsync(admin, 0);

        var refused = await alice.PostTransferAsync(new { fromAccountId = from, toAccountId = to, amount = "100", currency = "EUR" });

        var problem = await refused.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid_request");
        Assert.Contains("amount", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(1_000, (await (await alice.Client.GetAsync($"/v1/accounts/{from}")).AssertJsonAsync(HttpStatusCode.OK)).GetProperty("balance").GetProperty("posted").GetInt64());
    }
}
