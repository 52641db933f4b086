using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Strongroom.Api.Tests.Database;
using Strongroom.Api.Tests.Support;

namespace Strongroom.Api.Tests.Transfers;

/// <summary><c>GET /v1/transfers</c>: finding transfers, newest first, keyset-paginated.</summary>
public abstract class TransferSearchTests<TApp>(TApp app) : IClassFixture<TApp>
    where TApp : StrongroomApp
{
    [Fact]
    public async Task An_accounts_transfers_on_either_side_come_newest_first_over_pages_without_gaps_or_duplicates()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, account) = await app.OpenFundedAccountAsync(admin, 10_000);
        var (bob, other) = await app.OpenFundedAccountAsync(admin, 10_000);
        var made = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            var response = i % 2 == 0
                ? await alice.PostTransferAsync(LedgerClient.Transfer(account, other, 10 + i))
                : await bob.PostTransferAsync(LedgerClient.Transfer(other, account, 10 + i));
            made.Add((await response.AssertJsonAsync(HttpStatusCode.Created)).Id());
        }

        var pages = await PagesAsync(alice, $"accountId={account}&limit=3");

        Assert.Equal(new[] { 3, 3, 2 }, pages.Select(page => page.Count));
        var found = pages.SelectMany(page => page).ToList();
        var deposit = found[^1];
        Assert.Equal("deposit", Kind(deposit, account));
        Assert.Equal(Enumerable.Reverse(made), found.Take(7).Select(t => t.Id()));
        Assert.Equal(found.Count, found.Select(t => t.Id()).Distinct().Count());
        var times = found.Select(t => t.GetProperty("createdAt").GetDateTimeOffset()).ToList();
        Assert.Equal(times.OrderDescending(), times);
    }

    [Fact]
    public async Task Filters_by_status_time_reference_and_metadata_all_must_match()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, account) = await app.OpenFundedAccountAsync(admin, 10_000);
        var (_, payee) = await app.OpenFundedAccountAsync(admin, 0);
        var tag = Guid.NewGuid().ToString("N");
        var posted = await CreateAsync(alice, new { fromAccountId = account, toAccountId = payee, amount = 100L, currency = "EUR", reference = $"ref-{tag}", metadata = new Dictionary<string, string> { ["order"] = tag, ["kind"] = "rent" } });
        var hold = await CreateAsync(alice, new { fromAccountId = account, toAccountId = payee, amount = 200L, currency = "EUR", hold = true, metadata = new Dictionary<string, string> { ["order"] = tag, ["kind"] = "fee" } });
        var plain = await CreateAsync(alice, LedgerClient.Transfer(account, payee, 300));

        Assert.Equal(new[] { hold.Id() }, Ids(await SearchAsync(alice, $"accountId={account}&status=pending")));
        Assert.Equal(new[] { plain.Id(), posted.Id() }, Ids(await SearchAsync(alice, $"accountId={account}&status=posted")).Take(2));
        Assert.Equal(new[] { posted.Id() }, Ids(await SearchAsync(alice, $"reference=ref-{tag}")));
        Assert.Equal(new[] { posted.Id() }, Ids(await SearchAsync(alice, $"accountId={account}&reference=ref-{tag}")));
        Assert.Equal(new[] { hold.Id(), posted.Id() }, Ids(await SearchAsync(alice, $"metadata[order]={tag}")));
        Assert.Equal(new[] { hold.Id() }, Ids(await SearchAsync(alice, $"metadata[order]={tag}&metadata[kind]=fee")));
        Assert.Equal(new[] { posted.Id() }, Ids(await SearchAsync(alice, $"metadata[kind]=rent&metadata[order]={tag}&accountId={account}&status=posted")));
        Assert.Empty(await SearchAsync(alice, $"metadata[order]={tag}&metadata[kind]=none"));
        Assert.Empty(await SearchAsync(alice, $"metadata[order]={tag}x"));

        var from = Instant(hold.GetProperty("createdAt").GetDateTimeOffset());
        var to = Instant(plain.GetProperty("createdAt").GetDateTimeOffset());
        Assert.Equal(new[] { hold.Id() }, Ids(await SearchAsync(alice, $"accountId={account}&createdFrom={from}&createdTo={to}")));
        Assert.Equal(new[] { hold.Id() }, Ids(await SearchAsync(alice, $"metadata[order]={tag}&createdFrom={from}&createdTo={to}")));
    }

    [Fact]
    public async Task Metadata_search_pages_over_many_matches()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, account) = await app.OpenFundedAccountAsync(admin, 10_000);
        var (_, payee) = await app.OpenFundedAccountAsync(admin, 0);
        var tag = Guid.NewGuid().ToString("N");
        var made = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            made.Add((await CreateAsync(alice, new { fromAccountId = account, toAccountId = payee, amount = 1L + i, currency = "EUR", metadata = new Dictionary<string, string> { ["batch"] = tag } })).Id());
        }

        var pages = await PagesAsync(alice, $"metadata[batch]={tag}&limit=2");

        Assert.Equal(new[] { 2, 2, 1 }, pages.Select(page => page.Count));
        Assert.Equal(Enumerable.Reverse(made), pages.SelectMany(page => page).Select(t => t.Id()));
    }

    [Fact]
    public async Task A_customer_without_accountId_sees_the_transfers_of_all_their_accounts_and_no_one_elses()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, first) = await app.OpenFundedAccountAsync(admin, 1_000);
        var second = await alice.OpenAccountAsync();
        var (bob, bobs) = await app.OpenFundedAccountAsync(admin, 1_000);
        var (carol, carols) = await app.OpenFundedAccountAsync(admin, 1_000);
        var own = await CreateAsync(alice, LedgerClient.Transfer(first, second, 10));
        var received = await CreateAsync(bob, LedgerClient.Transfer(bobs, second, 20));
        var sent = await CreateAsync(alice, LedgerClient.Transfer(first, bobs, 30));
        var strangers = await CreateAsync(carol, LedgerClient.Transfer(carols, bobs, 40));

        var pages = await PagesAsync(alice, "limit=2");
        var seen = pages.SelectMany(page => page).Select(t => t.Id()).ToList();

        // Newest first: the three, then the deposit into the first account; the transfer between her own accounts once.
        Assert.Equal(new[] { sent.Id(), received.Id(), own.Id() }, seen.Take(3));
        Assert.Equal(4, seen.Count);
        Assert.DoesNotContain(strangers.Id(), seen);
        Assert.Equal(seen.Count, seen.Distinct().Count());
    }

    [Fact]
    public async Task Naming_someone_elses_account_is_not_found_and_staff_see_every_account()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, account) = await app.OpenFundedAccountAsync(admin, 1_000);
        var (bob, bobs) = await app.OpenFundedAccountAsync(admin, 1_000);
        var tag = Guid.NewGuid().ToString("N");
        var alices = await CreateAsync(alice, new { fromAccountId = account, toAccountId = bobs, amount = 1L, currency = "EUR", metadata = new Dictionary<string, string> { ["t"] = tag } });
        var bobsTransfer = await CreateAsync(bob, new { fromAccountId = bobs, toAccountId = account, amount = 2L, currency = "EUR", metadata = new Dictionary<string, string> { ["t"] = tag } });
        var stranger = await app.RegisterAndSignInAsync();
        await stranger.OpenAccountAsync();

        await (await stranger.Client.GetAsync($"/v1/transfers?accountId={account}", TestContext.Current.CancellationToken)).AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await stranger.Client.GetAsync("/v1/transfers?accountId=acc_00000000000000000000000000", TestContext.Current.CancellationToken)).AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await stranger.Client.GetAsync("/v1/transfers?accountId=nonsense", TestContext.Current.CancellationToken)).AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
        Assert.Empty(await SearchAsync(stranger, $"metadata[t]={tag}"));
        Assert.Empty(await SearchAsync(stranger, ""));

        Assert.Equal(new[] { bobsTransfer.Id(), alices.Id() }, Ids(await SearchAsync(admin, $"metadata[t]={tag}")));
        Assert.Equal(new[] { bobsTransfer.Id(), alices.Id() }, Ids(await SearchAsync(admin, $"accountId={account}")).Take(2));
        Assert.Equal(new[] { bobsTransfer.Id(), alices.Id() }, Ids(await SearchAsync(admin, "limit=100")).Take(2));
        Assert.Equal(new[] { bobsTransfer.Id(), alices.Id() }, Ids(await SearchAsync(bob, $"metadata[t]={tag}")));
    }

    [Theory]
    [InlineData("status=failed")]
    [InlineData("status=")]
    [InlineData("limit=0")]
    [InlineData("limit=101")]
    [InlineData("createdFrom=yesterday")]
    [InlineData("metadata=x")]
    [InlineData("metadata[]=x")]
    [InlineData("metadata[a]=x&metadata[a]=y")]
    [InlineData("metadata[aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa]=x")]
    [InlineData("reference=")]
    public async Task Bad_filters_are_400_problems(string query)
    {
        var alice = await app.RegisterAndSignInAsync();

        var response = await alice.Client.GetAsync($"/v1/transfers?{query}", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_cursor_the_api_did_not_return_is_invalid_cursor()
    {
        var alice = await app.RegisterAndSignInAsync();

        await (await alice.Client.GetAsync("/v1/transfers?cursor=nonsense", TestContext.Current.CancellationToken)).AssertProblemAsync(HttpStatusCode.BadRequest, "invalid_cursor");
        await (await alice.Client.GetAsync($"/v1/transfers?cursor={Strongroom.Infrastructure.Http.KeysetCursor.Encode("12:acc_x")}", TestContext.Current.CancellationToken))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "invalid_cursor");
    }

    private static async Task<JsonElement> CreateAsync(SignedIn caller, object body) =>
        await (await caller.PostTransferAsync(body)).AssertJsonAsync(HttpStatusCode.Created);

    private static async Task<List<JsonElement>> SearchAsync(SignedIn caller, string query)
    {
        var page = await (await caller.Client.GetAsync($"/v1/transfers?{query}", TestContext.Current.CancellationToken)).AssertJsonAsync(HttpStatusCode.OK);
        return [.. page.GetProperty("items").EnumerateArray()];
    }

    /// <summary>Every page of the search, following nextCursor to the end.</summary>
    private static async Task<List<List<JsonElement>>> PagesAsync(SignedIn caller, string query)
    {
        var pages = new List<List<JsonElement>>();
        string? cursor = null;
        do
        {
            var url = cursor is null ? $"/v1/transfers?{query}" : $"/v1/transfers?{query}&cursor={Uri.EscapeDataString(cursor)}";
            var page = await (await caller.Client.GetAsync(url, TestContext.Current.CancellationToken)).AssertJsonAsync(HttpStatusCode.OK);
            pages.Add([.. page.GetProperty("items").EnumerateArray()]);
            cursor = page.GetProperty("nextCursor").GetString();
        }
        while (cursor is not null && pages.Count < 50);

        return pages;
    }

    private static IEnumerable<string> Ids(IEnumerable<JsonElement> transfers) => transfers.Select(t => t.Id());

    private static string Kind(JsonElement transfer, string account) =>
        transfer.GetProperty("toAccountId").GetString() == account && transfer.GetProperty("amount").GetInt64() == 10_000 ? "deposit" : "other";

    private static string Instant(DateTimeOffset instant) => Uri.EscapeDataString(instant.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture));
}

