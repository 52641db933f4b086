using System.Globalization;
using System.Net;
using System.Text.Json;
using Strongroom.Api.Tests.Support;

namespace Strongroom.Api.Tests.Accounts;

/// <summary><c>GET /v1/accounts/{id}/entries</c>: an account's statement.</summary>
public abstract class EntriesTests<TApp>(TApp app) : IClassFixture<TApp>
    where TApp : StrongroomApp
{
    [Fact]
    public async Task Entries_are_listed_newest_first_in_keyset_pages_with_running_balances()
    {
        var admin = await app.SignInAsAdminAsync();
        var alice = await app.RegisterAndSignInAsync();
        var account = await alice.OpenAccountAsync();
        var (_, payee) = await app.OpenFundedAccountAsync(admin, 0);
        var transferIds = new List<string> { (await admin.DepositAsync(account, 1_000)).Id() };
        var amounts = new List<long> { 1_000 };
        foreach (var amount in new long[] { 10, 20, 30, 40 })
        {
            var transfer = await (await alice.PostTransferAsync(LedgerClient.Transfer(account, payee, amount))).AssertJsonAsync(HttpStatusCode.Created);
            transferIds.Add(transfer.Id());
            amounts.Add(-amount);
        }

        var pages = new List<List<LedgerEntry>>();
        string? cursor = null;
        do
        {
            var query = cursor is null ? "limit=2" : $"limit=2&cursor={Uri.EscapeDataString(cursor)}";
            var page = await (await alice.Client.GetAsync($"/v1/accounts/{account}/entries?{query}")).AssertJsonAsync(HttpStatusCode.OK);
            pages.Add(page.GetProperty("items").Deserialize<List<LedgerEntry>>(JsonSerializerOptions.Web)!);
            cursor = page.GetProperty("nextCursor").GetString();
        }
        while (cursor is not null && pages.Count < 10);

        Assert.Equal(new[] { 2, 2, 1 }, pages.Select(page => page.Count));
        var entries = pages.SelectMany(page => page).ToList();
        transferIds.Reverse();
        amounts.Reverse();
        Assert.Equal(Enumerable.Range(1, transferIds.Count).Reverse().Select(sequence => (long)sequence), entries.Select(entry => entry.Sequence));
        Assert.Equal(transferIds, entries.Select(entry => entry.TransferId));
        Assert.Equal(amounts, entries.Select(entry => entry.Amount));
        Assert.Equal((await alice.BalanceAsync(account)).Posted, entries[0].BalanceAfter);
        for (var i = 0; i < entries.Count - 1; i++)
        {
            Assert.Equal(entries[i].BalanceAfter - entries[i].Amount, entries[i + 1].BalanceAfter);
        }

        Assert.Equal(entries[^1].Amount, entries[^1].BalanceAfter);
    }

    [Fact]
    public async Task Entries_can_be_filtered_by_time_from_inclusive_to_exclusive()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, account) = await app.OpenFundedAccountAsync(admin, 1_000);
        var (_, payee) = await app.OpenFundedAccountAsync(admin, 0);
        for (var i = 1; i <= 4; i++)
        {
            await (await alice.PostTransferAsync(LedgerClient.Transfer(account, payee, i))).AssertJsonAsync(HttpStatusCode.Created);
        }

        var all = await alice.EntriesAsync(account);
        Assert.Equal(5, all.Count);
        var pivot = all[2].CreatedAt;
        var (windowStart, windowEnd) = (all[3].CreatedAt, all[1].CreatedAt);

        var fromPivot = await EntriesAsync(alice, account, $"from={Instant(pivot)}");
        var untilPivot = await EntriesAsync(alice, account, $"to={Instant(pivot)}");
        var window = await EntriesAsync(alice, account, $"from={Instant(windowStart)}&to={Instant(windowEnd)}");

        Assert.Equal(all.Where(e => e.CreatedAt >= pivot).Select(e => e.Sequence), fromPivot.Select(e => e.Sequence));
        Assert.Equal(all.Where(e => e.CreatedAt < pivot).Select(e => e.Sequence), untilPivot.Select(e => e.Sequence));
        Assert.Equal(all.Where(e => e.CreatedAt >= windowStart && e.CreatedAt < windowEnd).Select(e => e.Sequence), window.Select(e => e.Sequence));
        Assert.Contains(all[2].Sequence, fromPivot.Select(e => e.Sequence));
        Assert.DoesNotContain(all[2].Sequence, untilPivot.Select(e => e.Sequence));
        Assert.NotEmpty(untilPivot);
    }

    [Fact]
    public async Task Entries_are_for_the_owner_and_staff_only_and_pages_are_bounded()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, account) = await app.OpenFundedAccountAsync(admin, 1_000);
        var stranger = await app.RegisterAndSignInAsync();

        var byStaff = await (await admin.Client.GetAsync($"/v1/accounts/{account}/entries")).AssertJsonAsync(HttpStatusCode.OK);
        await (await stranger.Client.GetAsync($"/v1/accounts/{account}/entries")).AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await alice.Client.GetAsync($"/v1/accounts/{account}/entries?limit=0")).AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        await (await alice.Client.GetAsync($"/v1/accounts/{account}/entries?limit=101")).AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");

        Assert.Equal(1, byStaff.GetProperty("items").GetArrayLength());
    }

    private static async Task<List<LedgerEntry>> EntriesAsync(SignedIn reader, string accountId, string query)
    {
        var page = await (await reader.Client.GetAsync($"/v1/accounts/{accountId}/entries?limit=100&{query}")).AssertJsonAsync(HttpStatusCode.OK);
        return page.GetProperty("items").Deserialize<List<LedgerEntry>>(JsonSerializerOptions.Web)!;
    }

    private static string Instant(DateTimeOffset instant) => Uri.EscapeDataString(instant.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture));
}

public sealed class EntriesOnSqlite(SqliteApp app) : EntriesTests<SqliteApp>(app);

[Trait("Category", "SqlServer")]
public sealed class EntriesOnSqlServer(SqlServerApp app) : EntriesTests<SqlServerApp>(app);
