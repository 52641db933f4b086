using System.Net;
using Strongroom.Api.Tests.Support;

namespace Strongroom.Api.Tests.Hosting;

public sealed class HardeningTests(DocsEnabledApp app) : IClassFixture<DocsEnabledApp>
{
    [Fact]
    public async Task Every_response_forbids_content_sniffing_and_framing()
    {
        var user = await app.RegisterAndSignInAsync();
        var anonymous = app.CreateClient();

        var responses = new[]
        {
            await anonymous.GetAsync("/health/live"),
            await anonymous.GetAsync("/v1/accounts"),
            await anonymous.GetAsync("/v1/no-such-thing"),
            await user.Client.PostJsonAsync("/v1/accounts", new { currency = "nope", name = "x" }),
            await user.Client.GetAsync("/v1/accounts"),
        };

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.Unauthorized, HttpStatusCode.NotFound, HttpStatusCode.BadRequest, HttpStatusCode.OK],
            responses.Select(r => r.StatusCode));
        Assert.All(responses, response =>
        {
            Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
            Assert.Contains("frame-ancestors 'none'", Assert.Single(response.Headers.GetValues("Content-Security-Policy")));
        });
    }

    [Fact]
    public async Task The_scalar_page_runs_under_a_same_origin_content_security_policy()
    {
        var page = await app.CreateClient().GetAsync("/scalar/");

        var policy = Assert.Single(page.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'self'", policy);
        Assert.Contains("script-src 'self'", policy);
        Assert.DoesNotContain("*", policy);
    }

    [Fact]
    public async Task Https_responses_carry_hsts_and_plain_http_ones_do_not()
    {
        var https = app.Factory.CreateClient(new() { BaseAddress = new Uri("https://strongroom.test") });
        var http = app.Factory.CreateClient(new() { BaseAddress = new Uri("http://strongroom.test") });

        var secure = await https.GetAsync("/health/live");
        var plain = await http.GetAsync("/health/live");

        Assert.Contains("max-age=", Assert.Single(secure.Headers.GetValues("Strict-Transport-Security")));
        Assert.False(plain.Headers.Contains("Strict-Transport-Security"));
    }

    [Fact]
    public async Task No_origin_is_allowed_cross_origin_unless_configured()
    {
        var preflight = new HttpRequestMessage(HttpMethod.Options, "/v1/accounts");
        preflight.Headers.Add("Origin", "https://app.example");
        preflight.Headers.Add("Access-Control-Request-Method", "POST");

        var response = await app.CreateClient().SendAsync(preflight, TestContext.Current.CancellationToken);

        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
    }
}

public sealed class CorsTests(CorsApp app) : IClassFixture<CorsApp>
{
    [Theory]
    [InlineData("https://app.example", true)]
    [InlineData("https://evil.example", false)]
    public async Task Only_configured_origins_pass_the_preflight(string origin, bool allowed)
    {
        var preflight = new HttpRequestMessage(HttpMethod.Options, "/v1/transfers");
        preflight.Headers.Add("Origin", origin);
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        preflight.Headers.Add("Access-Control-Request-Headers", "authorization,content-type,idempotency-key");

        var response = await app.CreateClient().SendAsync(preflight, TestContext.Current.CancellationToken);

        if (allowed)
        {
            Assert.Equal(origin, Assert.Single(response.Headers.GetValues("Access-Control-Allow-Origin")));
        }
        else
        {
            Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
        }
    }
}

public sealed class MoneyMovementRateLimitTests(TightRateLimitApp app) : IClassFixture<TightRateLimitApp>
{
    [Fact]
    public async Task A_burst_of_transfers_beyond_the_limit_gets_429_with_retry_after_for_that_user_only()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, from) = await app.OpenFundedAccountAsync(admin, 1_000);
        var (bob, to) = await app.OpenFundedAccountAsync(admin, 1_000);

        var burst = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => alice.PostTransferAsync(LedgerClient.Transfer(from, to, 1), LedgerClient.NewKey())));

        var limited = burst.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.NotEmpty(limited);
        Assert.All(burst, r => Assert.Contains(r.StatusCode, new[] { HttpStatusCode.Created, HttpStatusCode.TooManyRequests }));
        await limited[0].AssertProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        Assert.True(int.Parse(Assert.Single(limited[0].Headers.GetValues("Retry-After")), System.Globalization.CultureInfo.InvariantCulture) >= 1);
        // Reads are not money movements, and the limit is per user.
        Assert.Equal(HttpStatusCode.OK, (await alice.Client.GetAsync($"/v1/accounts/{from}")).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await bob.PostTransferAsync(LedgerClient.Transfer(to, from, 1), LedgerClient.NewKey())).StatusCode);
    }
}