public sealed class TransferSearchOnSqlite(SqliteApp app) : TransferSearchTests<SqliteApp>(app)
{
    private readonly SqliteApp _app = app;

    /// <summary>
    /// Every statement of the search and of the balance as of an instant, planned by SQLite against the
    /// service's own database: each reads through an index (SEARCH), none scans transfers, entries or
    /// the metadata table.
    /// </summary>
    [Theory]
    [InlineData("ListTransfers+Sqlite.ByAccount")]
    [InlineData("ListTransfers+Sqlite.All")]
    [InlineData("ListTransfers+Sqlite.ByReference")]
    [InlineData("ListTransfers+Sqlite.ByMetadata")]
    [InlineData("GetBalanceAt+Sqlite.LastEntryAt")]
    [InlineData("LedgerStore+Sqlite.LoadTakenReferences")]
    public async Task The_statement_reads_through_an_index_and_scans_no_table(string name)
    {
        _ = _app.Services;
        var sql = Assert.Single(SqlStatementTests.Constants(), c => c.Name.EndsWith(name, StringComparison.Ordinal));
        await using var connection = new SqliteConnection($"Data Source={_app.DatabasePath};Mode=ReadOnly");
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "EXPLAIN QUERY PLAN " + sql.Text;
        foreach (var parameter in System.Text.RegularExpressions.Regex.Matches(sql.Text, "@[A-Za-z]+").Select(m => m.Value).Distinct())
        {
            command.Parameters.AddWithValue(parameter, DBNull.Value);
        }

        var plan = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken))
        {
            while (await reader.ReadAsync(TestContext.Current.CancellationToken))
            {
                plan.Add(reader.GetString(3));
            }
        }

        var text = string.Join(" | ", plan);
        Assert.Contains(plan, step => step.StartsWith("SEARCH ", StringComparison.Ordinal));
        Assert.DoesNotContain(plan, step => System.Text.RegularExpressions.Regex.IsMatch(step, @"^SCAN (t|m|x|e|transfers|entries|transfer_metadata)\b"));
        Assert.True(plan.Count > 0, text);
    }
}

[Trait("Category", "SqlServer")]
public sealed class TransferSearchOnSqlServer(SqlServerApp app) : TransferSearchTests<SqlServerApp>(app);
