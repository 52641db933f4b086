using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;
using Strongroom.Api.Tests.Support;

namespace Strongroom.Api.Tests.Identity;

public sealed class ExternalAuthorityTests(ExternalAuthorityApp app) : IClassFixture<ExternalAuthorityApp>
{
    private FakeOpenIdProvider Authority => app.Authority;

    [Fact]
    public async Task The_authoritys_keys_are_fetched_from_it_when_its_first_token_arrives()
    {
        // A service of its own: the class fixture's has long fetched and cached the keys.
        await using var fresh = new ExternalAuthorityApp();
        await fresh.InitializeAsync();
        var (discoveryBefore, jwksBefore) = (fresh.Authority.DiscoveryRequests, fresh.Authority.JwksRequests);
        var client = fresh.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", fresh.Authority.Mint(NewSubject()));

        await (await client.GetAsync("/v1/me")).AssertJsonAsync(HttpStatusCode.OK);

        // Nothing is fetched before a token needs it; then discovery, then the JWKS it names.
        Assert.Equal((0, 0), (discoveryBefore, jwksBefore));
        Assert.True(fresh.Authority.DiscoveryRequests > discoveryBefore, "discovery was not fetched from the authority");
        Assert.True(fresh.Authority.JwksRequests > jwksBefore, "the JWKS was not fetched from the authority");
    }

