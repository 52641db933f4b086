using System.Net;
using Strongroom.Api.Tests.Support;

namespace Strongroom.Api.Tests.Transfers;

public abstract class BatchTests<TApp>(TApp app) : IClassFixture<TApp>
    where TApp : StrongroomApp
{
    [Fact]
    public async Task A_batch_applies_every_transfer_in_order()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, payer) = await app.OpenFundedAccountAsync(admin, 10_000);
        var (merchant, shop) = await app.OpenFundedAccountAsync(admin, 0);
        var (bank, fees) = await app.OpenFundedAccountAsync(admin, 0);

        var response = await alice.PostBatchAsync([LedgerClient.Transfer(payer, shop, 1_000), LedgerClient.Transfer(payer, fees, 25)]);

        var batch = await response.AssertJsonAsync(HttpStatusCode.Created);
        var transfers = batch.GetProperty("transfers").EnumerateArray().ToList();
        Assert.Equal(2, transfers.Count);
        Assert.Equal(new[] { shop, fees }, transfers.Select(t => t.GetProperty("toAccountId").GetString()));
        Assert.Equal(new[] { 1_000L, 25L }, transfers.Select(t => t.GetProperty("amount").GetInt64()));
        Assert.All(transfers, t => Assert.Equal("posted", t.Status()));
        Assert.Equal(new Balance(8_975, 0, 8_975), await alice.BalanceAsync(payer));
        Assert.Equal(new Balance(1_000, 0, 1_000), await merchant.BalanceAsync(shop));
        Assert.Equal(new Balance(25, 0, 25), await bank.BalanceAsync(fees));
        foreach (var transfer in transfers)
        {
            var read = await (await alice.GetTransferAsync(transfer.Id())).AssertJsonAsync(HttpStatusCode.OK);
            Assert.Equal(transfer.ToString(), read.ToString());
        }
    }

    [Fact]
    public async Task A_batch_with_a_failing_transfer_applies_nothing_and_names_the_failure()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, payer) = await app.OpenFundedAccountAsync(admin, 1_000);
        var (merchant, shop) = await app.OpenFundedAccountAsync(admin, 0);
        var (bank, fees) = await app.OpenFundedAccountAsync(admin, 0);

        var response = await alice.PostBatchAsync([LedgerClient.Transfer(payer, shop, 600), LedgerClient.Transfer(payer, fees, 5_000)]);

        var problem = await response.AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "insufficient_funds");
        Assert.Equal(1, problem.GetProperty("index").GetInt32());
        Assert.Equal(new Balance(1_000, 0, 1_000), await alice.BalanceAsync(payer));
        Assert.Equal(new Balance(0, 0, 0), await merchant.BalanceAsync(shop));
        Assert.Equal(new Balance(0, 0, 0), await bank.BalanceAsync(fees));
        Assert.Single(await alice.EntriesAsync(payer));
        Assert.Empty(await merchant.EntriesAsync(shop));
    }

    [Fact]
    public async Task Transfers_in_a_batch_see_the_ones_before_them()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, payer) = await app.OpenFundedAccountAsync(admin, 1_000);
        var (merchant, shop) = await app.OpenFundedAccountAsync(admin, 0);
        var (_, fees) = await app.OpenFundedAccountAsync(admin, 0);

        // Each fits the starting balance on its own; together they overdraw it.
        var response = await alice.PostBatchAsync([LedgerClient.Transfer(payer, shop, 600), LedgerClient.Transfer(payer, fees, 500)]);

        var problem = await response.AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "insufficient_funds");
        Assert.Equal(1, problem.GetProperty("index").GetInt32());
        Assert.Equal(new Balance(1_000, 0, 1_000), await alice.BalanceAsync(payer));
        Assert.Equal(new Balance(0, 0, 0), await merchant.BalanceAsync(shop));
    }

    [Fact]
    public async Task A_batch_of_one_hundred_is_accepted()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, payer) = await app.OpenFundedAccountAsync(admin, 100);
        var (merchant, shop) = await app.OpenFundedAccountAsync(admin, 0);

        var response = await alice.PostBatchAsync(Enumerable.Range(0, 100).Select(_ => LedgerClient.Transfer(payer, shop, 1)));

        var batch = await response.AssertJsonAsync(HttpStatusCode.Created);
        Assert.Equal(100, batch.GetProperty("transfers").GetArrayLength());
        Assert.Equal(new Balance(0, 0, 0), await alice.BalanceAsync(payer));
        Assert.Equal(new Balance(100, 0, 100), await merchant.BalanceAsync(shop));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(101)]
    public async Task An_empty_batch_or_one_over_one_hundred_is_a_validation_failure(int count)
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, payer) = await app.OpenFundedAccountAsync(admin, 1_000);
        var (_, shop) = await app.OpenFundedAccountAsync(admin, 0);

        var response = await alice.PostBatchAsync(Enumerable.Range(0, count).Select(_ => LedgerClient.Transfer(payer, shop, 1)));

        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.Equal(new Balance(1_000, 0, 1_000), await alice.BalanceAsync(payer));
    }
}

public sealed class BatchesOnSqlite(SqliteApp app) : BatchTests<SqliteApp>(app);

[Trait("Category", "SqlServer")]
public sealed class BatchesOnSqlServer(SqlServerApp app) : BatchTests<SqlServerApp>(app);
