using System.Net;
using Strongroom.Api.Tests.Support;

namespace Strongroom.Api.Tests.Accounts;

public abstract class AccountsTests<TApp>(TApp app) : IClassFixture<TApp>
    where TApp : StrongroomApp
{
    [Fact]
    public async Task Opening_an_account_returns_it_with_a_zero_balance_and_its_location()
    {
        var user = await app.RegisterAndSignInAsync();

        var response = await user.Client.PostJsonAsync("/v1/accounts", new { currency = "EUR", name = "Main" });

        var account = await response.AssertJsonAsync(HttpStatusCode.Created);
        var id = account.GetProperty("id").GetString()!;
        Assert.Equal($"/v1/accounts/{id}", response.Headers.Location?.OriginalString);
        Assert.Matches("^acc_[0-9a-z]{26}$", id);
        Assert.Equal(user.UserId, account.GetProperty("ownerId").GetString());
        Assert.Equal("Main", account.GetProperty("name").GetString());
        Assert.Equal("EUR", account.GetProperty("currency").GetString());
        Assert.Equal("active", account.GetProperty("status").GetString());
        var balance = account.GetProperty("balance");
        Assert.Equal(0, balance.GetProperty("posted").GetInt64());
        Assert.Equal(0, balance.GetProperty("pending").GetInt64());
        Assert.Equal(0, balance.GetProperty("available").GetInt64());
        Assert.True(account.GetProperty("createdAt").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(-5));

        var read = await (await user.Client.GetAsync($"/v1/accounts/{id}")).AssertJsonAsync(HttpStatusCode.OK);
        Assert.Equal(account.ToString(), read.ToString());
    }

    [Theory]
    [InlineData("eur")]
    [InlineData("EURO")]
    [InlineData("XXX")]
    [InlineData("ABC")]
    [InlineData("")]
    public async Task A_currency_that_is_not_ISO_4217_is_refused(string currency)
    {
        var user = await app.RegisterAndSignInAsync();

        var response = await user.Client.PostJsonAsync("/v1/accounts", new { currency, name = "Main" });

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.True(problem.GetProperty("errors").TryGetProperty("currency", out _));
    }

    [Fact]
    public async Task A_balance_cannot_be_set_by_the_client()
    {
        var user = await app.RegisterAndSignInAsync();

        var response = await user.Client.PostJsonAsync("/v1/accounts", new { currency = "EUR", name = "Rich", balance = new { posted = 1_000_000 } });

        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid_request");
    }

    [Fact]
    public async Task Someone_elses_account_does_not_exist_for_you()
    {
        var owner = await app.RegisterAndSignInAsync();
        var stranger = await app.RegisterAndSignInAsync();
        var id = (await (await owner.Client.PostJsonAsync("/v1/accounts", new { currency = "EUR", name = "Private" }))
            .AssertJsonAsync(HttpStatusCode.Created)).GetProperty("id").GetString();

        var foreign = await (await stranger.Client.GetAsync($"/v1/accounts/{id}")).AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
        var missing = await (await stranger.Client.GetAsync("/v1/accounts/acc_00000000000000000000000000")).AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
        var garbage = await (await stranger.Client.GetAsync("/v1/accounts/1")).AssertProblemAsync(HttpStatusCode.NotFound, "not_found");

        // Indistinguishable from an account that does not exist.
        Assert.Equal(missing.GetProperty("detail").GetString(), foreign.GetProperty("detail").GetString());
        Assert.Equal(missing.GetProperty("title").GetString(), garbage.GetProperty("title").GetString());
        var list = await (await stranger.Client.GetAsync("/v1/accounts")).AssertJsonAsync(HttpStatusCode.OK);
        Assert.Equal(0, list.GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task Staff_can_read_any_account()
    {
        var owner = await app.RegisterAndSignInAsync();
        var admin = await app.SignInAsAdminAsync();
        var id = (await (await owner.Client.PostJsonAsync("/v1/accounts", new { currency = "JPY", name = "Yen" }))
            .AssertJsonAsync(HttpStatusCode.Created)).GetProperty("id").GetString();

        var account = await (await admin.Client.GetAsync($"/v1/accounts/{id}")).AssertJsonAsync(HttpStatusCode.OK);

        Assert.Equal(owner.UserId, account.GetProperty("ownerId").GetString());
        Assert.Equal("admin", Jwt.Payload(admin.Token).GetProperty("role").GetString());
    }

    [Fact]
    public async Task Listing_pages_through_the_callers_accounts_only()
    {
        var user = await app.RegisterAndSignInAsync();
        var other = await app.RegisterAndSignInAsync();
        await other.Client.PostJsonAsync("/v1/accounts", new { currency = "USD", name = "Not yours" });
        var opened = new List<string>();
        foreach (var currency in new[] { "EUR", "USD", "GBP", "CHF", "SEK" })
        {
            var created = await (await user.Client.PostJsonAsync("/v1/accounts", new { currency, name = currency })).AssertJsonAsync(HttpStatusCode.Created);
            opened.Add(created.GetProperty("id").GetString()!);
        }

        var seen = new List<string>();
        var pages = 0;
        string? cursor = null;
        do
        {
            var page = await (await user.Client.GetAsync($"/v1/accounts?limit=2{(cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}")}"))
                .AssertJsonAsync(HttpStatusCode.OK);
            pages++;
            var items = page.GetProperty("items").EnumerateArray().ToList();
            Assert.InRange(items.Count, 1, 2);
            Assert.All(items, item => Assert.Equal(user.UserId, item.GetProperty("ownerId").GetString()));
            seen.AddRange(items.Select(item => item.GetProperty("id").GetString()!));
            cursor = page.GetProperty("nextCursor").GetString();
        }
        while (cursor is not null && pages < 10);

        Assert.Equal(3, pages);
        Assert.Equal(opened, seen);
    }

    [Fact]
    public async Task The_default_page_is_20_accounts()
    {
        var user = await app.RegisterAndSignInAsync();
        for (var i = 0; i < 21; i++)
        {
            (await user.Client.PostJsonAsync("/v1/accounts", new { currency = "EUR", name = $"Pot {i}" })).EnsureSuccessStatusCode();
        }

        var page = await (await user.Client.GetAsync("/v1/accounts")).AssertJsonAsync(HttpStatusCode.OK);

        Assert.Equal(20, page.GetProperty("items").GetArrayLength());
        Assert.NotNull(page.GetProperty("nextCursor").GetString());
    }

    [Theory]
    [InlineData("limit=0", "validation_failed")]
    [InlineData("limit=101", "validation_failed")]
    [InlineData("cursor=not-a-cursor", "invalid_cursor")]
    [InlineData("limit=ten", "invalid_request")]
    public async Task Bad_paging_parameters_are_refused(string query, string code)
    {
        var user = await app.RegisterAndSignInAsync();

        var response = await user.Client.GetAsync($"/v1/accounts?{query}");

        await response.AssertProblemAsync(HttpStatusCode.BadRequest, code);
    }

    [Fact]
    public async Task Accounts_need_a_signed_in_caller()
    {
        var client = app.CreateClient();

        var list = await client.GetAsync("/v1/accounts");
        var open = await client.PostJsonAsync("/v1/accounts", new { currency = "EUR", name = "Main" });

        await list.AssertProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
        await open.AssertProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
        Assert.Contains(list.Headers.WwwAuthenticate, header => header.Scheme == "Bearer");
    }
}

public sealed class AccountsOnSqlite(SqliteApp app) : AccountsTests<SqliteApp>(app);

[Trait("Category", "SqlServer")]
public sealed class AccountsOnSqlServer(SqlServerApp app) : AccountsTests<SqlServerApp>(app);