    [Fact]
    public async Task An_rs256_token_is_accepted_and_every_token_for_that_person_is_the_same_local_user()
    {
        var subject = NewSubject();
        var email = $"ext-{Guid.NewGuid():N}@idp.example";
        var claims = new Dictionary<string, object> { ["email"] = email, ["name"] = "Ada External" };

        var first = await (await Client(Authority.Mint(subject, claims: claims)).GetAsync("/v1/me")).AssertJsonAsync(HttpStatusCode.OK);
        var second = await (await Client(Authority.Mint(subject, claims: claims)).GetAsync("/v1/me")).AssertJsonAsync(HttpStatusCode.OK);

        var userId = first.GetProperty("id").GetString()!;
        Assert.StartsWith("usr_", userId);
        Assert.Equal(userId, second.GetProperty("id").GetString());
        Assert.Equal(email, first.GetProperty("email").GetString());
        Assert.Equal("Ada External", first.GetProperty("fullName").GetString());
        Assert.Equal(["customer"], RolesOf(first));

        // Data is scoped to the local user: an account opened with one token is listed with the next.
        await (await Client(Authority.Mint(subject)).PostJsonAsync("/v1/accounts", new { currency = "EUR", name = "External" })).AssertJsonAsync(HttpStatusCode.Created);
        var accounts = await (await Client(Authority.Mint(subject)).GetAsync("/v1/accounts")).AssertJsonAsync(HttpStatusCode.OK);
        Assert.Single(accounts.GetProperty("items").EnumerateArray());

        // The first link is audited once, by local id; nothing personal from the token is in it.
        var linked = await AuditAsync("external_identity_linked", userId);
        var record = Assert.Single(linked);
        Assert.Equal(userId, record.GetProperty("actorId").GetString());
        Assert.DoesNotContain(subject, record.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(email, record.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_es256_token_is_accepted()
    {
        var response = await Client(Authority.Mint(NewSubject(), Authority.Es256)).GetAsync("/v1/me");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    public static TheoryData<string> RefusedTokens =>
        ["unknown-key", "known-kid-other-key", "wrong-issuer", "wrong-audience", "expired", "hs256-our-key", "hs256-random-key", "alg-none", "no-subject", "garbage"];

    [Theory]
    [MemberData(nameof(RefusedTokens))]
    public async Task Tokens_that_must_be_refused_are_refused(string kind)
    {
        var subject = NewSubject();
        using var otherRsa = RSA.Create(2048);
        var token = kind switch
        {
            "unknown-key" => Authority.Mint(subject, new SigningCredentials(new RsaSecurityKey(otherRsa) { KeyId = "rsa-2" }, SecurityAlgorithms.RsaSha256)),
            "known-kid-other-key" => Authority.Mint(subject, new SigningCredentials(new RsaSecurityKey(otherRsa) { KeyId = FakeOpenIdProvider.RsaKeyId }, SecurityAlgorithms.RsaSha256)),
            "wrong-issuer" => Authority.Mint(subject, issuer: "https://elsewhere.example"),
            "wrong-audience" => Authority.Mint(subject, audience: "someone-else"),
            // Past the 30 s clock-skew allowance.
            "expired" => Authority.Mint(subject, expires: DateTime.UtcNow.AddSeconds(-45)),
            // Algorithm confusion: the authority's issuer with a symmetric signature, even one made with our own key.
            "hs256-our-key" => Authority.Mint(subject, new SigningCredentials(new SymmetricSecurityKey(app.SigningKey), SecurityAlgorithms.HmacSha256)),
            "hs256-random-key" => Authority.Mint(subject, new SigningCredentials(new SymmetricSecurityKey(RandomNumberGenerator.GetBytes(32)) { KeyId = FakeOpenIdProvider.RsaKeyId }, SecurityAlgorithms.HmacSha256)),
            "alg-none" => Jwt.Unsigned($$"""{"sub":"{{subject}}","roles":["admin"],"iss":"{{Authority.Issuer}}","aud":"strongroom-api","exp":{{DateTimeOffset.UtcNow.AddMinutes(10).ToUnixTimeSeconds()}}}"""),
            "no-subject" => Authority.Mint(""),
            "garbage" => "not.a.token",
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };

        var response = await Client(token).GetAsync("/v1/accounts");

        await response.AssertProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
    }

    [Fact]
    public async Task An_admin_role_from_the_authority_makes_an_admin_here()
    {
        var client = Client(Authority.Mint(NewSubject(), claims: RoleClaim("admin")));

        var profile = await (await client.GetAsync("/v1/me")).AssertJsonAsync(HttpStatusCode.OK);
        var users = await client.GetAsync("/v1/admin/users");

        Assert.Equal(["admin"], RolesOf(profile));
        Assert.Equal(HttpStatusCode.OK, users.StatusCode);
    }

    [Fact]
    public async Task Role_values_we_do_not_know_grant_nothing()
    {
        var client = Client(Authority.Mint(NewSubject(), claims: RoleClaim("root", "Admin", "superuser")));
        var mixed = Client(Authority.Mint(NewSubject(), claims: RoleClaim("operator", "root")));

        var profile = await (await client.GetAsync("/v1/me")).AssertJsonAsync(HttpStatusCode.OK);
        var mixedProfile = await (await mixed.GetAsync("/v1/me")).AssertJsonAsync(HttpStatusCode.OK);

        Assert.Equal(["customer"], RolesOf(profile));
        await (await client.GetAsync("/v1/admin/users")).AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        Assert.Equal(["operator"], RolesOf(mixedProfile));
        await (await mixed.GetAsync("/v1/admin/users")).AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task The_authority_decides_roles_and_a_change_is_stored_and_audited()
    {
        var subject = NewSubject();
        var before = await (await Client(Authority.Mint(subject)).GetAsync("/v1/me")).AssertJsonAsync(HttpStatusCode.OK);

        var promoted = Client(Authority.Mint(subject, claims: RoleClaim("operator")));
        var after = await (await promoted.GetAsync("/v1/me")).AssertJsonAsync(HttpStatusCode.OK);
        var demoted = await (await Client(Authority.Mint(subject)).GetAsync("/v1/me")).AssertJsonAsync(HttpStatusCode.OK);

        var userId = before.GetProperty("id").GetString()!;
        Assert.Equal(userId, after.GetProperty("id").GetString());
        Assert.Equal(["operator"], RolesOf(after));
        Assert.Equal(["customer"], RolesOf(demoted));
        var changes = await AuditAsync("external_roles_changed", userId);
        Assert.Equal(["operator", "customer"], changes.Select(c => c.GetProperty("details").GetString()));
    }

    [Fact]
    public async Task An_email_already_registered_here_is_never_linked_to_that_user()
    {
        var local = await app.RegisterAndSignInAsync(password: "correct horse battery");
        await (await local.Client.PostJsonAsync("/v1/accounts", new { currency = "EUR", name = "Local savings" })).AssertJsonAsync(HttpStatusCode.Created);

        var external = Client(Authority.Mint(NewSubject(), claims: new Dictionary<string, object> { ["email"] = local.Email }));
        var profile = await (await external.GetAsync("/v1/me")).AssertJsonAsync(HttpStatusCode.OK);
        var accounts = await (await external.GetAsync("/v1/accounts")).AssertJsonAsync(HttpStatusCode.OK);

        // A user of its own: none of the local user's accounts, and the local password still signs the local user in.
        Assert.NotEqual(local.UserId, profile.GetProperty("id").GetString());
        Assert.Empty(accounts.GetProperty("items").EnumerateArray());
        var again = await app.SignInAsync(local.Email, "correct horse battery", local.UserId);
        Assert.Equal(local.UserId, Jwt.Subject(again.Token));
    }

    [Fact]
    public async Task An_external_user_takes_no_email_here_and_has_no_password()
    {
        var email = $"ext-{Guid.NewGuid():N}@idp.example";
        var external = await (await Client(Authority.Mint(NewSubject(), claims: new Dictionary<string, object> { ["email"] = email })).GetAsync("/v1/me"))
            .AssertJsonAsync(HttpStatusCode.OK);

        // The password grant cannot reach the external user, whatever is typed.
        var token = await app.CreateClient().PostAsync("/v1/auth/token", StrongroomApp.TokenForm(email, ExternalPasswordMarker), TestContext.Current.CancellationToken);
        Assert.Equal("invalid_grant", (await token.AssertJsonAsync(HttpStatusCode.BadRequest)).GetProperty("error").GetString());

        // The address stays free for someone registering here; they get a user of their own.
        var local = await app.RegisterAndSignInAsync(email);
        Assert.NotEqual(external.GetProperty("id").GetString(), local.UserId);
    }

    [Fact]
    public async Task A_disabled_user_is_refused_until_enabled_again()
    {
        var subject = NewSubject();
        var userId = (await (await Client(Authority.Mint(subject)).GetAsync("/v1/me")).AssertJsonAsync(HttpStatusCode.OK)).GetProperty("id").GetString();
        var admin = await app.SignInAsAdminAsync();

        (await admin.Client.PostAsync($"/v1/admin/users/{userId}/disable", null, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        var refused = await Client(Authority.Mint(subject)).GetAsync("/v1/me");
        (await admin.Client.PostAsync($"/v1/admin/users/{userId}/enable", null, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        var welcome = await Client(Authority.Mint(subject)).GetAsync("/v1/me");

        await refused.AssertProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
        Assert.Equal(HttpStatusCode.OK, welcome.StatusCode);
    }

    [Fact]
    public async Task Our_own_tokens_still_work_beside_the_authoritys()
    {
        var user = await app.RegisterAndSignInAsync();
        var admin = await app.SignInAsAdminAsync();

        Assert.Equal(HttpStatusCode.OK, (await user.Client.GetAsync("/v1/accounts")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.Client.GetAsync("/v1/admin/users")).StatusCode);
        await (await app.CreateClient().GetAsync("/v1/accounts")).AssertProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
    }

    [Fact]
    public async Task Ledger_scopes_from_the_authority_limit_the_token_and_other_scopes_mean_nothing()
    {
        var readOnly = Client(Authority.Mint(NewSubject(), claims: new Dictionary<string, object> { ["scope"] = "openid profile ledger:read ledger:admin" }));
        var writeOnly = Client(Authority.Mint(NewSubject(), claims: new Dictionary<string, object> { ["scp"] = new[] { "ledger:write", "email" } }));
        var unscoped = Client(Authority.Mint(NewSubject(), claims: new Dictionary<string, object> { ["scope"] = "openid profile" }));

        await (await readOnly.GetAsync("/v1/accounts")).AssertJsonAsync(HttpStatusCode.OK);
        await (await readOnly.PostJsonAsync("/v1/accounts", new { currency = "EUR", name = "X" })).AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await writeOnly.PostJsonAsync("/v1/accounts", new { currency = "EUR", name = "X" })).AssertJsonAsync(HttpStatusCode.Created);
        await (await writeOnly.GetAsync("/v1/accounts")).AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        // No scope of ours: a person's token, limited by role like one of our own.
        await (await unscoped.PostJsonAsync("/v1/accounts", new { currency = "EUR", name = "X" })).AssertJsonAsync(HttpStatusCode.Created);
        await (await unscoped.GetAsync("/v1/accounts")).AssertJsonAsync(HttpStatusCode.OK);
    }

    private const string ExternalPasswordMarker = Strongroom.Features.Identity.ExternalIdentities.NoPassword;

    private static string NewSubject() => $"idp|{Guid.NewGuid():N}";

    private static Dictionary<string, object> RoleClaim(params string[] roles) => new() { ["roles"] = roles };

    private static IEnumerable<string?> RolesOf(JsonElement profile) => profile.GetProperty("roles").EnumerateArray().Select(r => r.GetString());

    private HttpClient Client(string token)
    {
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>The audit records of one action about one user, oldest first.</summary>
    private async Task<List<JsonElement>> AuditAsync(string action, string userId)
    {
        var admin = await app.SignInAsAdminAsync();
        var page = await (await admin.Client.GetAsync($"/v1/admin/audit?action={action}&actor={userId}&limit=100")).AssertJsonAsync(HttpStatusCode.OK);
        return [.. page.GetProperty("items").EnumerateArray().Reverse()];
    }
}

/// <summary>Without Auth:Authority the service trusts only its own tokens and fetches nothing.</summary>
public sealed class WithoutExternalAuthorityTests(SqliteApp app) : IClassFixture<SqliteApp>
{
    [Fact]
    public async Task A_token_from_an_authority_we_were_not_told_about_is_refused()
    {
        await using var authority = await FakeOpenIdProvider.StartAsync();
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", authority.Mint($"idp|{Guid.NewGuid():N}"));

        var response = await client.GetAsync("/v1/accounts");

        await response.AssertProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
        Assert.Equal(0, authority.DiscoveryRequests);
    }

    [Theory]
    [InlineData("not a url")]
    [InlineData("http://idp.example/realms/bank")]
    [InlineData("https://idp.example/?tenant=1")]
    [InlineData("https://bank.example/")]
    public void A_bad_authority_does_not_start(string authority)
    {
        var directory = TempDirectory.Create();
        try
        {
            using var factory = new ConfiguredFactory(new Dictionary<string, string?>
            {
                ["ConnectionStrings:Strongroom"] = $"Data Source={Path.Combine(directory, "bad-authority.db")}",
                ["Auth:SigningKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
                ["Security:DataKeys:0:Id"] = "test-1",
                ["Security:DataKeys:0:Key"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
                ["Security:BlindIndexKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
                ["Auth:Issuer"] = "https://bank.example",
                ["Auth:Authority"] = authority,
            });

            var failure = Assert.ThrowsAny<Exception>(() => factory.CreateClient());

            Assert.Contains("Auth:Authority", Flatten(failure), StringComparison.Ordinal);
        }
        finally
        {
            TempDirectory.Delete(directory);
        }
    }

    private static string Flatten(Exception exception) => exception is AggregateException aggregate
        ? string.Join(" | ", aggregate.Flatten().InnerExceptions.Select(Flatten))
        : exception.InnerException is { } inner ? $"{exception.Message} | {Flatten(inner)}" : exception.Message;
}
