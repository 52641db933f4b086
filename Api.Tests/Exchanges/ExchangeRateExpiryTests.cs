using System.Net;
using Strongroom.Api.Tests.Support;

namespace Strongroom.Api.Tests.Exchanges;

/// <summary>A rate past its validUntil, by the service's own clock (moved by the test, not waited for).</summary>
public sealed class ExchangeRateExpiryTests(EventClockApp app) : IClassFixture<EventClockApp>
{
    [Fact]
    public async Task An_expired_rate_is_rate_expired_and_nothing_moves_until_staff_set_a_new_one()
    {
        var admin = await app.SignInAsAdminAsync();
        await admin.SetRateAsync("EUR", "PLN", "4.3", validUntil: app.Clock.GetUtcNow().AddSeconds(30));
        var (alice, euros) = await app.OpenFundedAccountAsync(admin, 10_000, "EUR");
        var zloty = await alice.OpenAccountAsync("PLN");
        await (await alice.ExchangeAsync(euros, zloty, 1_000)).AssertJsonAsync(HttpStatusCode.Created);

        app.Clock.Advance(TimeSpan.FromMinutes(1));
        var expired = await alice.ExchangeAsync(euros, zloty, 1_000);
        var quotedExpired = await alice.ExchangeAsync(euros, zloty, 1_000, rate: "4.3");

        await expired.AssertProblemAsync(HttpStatusCode.Conflict, "rate_expired");
        await quotedExpired.AssertProblemAsync(HttpStatusCode.Conflict, "rate_expired");
        Assert.Equal(new Balance(9_000, 0, 9_000), await alice.BalanceAsync(euros));
        Assert.Equal(new Balance(4_300, 0, 4_300), await alice.BalanceAsync(zloty));
        // Still readable, with its validUntil in the past; a rate set to expire in the past is refused.
        await (await alice.Client.GetAsync("/v1/fx/rates/EUR/PLN", TestContext.Current.CancellationToken)).AssertJsonAsync(HttpStatusCode.OK);
        var stale = await admin.PutRateAsync("EUR", "PLN", new { rate = "4.4", validUntil = app.Clock.GetUtcNow().AddSeconds(-1) });
        Assert.Equal(HttpStatusCode.BadRequest, stale.StatusCode);

        await admin.SetRateAsync("EUR", "PLN", "4.4", validUntil: app.Clock.GetUtcNow().AddMinutes(5));
        var renewed = await (await alice.ExchangeAsync(euros, zloty, 1_000)).AssertJsonAsync(HttpStatusCode.Created);
        Assert.Equal(4_400, renewed.GetProperty("buy").GetProperty("amount").GetInt64());
    }
}
