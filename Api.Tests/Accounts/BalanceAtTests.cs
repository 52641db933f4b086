using System.Globalization;
using System.Net;
using Strongroom.Api.Tests.Support;

namespace Strongroom.Api.Tests.Accounts;

/// <summary><c>GET /v1/accounts/{id}/balance?at=</c>: the posted balance as of an instant.</summary>
public abstract class BalanceAtTests<TApp>(TApp app) : IClassFixture<TApp>
    where TApp : StrongroomApp
{
    [Fact]
    public async Task The_balance_at_an_instant_is_the_balance_after_the_last_entry_at_or_before_it()
    {
        var admin = await app.SignInAsAdminAsync();
        var alice = await app.RegisterAndSignInAsync();
        var account = await alice.OpenAccountAsync();
        var (_, payee) = await app.OpenFundedAccountAsync(admin, 0);
        await admin.DepositAsync(account, 1_000);
        await (await alice.PostTransferAsync(LedgerClient.Transfer(account, payee, 300))).AssertJsonAsync(HttpStatusCode.Created);
        await (await alice.PostTransferAsync(LedgerClient.Transfer(account, payee, 200))).AssertJsonAsync(HttpStatusCode.Created);
        var entries = (await alice.EntriesAsync(account)).OrderBy(entry => entry.Sequence).ToList();
        Assert.Equal(3, entries.Count);
        var (first, second, third) = (entries[0], entries[1], entries[2]);

        var beforeFirst = await BalanceAtAsync(alice, account, first.CreatedAt.AddTicks(-10));
        var atFirst = await BalanceAtAsync(alice, account, first.CreatedAt);
        var betweenFirstAndSecond = await BalanceAtAsync(alice, account, first.CreatedAt + ((second.CreatedAt - first.CreatedAt) / 2));
        var justBeforeThird = await BalanceAtAsync(alice, account, third.CreatedAt.AddTicks(-10));
        var atThird = await BalanceAtAsync(alice, account, third.CreatedAt);
        var afterLast = await BalanceAtAsync(alice, account, DateTimeOffset.UtcNow.AddDays(1));

        Assert.Equal((0L, 0L), beforeFirst);
        Assert.Equal((1_000L, first.Sequence), atFirst);
        Assert.Equal((1_000L, first.Sequence), betweenFirstAndSecond);
        Assert.Equal((700L, second.Sequence), justBeforeThird);
        Assert.Equal((500L, third.Sequence), atThird);
        Assert.Equal((500L, third.Sequence), afterLast);
        Assert.Equal(third.BalanceAfter, afterLast.Posted);
    }

    [Fact]
    public async Task The_answer_echoes_the_account_and_the_instant()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, account) = await app.OpenFundedAccountAsync(admin, 250);
        var at = DateTimeOffset.UtcNow.AddMinutes(5);

        var body = await (await alice.Client.GetAsync($"/v1/accounts/{account}/balance?at={Instant(at)}", TestContext.Current.CancellationToken))
            .AssertJsonAsync(HttpStatusCode.OK);

        Assert.Equal(account, body.GetProperty("accountId").GetString());
        Assert.Equal(at, body.GetProperty("at").GetDateTimeOffset());
        Assert.Equal(250, body.GetProperty("posted").GetInt64());
        Assert.Equal(1, body.GetProperty("sequence").GetInt64());
    }

    [Fact]
    public async Task Of_entries_at_the_same_instant_the_one_with_the_highest_sequence_counts()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, account) = await app.OpenFundedAccountAsync(admin, 1_000);
        var (_, payee) = await app.OpenFundedAccountAsync(admin, 0);

        // One batch is one transaction: both debits carry the same created_at.
        await (await alice.PostBatchAsync([LedgerClient.Transfer(account, payee, 100), LedgerClient.Transfer(account, payee, 250)]))
            .AssertJsonAsync(HttpStatusCode.Created);
        var entries = (await alice.EntriesAsync(account)).OrderBy(entry => entry.Sequence).ToList();
        Assert.Equal(entries[1].CreatedAt, entries[2].CreatedAt);

        Assert.Equal((650L, entries[2].Sequence), await BalanceAtAsync(alice, account, entries[2].CreatedAt));
    }

    [Fact]
    public async Task Someone_elses_account_is_not_found_and_staff_may_read_any()
    {
        var admin = await app.SignInAsAdminAsync();
        var (_, account) = await app.OpenFundedAccountAsync(admin, 400);
        var stranger = await app.RegisterAndSignInAsync();
        var at = Instant(DateTimeOffset.UtcNow.AddMinutes(1));

        await (await stranger.Client.GetAsync($"/v1/accounts/{account}/balance?at={at}", TestContext.Current.CancellationToken))
            .AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await stranger.Client.GetAsync($"/v1/accounts/acc_00000000000000000000000000/balance?at={at}", TestContext.Current.CancellationToken))
            .AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
        Assert.Equal((400L, 1L), await BalanceAtAsync(admin, account, DateTimeOffset.UtcNow.AddMinutes(1)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("?at=")]
    [InlineData("?at=yesterday")]
    [InlineData("?at=2026-13-45T00:00:00Z")]
    public async Task A_missing_or_bad_instant_is_a_400_problem(string query)
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, account) = await app.OpenFundedAccountAsync(admin, 0);

        var response = await alice.Client.GetAsync($"/v1/accounts/{account}/balance{query}", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    private static async Task<(long Posted, long Sequence)> BalanceAtAsync(SignedIn reader, string accountId, DateTimeOffset at)
    {
        var body = await (await reader.Client.GetAsync($"/v1/accounts/{accountId}/balance?at={Instant(at)}", TestContext.Current.CancellationToken))
            .AssertJsonAsync(HttpStatusCode.OK);
        return (body.GetProperty("posted").GetInt64(), body.GetProperty("sequence").GetInt64());
    }

    private static string Instant(DateTimeOffset instant) => Uri.EscapeDataString(instant.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture));
}

public sealed class BalanceAtOnSqlite(SqliteApp app) : BalanceAtTests<SqliteApp>(app);

[Trait("Category", "SqlServer")]
public sealed class BalanceAtOnSqlServer(SqlServerApp app) : BalanceAtTests<SqlServerApp>(app);
