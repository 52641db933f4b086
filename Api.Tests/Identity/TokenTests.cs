using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Strongroom.Api.Tests.Support;

namespace Strongroom.Api.Tests.Identity;

public abstract class TokenTests<TApp>(TApp app) : IClassFixture<TApp>
    where TApp : StrongroomApp
{
    [Fact]
    public async Task The_password_grant_returns_a_bearer_token_that_is_not_cached()
    {
        var email = $"token-{Guid.NewGuid():N}@example.test";
        await app.CreateClient().PostJsonAsync("/v1/auth/register", new { email, password = "correct horse battery", fullName = "T" });

        var response = await app.CreateClient().PostAsync("/v1/auth/token", StrongroomApp.TokenForm(email, "correct horse battery"), TestContext.Current.CancellationToken);

        var body = await response.AssertJsonAsync(HttpStatusCode.OK);
        Assert.Equal("Bearer", body.GetProperty("token_type").GetString());
        Assert.Equal(900, body.GetProperty("expires_in").GetInt32());
        Assert.True(response.Headers.CacheControl?.NoStore);
        var token = body.GetProperty("access_token").GetString()!;
        Assert.Equal("HS256", Jwt.Header(token).GetProperty("alg").GetString());
        Assert.Equal("at+jwt", Jwt.Header(token).GetProperty("typ").GetString());
        var payload = Jwt.Payload(token);
        Assert.StartsWith("usr_", payload.GetProperty("sub").GetString());
        Assert.Equal("customer", payload.GetProperty("role").GetString());
        Assert.False(string.IsNullOrEmpty(payload.GetProperty("jti").GetString()));
        Assert.Equal(900, payload.GetProperty("exp").GetInt64() - payload.GetProperty("iat").GetInt64());
    }

    [Fact]
    public async Task Unknown_user_and_wrong_password_get_the_same_answer()
    {
        var email = $"known-{Guid.NewGuid():N}@example.test";
        await app.CreateClient().PostJsonAsync("/v1/auth/register", new { email, password = "correct horse battery", fullName = "K" });
        var client = app.CreateClient();

        var wrongPassword = await client.PostAsync("/v1/auth/token", StrongroomApp.TokenForm(email, "wrong password!"), TestContext.Current.CancellationToken);
        var unknownUser = await client.PostAsync("/v1/auth/token", StrongroomApp.TokenForm($"nobody-{Guid.NewGuid():N}@example.test", "wrong password!"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, wrongPassword.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, unknownUser.StatusCode);
        var first = await wrongPassword.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        var second = await unknownUser.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Equal("""{"error":"invalid_grant"}""", first);
        Assert.Equal(first, second);
    }

    [Fact]
    public async Task Other_grant_types_and_missing_fields_are_oauth_errors()
    {
        var client = app.CreateClient();
        var unsupported = await client.PostAsync("/v1/auth/token",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "authorization_code", ["code"] = "x" }), TestContext.Current.CancellationToken);
        var noClient = await client.PostAsync("/v1/auth/token",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "client_credentials" }), TestContext.Current.CancellationToken);
        var missing = await client.PostAsync("/v1/auth/token",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "password", ["username"] = "a@b.test" }), TestContext.Current.CancellationToken);

        Assert.Equal("unsupported_grant_type", (await unsupported.AssertJsonAsync(HttpStatusCode.BadRequest)).GetProperty("error").GetString());
        Assert.Equal("invalid_request", (await noClient.AssertJsonAsync(HttpStatusCode.BadRequest)).GetProperty("error").GetString());
        Assert.Equal("invalid_request", (await missing.AssertJsonAsync(HttpStatusCode.BadRequest)).GetProperty("error").GetString());
    }

    [Fact]
    public async Task The_token_endpoint_takes_a_form_not_json()
    {
        var response = await app.CreateClient().PostRawAsync("/v1/auth/token", """{"grant_type":"password"}""", "application/json");

        await response.AssertProblemAsync(HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
    }

    [Fact]
    public async Task A_valid_token_opens_the_api()
    {
        var user = await app.RegisterAndSignInAsync();

        var response = await user.Client.GetAsync("/v1/accounts");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    public static TheoryData<string> RefusedTokens => ["expired", "wrong-audience", "wrong-issuer", "wrong-key", "alg-none", "tampered", "not-yet-valid", "not-an-access-token"];

    [Theory]
    [MemberData(nameof(RefusedTokens))]
    public async Task Tokens_that_must_be_refused_are_refused(string kind)
    {
        var user = await app.RegisterAndSignInAsync();
        var now = DateTime.UtcNow;
        var token = kind switch
        {
            // Past the 30 s clock-skew allowance.
            "expired" => Jwt.Sign(app.SigningKey, user.UserId, ["customer"], expires: now.AddSeconds(-45), notBefore: now.AddMinutes(-20)),
            "not-yet-valid" => Jwt.Sign(app.SigningKey, user.UserId, ["customer"], notBefore: now.AddMinutes(5), expires: now.AddMinutes(20)),
            "wrong-audience" => Jwt.Sign(app.SigningKey, user.UserId, ["customer"], audience: "someone-else"),
            "wrong-issuer" => Jwt.Sign(app.SigningKey, user.UserId, ["customer"], issuer: "https://evil.example"),
            "wrong-key" => Jwt.Sign(RandomNumberGenerator.GetBytes(32), user.UserId, ["customer"]),
            // Right key, right claims, but typed as a plain JWT rather than an access token (RFC 9068).
            "not-an-access-token" => Jwt.Sign(app.SigningKey, user.UserId, ["customer"], type: "JWT"),
            "alg-none" => Jwt.Unsigned($$"""{"sub":"{{user.UserId}}","role":"admin","iss":"strongroom","aud":"strongroom-api","exp":{{DateTimeOffset.UtcNow.AddMinutes(10).ToUnixTimeSeconds()}}}"""),
            "tampered" => Tamper(user.Token),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        var response = await client.GetAsync("/v1/accounts");

        await response.AssertProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
    }

    [Fact]
    public async Task A_token_signed_with_the_right_key_is_accepted_within_the_clock_skew()
    {
        var user = await app.RegisterAndSignInAsync();
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
            Jwt.Sign(app.SigningKey, user.UserId, ["customer"], expires: DateTime.UtcNow.AddSeconds(-10), notBefore: DateTime.UtcNow.AddMinutes(-14)));

        var response = await client.GetAsync("/v1/accounts");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary>Promotes the payload to admin but keeps the customer's signature.</summary>
    private static string Tamper(string token)
    {
        var parts = token.Split('.');
        var payload = System.Text.Encoding.UTF8.GetString(Microsoft.IdentityModel.Tokens.Base64UrlEncoder.DecodeBytes(parts[1]))
            .Replace("\"customer\"", "\"admin\"", StringComparison.Ordinal);
        return $"{parts[0]}.{Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Encode(payload)}.{parts[2]}";
    }
}

public sealed class TokenOnSqlite(SqliteApp app) : TokenTests<SqliteApp>(app);

[Trait("Category", "SqlServer")]
public sealed class TokenOnSqlServer(SqlServerApp app) : TokenTests<SqlServerApp>(app);

public sealed class SignInLockoutTests(QuickLockoutApp app) : IClassFixture<QuickLockoutApp>
{
    [Fact]
    public async Task Repeated_failures_lock_an_account_known_or_not_with_the_same_answer()
    {
        var user = await app.RegisterAndSignInAsync(password: "correct horse battery");
        var stranger = $"nobody-{Guid.NewGuid():N}@example.test";
        var client = app.CreateClient();
        var suspicious = new System.Collections.Concurrent.ConcurrentBag<string>();
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Strongroom" && instrument.Name == "strongroom.security.suspicious_activity")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            foreach (var tag in tags)
            {
                suspicious.Add($"{tag.Value}");
            }
        });
        listener.Start();
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsync("/v1/auth/token", StrongroomApp.TokenForm(user.Email, "wrong guess"), TestContext.Current.CancellationToken)).StatusCode);
            Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsync("/v1/auth/token", StrongroomApp.TokenForm(stranger, "wrong guess"), TestContext.Current.CancellationToken)).StatusCode);
        }

        // Locked now, even with the right password; an unknown email looks exactly the same.
        var known = await client.PostAsync("/v1/auth/token", StrongroomApp.TokenForm(user.Email, "correct horse battery"), TestContext.Current.CancellationToken);
        var unknown = await client.PostAsync("/v1/auth/token", StrongroomApp.TokenForm(stranger, "correct horse battery"), TestContext.Current.CancellationToken);

        foreach (var response in new[] { known, unknown })
        {
            var problem = await response.AssertProblemAsync(HttpStatusCode.TooManyRequests, "sign_in_locked");
            Assert.True(int.Parse(Assert.Single(response.Headers.GetValues("Retry-After")), System.Globalization.CultureInfo.InvariantCulture) > 60);
            Assert.Equal("Too Many Requests", problem.GetProperty("title").GetString());
        }

        // The burst is flagged: an audit event naming the account, and a metric.
        var admin = await app.SignInAsAdminAsync();
        var flagged = (await (await admin.Client.GetAsync("/v1/admin/audit?action=suspicious_activity&limit=100")).AssertJsonAsync(HttpStatusCode.OK))
            .GetProperty("items").EnumerateArray().Select(e => e.GetProperty("target").GetString()).ToList();
        Assert.Contains(user.UserId, flagged);
        Assert.Contains("sign_in_failures_against_account", suspicious);

        // Another account is not affected by this one's lock.
        var other = await app.RegisterAndSignInAsync(password: "another good passphrase");
        Assert.False(string.IsNullOrEmpty(other.Token));
    }
}

public sealed class ClientAddressLockoutTests(QuickIpLockoutApp app) : IClassFixture<QuickIpLockoutApp>
{
    [Fact]
    public async Task Spraying_guesses_across_accounts_locks_the_client_address()
    {
        var user = await app.RegisterAndSignInAsync(password: "correct horse battery");
        var client = app.CreateClient();
        for (var i = 0; i < 4; i++)
        {
            var guess = await client.PostAsync("/v1/auth/token", StrongroomApp.TokenForm($"spray-{i}-{Guid.NewGuid():N}@example.test", "Summer2026!"), TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.BadRequest, guess.StatusCode);
        }

        var real = await client.PostAsync("/v1/auth/token", StrongroomApp.TokenForm(user.Email, "correct horse battery"), TestContext.Current.CancellationToken);

        await real.AssertProblemAsync(HttpStatusCode.TooManyRequests, "sign_in_locked");
    }
}
