using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Strongroom.Api.Tests.Support;

namespace Strongroom.Api.Tests.Exchanges;

/// <summary>
/// Rates set by staff and exchanges between a customer's accounts of two currencies, through real
/// HTTP: exact buy amounts, the rate checks, all-or-nothing legs, idempotent replay, and the
/// ledger still verifying, per currency summing to zero. Each test uses currency pairs of its own,
/// since a pair's rate is shared by everyone.
/// </summary>
public abstract class ExchangeTests<TApp>(TApp app) : IClassFixture<TApp>
    where TApp : StrongroomApp
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Staff_set_a_rate_as_a_decimal_string_and_anyone_signed_in_reads_it_but_not_its_inverse()
    {
        var admin = await app.SignInAsAdminAsync();
        var customer = await app.RegisterAndSignInAsync();
        var validUntil = DateTimeOffset.UtcNow.AddHours(1);

        var set = await (await admin.PutRateAsync("EUR", "USD", new { rate = "1.08420", validUntil })).AssertJsonAsync(HttpStatusCode.OK);
        var read = await (await customer.Client.GetAsync("/v1/fx/rates/EUR/USD", Cancel)).AssertJsonAsync(HttpStatusCode.OK);

        Assert.Equal(JsonValueKind.String, set.GetProperty("rate").ValueKind);
        Assert.Equal("1.0842", set.GetProperty("rate").GetString());
        Assert.Equal("EUR", read.GetProperty("base").GetString());
        Assert.Equal("USD", read.GetProperty("quote").GetString());
        Assert.Equal("1.0842", read.GetProperty("rate").GetString());
        Assert.Equal(validUntil.ToUnixTimeMilliseconds(), read.GetProperty("validUntil").GetDateTimeOffset().ToUnixTimeMilliseconds());
        await (await customer.Client.GetAsync("/v1/fx/rates/USD/EUR", Cancel)).AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await customer.Client.GetAsync("/v1/fx/rates/EUR/EUR", Cancel)).AssertProblemAsync(HttpStatusCode.NotFound, "not_found");

        // Changed again: the audit log keeps both changes, with the pair and the rate before and after.
        await (await admin.PutRateAsync("EUR", "USD", new { rate = "1.1", validUntil })).AssertJsonAsync(HttpStatusCode.OK);
        var audit = (await (await admin.Client.GetAsync("/v1/admin/audit?action=SetFxRate&limit=100", Cancel)).AssertJsonAsync(HttpStatusCode.OK))
            .GetProperty("items").EnumerateArray().Select(item => item.GetProperty("details").GetString()!).ToList();
        Assert.Contains(audit, details => details.StartsWith("EUR/USD rate none->1.0842 ", StringComparison.Ordinal));
        Assert.Contains(audit, details => details.StartsWith("EUR/USD rate 1.0842->1.1 ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_customer_may_not_set_a_rate()
    {
        var customer = await app.RegisterAndSignInAsync();

        var response = await customer.PutRateAsync("GBP", "CHF", new { rate = "1.13", validUntil = DateTimeOffset.UtcNow.AddHours(1) });

        await response.AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await customer.Client.GetAsync("/v1/fx/rates/GBP/CHF", Cancel)).AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Theory]
    [InlineData("""{"rate":1.0842,"validUntil":"2099-01-01T00:00:00Z"}""")]
    [InlineData("""{"rate":"-1.5","validUntil":"2099-01-01T00:00:00Z"}""")]
    [InlineData("""{"rate":"0","validUntil":"2099-01-01T00:00:00Z"}""")]
    [InlineData("""{"rate":"0.000","validUntil":"2099-01-01T00:00:00Z"}""")]
    [InlineData("""{"rate":"1e3","validUntil":"2099-01-01T00:00:00Z"}""")]
    [InlineData("""{"rate":"1,5","validUntil":"2099-01-01T00:00:00Z"}""")]
    [InlineData("""{"rate":".5","validUntil":"2099-01-01T00:00:00Z"}""")]
    [InlineData("""{"rate":"1.","validUntil":"2099-01-01T00:00:00Z"}""")]
    [InlineData("""{"rate":" 1.5","validUntil":"2099-01-01T00:00:00Z"}""")]
    [InlineData("""{"rate":"1.1234567890123","validUntil":"2099-01-01T00:00:00Z"}""")]
    [InlineData("""{"rate":"1234567890123","validUntil":"2099-01-01T00:00:00Z"}""")]
    [InlineData("""{"rate":"1.5","validUntil":"2001-01-01T00:00:00Z"}""")]
    [InlineData("""{"rate":"1.5"}""")]
    [InlineData("""{"validUntil":"2099-01-01T00:00:00Z"}""")]
    public async Task A_rate_that_is_not_a_positive_decimal_string_or_not_valid_in_the_future_is_refused(string body)
    {
        var admin = await app.SignInAsAdminAsync();

        var response = await admin.Client.PutAsync("/v1/admin/fx/rates/SEK/NOK", new StringContent(body, System.Text.Encoding.UTF8, "application/json"), Cancel);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        await (await admin.Client.GetAsync("/v1/fx/rates/SEK/NOK", Cancel)).AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Theory]
    [InlineData("EUR", "EUR")]
    [InlineData("eur", "USD")]
    [InlineData("XXX", "USD")]
    [InlineData("EUR", "EURO")]
    public async Task A_pair_of_unknown_or_equal_currencies_is_refused(string baseCurrency, string quoteCurrency)
    {
        var admin = await app.SignInAsAdminAsync();

        var response = await admin.PutRateAsync(baseCurrency, quoteCurrency, new { rate = "1.5", validUntil = DateTimeOffset.UtcNow.AddHours(1) });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Euros_to_yen_buy_the_exact_amount_rounded_down_in_two_legs_through_settlement()
    {
        var admin = await app.SignInAsAdminAsync();
        await admin.SetRateAsync("EUR", "JPY", "161.2345");
        var (alice, euros) = await app.OpenFundedAccountAsync(admin, 5_000, "EUR");
        var yen = await alice.OpenAccountAsync("JPY");

        // 10.00 EUR × 161.2345 = 1612.345 JPY: 1612 (JPY has no minor unit).
        var response = await alice.ExchangeAsync(euros, yen, 1_000);

        var exchange = await response.AssertJsonAsync(HttpStatusCode.Created);
        var id = exchange.Id();
        Assert.Matches("^exc_", id);
        Assert.Equal($"/v1/exchanges/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal(euros, exchange.GetProperty("fromAccountId").GetString());
        Assert.Equal(yen, exchange.GetProperty("toAccountId").GetString());
        Assert.Equal("161.2345", exchange.GetProperty("rate").GetString());
        var sell = exchange.GetProperty("sell");
        var buy = exchange.GetProperty("buy");
        Assert.Equal(1_000, sell.GetProperty("amount").GetInt64());
        Assert.Equal("EUR", sell.GetProperty("currency").GetString());
        Assert.Equal(1_612, buy.GetProperty("amount").GetInt64());
        Assert.Equal("JPY", buy.GetProperty("currency").GetString());

        Assert.Equal(new Balance(4_000, 0, 4_000), await alice.BalanceAsync(euros));
        Assert.Equal(new Balance(1_612, 0, 1_612), await alice.BalanceAsync(yen));
        var sold = await (await alice.GetTransferAsync(sell.GetProperty("transferId").GetString()!)).AssertJsonAsync(HttpStatusCode.OK);
        var bought = await (await alice.GetTransferAsync(buy.GetProperty("transferId").GetString()!)).AssertJsonAsync(HttpStatusCode.OK);
        Assert.Equal((euros, 1_000L, "EUR", "posted"), (sold.GetProperty("fromAccountId").GetString(), sold.GetProperty("amount").GetInt64(), sold.GetProperty("currency").GetString(), sold.Status()));
        Assert.Equal((yen, 1_612L, "JPY", "posted"), (bought.GetProperty("toAccountId").GetString(), bought.GetProperty("amount").GetInt64(), bought.GetProperty("currency").GetString(), bought.Status()));
        var balances = await admin.BalancesSnapshotAsync();
        Assert.Equal("settlement", balances.Single(b => b.AccountId == sold.GetProperty("toAccountId").GetString()).Kind);
        Assert.Equal("settlement", balances.Single(b => b.AccountId == bought.GetProperty("fromAccountId").GetString()).Kind);

        var read = await (await alice.Client.GetAsync($"/v1/exchanges/{id}", Cancel)).AssertJsonAsync(HttpStatusCode.OK);
        Assert.Equal(exchange.ToString(), read.ToString());
        var events = await alice.EventsAsync();
        var completed = Assert.Single(events, e => e.Type() == "exchange.completed" && e.DataId() == id);
        Assert.Equal(exchange.ToString(), completed.GetProperty("data").ToString());
        Assert.Contains(events, e => e.Type() == "transfer.posted" && e.DataId() == sold.Id());
        Assert.Contains(events, e => e.Type() == "transfer.posted" && e.DataId() == bought.Id());

        await AssertBooksBalanceAsync(admin);
    }

    [Fact]
    public async Task Yen_to_euros_scale_up_to_cents_and_round_down()
    {
        var admin = await app.SignInAsAdminAsync();
        await admin.SetRateAsync("JPY", "EUR", "0.006203");
        var (alice, yen) = await app.OpenFundedAccountAsync(admin, 20_000, "JPY");
        var euros = await alice.OpenAccountAsync("EUR");

        // 12345 JPY × 0.006203 = 76.576035 EUR: 7657 cents.
        var exchange = await (await alice.ExchangeAsync(yen, euros, 12_345, rate: "0.0062030")).AssertJsonAsync(HttpStatusCode.Created);

        Assert.Equal(7_657, exchange.GetProperty("buy").GetProperty("amount").GetInt64());
        Assert.Equal("0.006203", exchange.GetProperty("rate").GetString());
        Assert.Equal(new Balance(7_655, 0, 7_655), await alice.BalanceAsync(yen));
        Assert.Equal(new Balance(7_657, 0, 7_657), await alice.BalanceAsync(euros));
        await AssertBooksBalanceAsync(admin);
    }

    [Fact]
    public async Task A_quoted_rate_that_is_no_longer_current_is_rate_changed_and_nothing_moves()
    {
        var admin = await app.SignInAsAdminAsync();
        await admin.SetRateAsync("CHF", "USD", "1.1");
        var (alice, francs) = await app.OpenFundedAccountAsync(admin, 10_000, "CHF");
        var dollars = await alice.OpenAccountAsync("USD");
        await (await alice.ExchangeAsync(francs, dollars, 1_000, rate: "1.10")).AssertJsonAsync(HttpStatusCode.Created);

        await admin.SetRateAsync("CHF", "USD", "1.2");
        var response = await alice.ExchangeAsync(francs, dollars, 1_000, rate: "1.1");

        var problem = await response.AssertProblemAsync(HttpStatusCode.Conflict, "rate_changed");
        Assert.Contains("1.2", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(new Balance(9_000, 0, 9_000), await alice.BalanceAsync(francs));
        Assert.Equal(new Balance(1_100, 0, 1_100), await alice.BalanceAsync(dollars));
    }

    [Fact]
    public async Task A_pair_without_a_rate_is_rate_not_found_and_the_inverse_is_not_implied()
    {
        var admin = await app.SignInAsAdminAsync();
        await admin.SetRateAsync("DKK", "SEK", "1.5");
        var (alice, kroner) = await app.OpenFundedAccountAsync(admin, 10_000, "SEK");
        var danish = await alice.OpenAccountAsync("DKK");

        var response = await alice.ExchangeAsync(kroner, danish, 1_000);

        await response.AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "rate_not_found");
        Assert.Equal(new Balance(10_000, 0, 10_000), await alice.BalanceAsync(kroner));
    }

    [Fact]
    public async Task Insufficient_funds_refuses_both_legs()
    {
        var admin = await app.SignInAsAdminAsync();
        await admin.SetRateAsync("GBP", "EUR", "1.17");
        var (alice, pounds) = await app.OpenFundedAccountAsync(admin, 500, "GBP");
        var euros = await alice.OpenAccountAsync("EUR");
        var before = await admin.BalancesSnapshotAsync();

        var response = await alice.ExchangeAsync(pounds, euros, 501);

        await response.AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "insufficient_funds");
        Assert.Equal(new Balance(500, 0, 500), await alice.BalanceAsync(pounds));
        Assert.Equal(new Balance(0, 0, 0), await alice.BalanceAsync(euros));
        Assert.Empty(await alice.EntriesAsync(euros));
        Assert.Single(await alice.EntriesAsync(pounds));
        Assert.Equal(before.Where(b => b.Kind == "settlement").OrderBy(b => b.AccountId), (await admin.BalancesSnapshotAsync()).Where(b => b.Kind == "settlement").OrderBy(b => b.AccountId));
        Assert.DoesNotContain(await alice.EventsAsync(), e => e.Type() == "exchange.completed");
    }

    [Fact]
    public async Task A_frozen_destination_refuses_the_exchange_after_the_sell_leg_was_decided()
    {
        var admin = await app.SignInAsAdminAsync();
        await admin.SetRateAsync("NOK", "SEK", "0.98");
        var (alice, norwegian) = await app.OpenFundedAccountAsync(admin, 5_000, "NOK");
        var swedish = await alice.OpenAccountAsync("SEK");
        await (await admin.AccountActionAsync(swedish, "freeze")).AssertJsonAsync(HttpStatusCode.OK);

        var response = await alice.ExchangeAsync(norwegian, swedish, 1_000);

        await response.AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "account_frozen");
        Assert.Equal(new Balance(5_000, 0, 5_000), await alice.BalanceAsync(norwegian));
        Assert.Single(await alice.EntriesAsync(norwegian));
        await AssertBooksBalanceAsync(admin);
    }

    [Fact]
    public async Task Someone_elses_account_on_either_side_does_not_exist_for_the_caller()
    {
        var admin = await app.SignInAsAdminAsync();
        await admin.SetRateAsync("EUR", "CAD", "1.47");
        var (alice, euros) = await app.OpenFundedAccountAsync(admin, 5_000, "EUR");
        var (bob, bobEuros) = await app.OpenFundedAccountAsync(admin, 5_000, "EUR");
        var aliceDollars = await alice.OpenAccountAsync("CAD");
        var bobDollars = await bob.OpenAccountAsync("CAD");

        await (await alice.ExchangeAsync(bobEuros, aliceDollars, 100)).AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await alice.ExchangeAsync(euros, bobDollars, 100)).AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await alice.ExchangeAsync("acc_00000000000000000000000000", aliceDollars, 100)).AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
        Assert.Equal(new Balance(5_000, 0, 5_000), await bob.BalanceAsync(bobEuros));
        Assert.Equal(new Balance(0, 0, 0), await bob.BalanceAsync(bobDollars));

        // Bob's own exchange is his, and staff's to read; not Alice's.
        var exchange = await (await bob.ExchangeAsync(bobEuros, bobDollars, 100)).AssertJsonAsync(HttpStatusCode.Created);
        await (await alice.Client.GetAsync($"/v1/exchanges/{exchange.Id()}", Cancel)).AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await admin.Client.GetAsync($"/v1/exchanges/{exchange.Id()}", Cancel)).AssertJsonAsync(HttpStatusCode.OK);
        await (await alice.Client.GetAsync("/v1/exchanges/not-an-id", Cancel)).AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Accounts_of_one_currency_are_not_an_exchange()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, euros) = await app.OpenFundedAccountAsync(admin, 5_000, "EUR");
        var savings = await alice.OpenAccountAsync("EUR");

        await (await alice.ExchangeAsync(euros, savings, 100)).AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "same_currency");
        await (await alice.ExchangeAsync(euros, euros, 100)).AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "same_currency");
    }

    [Fact]
    public async Task A_buy_amount_of_zero_or_beyond_the_ledger_is_refused()
    {
        var admin = await app.SignInAsAdminAsync();
        await admin.SetRateAsync("USD", "KRW", "0.004");
        await admin.SetRateAsync("USD", "IDR", "999999999999.5");
        var (alice, dollars) = await app.OpenFundedAccountAsync(admin, 5_000, "USD");
        var won = await alice.OpenAccountAsync("KRW");
        var rupiah = await alice.OpenAccountAsync("IDR");

        // 1 cent × 0.004 = 0.00004 KRW: nothing to buy.
        await (await alice.ExchangeAsync(dollars, won, 1)).AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "amount_too_small");
        // 50.00 USD × 999999999999.5 ≈ 5 × 10^13 IDR = 5 × 10^15 minor units: beyond what an amount may be.
        await (await alice.ExchangeAsync(dollars, rupiah, 5_000)).AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "amount_out_of_range");
        Assert.Equal(new Balance(5_000, 0, 5_000), await alice.BalanceAsync(dollars));
    }

    [Fact]
    public async Task A_retry_with_the_same_key_replays_the_exchange_without_moving_money_again()
    {
        var admin = await app.SignInAsAdminAsync();
        await admin.SetRateAsync("AUD", "NZD", "1.0925");
        var (alice, aussie) = await app.OpenFundedAccountAsync(admin, 10_000, "AUD");
        var kiwi = await alice.OpenAccountAsync("NZD");
        var key = LedgerClient.NewKey();

        var first = await alice.ExchangeAsync(aussie, kiwi, 2_000, key: key);
        var retry = await alice.ExchangeAsync(aussie, kiwi, 2_000, key: key);
        var other = await alice.ExchangeAsync(aussie, kiwi, 2_001, key: key);

        var created = await first.AssertJsonAsync(HttpStatusCode.Created);
        var replayed = await retry.AssertJsonAsync(HttpStatusCode.Created);
        Assert.False(first.IsReplayed());
        Assert.True(retry.IsReplayed());
        Assert.Equal(created.ToString(), replayed.ToString());
        Assert.Equal($"/v1/exchanges/{created.Id()}", retry.Headers.Location?.OriginalString);
        await other.AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "idempotency_key_reused");
        Assert.Equal(2_185, created.GetProperty("buy").GetProperty("amount").GetInt64());
        Assert.Equal(new Balance(8_000, 0, 8_000), await alice.BalanceAsync(aussie));
        Assert.Equal(new Balance(2_185, 0, 2_185), await alice.BalanceAsync(kiwi));
        await (await alice.Client.PostWithKeyAsync("/v1/exchanges", new { fromAccountId = aussie, toAccountId = kiwi, sellAmount = 1 }, idempotencyKey: null))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "idempotency_key_missing");
    }

    [Fact]
    public async Task Staff_may_exchange_for_a_customer_and_a_malformed_request_is_a_bad_request()
    {
        var admin = await app.SignInAsAdminAsync();
        await admin.SetRateAsync("EUR", "HUF", "391.25");
        var (alice, euros) = await app.OpenFundedAccountAsync(admin, 1_000, "EUR");
        var forints = await alice.OpenAccountAsync("HUF");

        var exchange = await (await admin.ExchangeAsync(euros, forints, 100)).AssertJsonAsync(HttpStatusCode.Created);

        Assert.Equal(39_125, exchange.GetProperty("buy").GetProperty("amount").GetInt64());
        Assert.Equal(new Balance(39_125, 0, 39_125), await alice.BalanceAsync(forints));
        foreach (var body in new object[]
        {
            new { fromAccountId = euros, toAccountId = forints, sellAmount = 0 },
            new { fromAccountId = euros, toAccountId = forints, sellAmount = 10, rate = "fast" },
            new { fromAccountId = euros, toAccountId = forints, sellAmount = 10, rate = 391.25 },
            new { fromAccountId = euros, sellAmount = 10 },
        })
        {
            var response = await alice.Client.PostWithKeyAsync("/v1/exchanges", body, LedgerClient.NewKey());
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
    }

    [Fact]
    public async Task Exchanges_racing_rate_changes_each_apply_one_whole_current_rate_and_the_books_still_balance()
    {
        var admin = await app.SignInAsAdminAsync();
        string[] rates = ["20.1", "20.2", "20.3", "20.4", "20.5"];
        await admin.SetRateAsync("EUR", "MXN", rates[0]);
        var (alice, euros) = await app.OpenFundedAccountAsync(admin, 1_000_000, "EUR");
        var pesos = await alice.OpenAccountAsync("MXN");

        var exchanges = Enumerable.Range(0, 20).Select(_ => alice.ExchangeAsync(euros, pesos, 333)).ToList();
        var changes = rates.Skip(1).Select(rate => admin.SetRateAsync("EUR", "MXN", rate)).ToList();
        await Task.WhenAll(changes);
        var answers = await Task.WhenAll(exchanges);

        var bought = 0L;
        foreach (var answer in answers)
        {
            var exchange = await answer.AssertJsonAsync(HttpStatusCode.Created);
            var rate = exchange.GetProperty("rate").GetString()!;
            Assert.Contains(rate, rates);
            // EUR and MXN both have 2 decimals: floor(3.33 × rate) pesos, in centavos.
            var buy = exchange.GetProperty("buy").GetProperty("amount").GetInt64();
            Assert.Equal((long)decimal.Floor(333 * decimal.Parse(rate, System.Globalization.CultureInfo.InvariantCulture)), buy);
            bought += buy;
        }

        Assert.Equal(new Balance(1_000_000 - (20 * 333), 0, 1_000_000 - (20 * 333)), await alice.BalanceAsync(euros));
        Assert.Equal(new Balance(bought, 0, bought), await alice.BalanceAsync(pesos));
        await AssertBooksBalanceAsync(admin);
    }

    /// <summary>The admin check finds nothing wrong, and every currency's balances sum to zero.</summary>
    private static async Task AssertBooksBalanceAsync(SignedIn admin)
    {
        var report = await (await admin.Client.GetAsync("/v1/admin/ledger/verify", Cancel)).AssertJsonAsync(HttpStatusCode.OK);
        Assert.True(report.GetProperty("ok").GetBoolean(), report.ToString());
        Assert.All((await admin.BalancesSnapshotAsync()).GroupBy(b => b.Currency), currency => Assert.Equal(0, currency.Sum(b => b.Posted)));
    }
}

public sealed class ExchangesOnSqlite(SqliteApp app) : ExchangeTests<SqliteApp>(app);

[Trait("Category", "SqlServer")]
public sealed class ExchangesOnSqlServer(SqlServerApp app) : ExchangeTests<SqlServerApp>(app);

/// <summary>The calls of the exchange tests, each one HTTP call a client could make.</summary>
public static class ExchangeClient
{
    public static Task<HttpResponseMessage> PutRateAsync(this SignedIn caller, string baseCurrency, string quoteCurrency, object body) =>
        caller.Client.PutAsJsonAsync($"/v1/admin/fx/rates/{baseCurrency}/{quoteCurrency}", body, TestContext.Current.CancellationToken);

    /// <summary>Sets a rate valid for an hour; it must succeed.</summary>
    public static async Task SetRateAsync(this SignedIn staff, string baseCurrency, string quoteCurrency, string rate, DateTimeOffset? validUntil = null) =>
        await (await staff.PutRateAsync(baseCurrency, quoteCurrency, new { rate, validUntil = validUntil ?? DateTimeOffset.UtcNow.AddHours(1) })).AssertJsonAsync(HttpStatusCode.OK);

    public static Task<HttpResponseMessage> ExchangeAsync(this SignedIn caller, string fromAccountId, string toAccountId, long sellAmount, string? rate = null, string? key = null) =>
        caller.Client.PostWithKeyAsync(
            "/v1/exchanges",
            rate is null ? new { fromAccountId, toAccountId, sellAmount } : new { fromAccountId, toAccountId, sellAmount, rate },
            key ?? LedgerClient.NewKey());
}
