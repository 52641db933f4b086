using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Strongroom.Api.Tests.Support;

namespace Strongroom.Api.Tests.Clients;

/// <summary>Service clients: created by an admin, authenticated by client credentials, limited by scopes to their owner's data.</summary>
public abstract class ServiceClientTests<TApp>(TApp app) : IClassFixture<TApp>
    where TApp : StrongroomApp
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_secret_is_shown_once_and_a_client_reads_and_moves_its_owners_money_within_its_scopes()
    {
        var admin = await app.SignInAsAdminAsync();
        var (owner, from) = await app.OpenFundedAccountAsync(admin, 10_000);
        var other = await app.RegisterAndSignInAsync();
        var to = await other.OpenAccountAsync();

        var created = await CreateAsync(admin, owner.UserId, "ledger:read", "ledger:write");
        var secret = created.GetProperty("clientSecret").GetString()!;
        var listed = await (await admin.Client.GetAsync("/v1/admin/clients?limit=100", Cancel)).AssertJsonAsync(HttpStatusCode.OK);
        var fetched = await (await admin.Client.GetAsync($"/v1/admin/clients/{created.Id()}", Cancel)).AssertJsonAsync(HttpStatusCode.OK);
        Assert.DoesNotContain(secret, listed.ToString(), StringComparison.Ordinal);
        Assert.Equal(["createdAt", "id", "name", "ownerId", "scopes", "status"], fetched.EnumerateObject().Select(p => p.Name).Order());
        Assert.Contains(listed.GetProperty("items").EnumerateArray(), item => item.Id() == created.Id());

        var token = await (await TokenAsync(created.Id(), secret, basic: true)).AssertJsonAsync(HttpStatusCode.OK);
        Assert.False(token.TryGetProperty("refresh_token", out _));
        Assert.Equal("ledger:read ledger:write", token.GetProperty("scope").GetString());
        var claims = Jwt.Payload(token.GetProperty("access_token").GetString()!);
        Assert.Equal(owner.UserId, claims.GetProperty("sub").GetString());
        Assert.Equal(created.Id(), claims.GetProperty("client_id").GetString());
        Assert.False(claims.TryGetProperty("role", out _));

        var client = Bearer(token);
        var read = await (await client.GetAsync($"/v1/accounts/{from}", Cancel)).AssertJsonAsync(HttpStatusCode.OK);
        var moved = await client.PostWithKeyAsync("/v1/transfers", LedgerClient.Transfer(from, to, 2_500), LedgerClient.NewKey());
        var othersAccount = await client.GetAsync($"/v1/accounts/{to}", Cancel);

        Assert.Equal(10_000, read.GetProperty("balance").GetProperty("posted").GetInt64());
        await moved.AssertJsonAsync(HttpStatusCode.Created);
        Assert.Equal(7_500, (await owner.BalanceAsync(from)).Posted);
        // The client is its owner's, nobody else's: another customer's account does not exist for it.
        await othersAccount.AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task A_read_only_client_cannot_move_money_nor_reach_profiles_or_administration()
    {
        var admin = await app.SignInAsAdminAsync();
        var (owner, from) = await app.OpenFundedAccountAsync(admin, 1_000);
        // Even a client of an admin gets no staff power: clients have scopes, not roles.
        var created = await CreateAsync(admin, admin.UserId, "ledger:read");
        var ownerClient = await CreateAsync(admin, owner.UserId, "ledger:read");
        var adminsClient = Bearer(await (await TokenAsync(created.Id(), created.GetProperty("clientSecret").GetString()!, basic: false)).AssertJsonAsync(HttpStatusCode.OK));
        var client = Bearer(await (await TokenAsync(ownerClient.Id(), ownerClient.GetProperty("clientSecret").GetString()!, basic: false)).AssertJsonAsync(HttpStatusCode.OK));

        await (await client.GetAsync($"/v1/accounts/{from}", Cancel)).AssertJsonAsync(HttpStatusCode.OK);
        await (await client.PostWithKeyAsync("/v1/transfers", LedgerClient.Transfer(from, from, 1), LedgerClient.NewKey())).AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await client.PostJsonAsync("/v1/accounts", new { currency = "EUR", name = "Side" })).AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await client.GetAsync("/v1/me", Cancel)).AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await adminsClient.GetAsync("/v1/admin/users", Cancel)).AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await adminsClient.GetAsync("/v1/admin/clients", Cancel)).AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        Assert.Equal(1_000, (await owner.BalanceAsync(from)).Posted);
    }

    [Fact]
    public async Task A_client_may_ask_for_fewer_scopes_but_never_more()
    {
        var admin = await app.SignInAsAdminAsync();
        var owner = await app.RegisterAndSignInAsync();
        var created = await CreateAsync(admin, owner.UserId, "ledger:read", "ledger:write");
        var readOnly = await CreateAsync(admin, owner.UserId, "ledger:read");

        var narrowed = await (await TokenAsync(created.Id(), created.GetProperty("clientSecret").GetString()!, basic: true, scope: "ledger:read")).AssertJsonAsync(HttpStatusCode.OK);
        var widened = await TokenAsync(readOnly.Id(), readOnly.GetProperty("clientSecret").GetString()!, basic: true, scope: "ledger:read ledger:write");

        Assert.Equal("ledger:read", Jwt.Payload(narrowed.GetProperty("access_token").GetString()!).GetProperty("scope").GetString());
        await (await Bearer(narrowed).PostJsonAsync("/v1/accounts", new { currency = "EUR", name = "X" })).AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        Assert.Equal("invalid_scope", (await widened.AssertJsonAsync(HttpStatusCode.BadRequest)).GetProperty("error").GetString());
    }

    [Fact]
    public async Task Wrong_unknown_and_revoked_clients_all_get_the_same_401()
    {
        var admin = await app.SignInAsAdminAsync();
        var owner = await app.RegisterAndSignInAsync();
        var created = await CreateAsync(admin, owner.UserId, "ledger:read");
        var secret = created.GetProperty("clientSecret").GetString()!;

        var wrong = await TokenAsync(created.Id(), secret + "x", basic: true);
        var unknown = await TokenAsync("cli_00000000000000000000000000", secret, basic: false);
        await (await admin.Client.PostAsync($"/v1/admin/clients/{created.Id()}/revoke", null, Cancel)).AssertJsonAsync(HttpStatusCode.OK);
        var revoked = await TokenAsync(created.Id(), secret, basic: true);

        foreach (var response in new[] { wrong, unknown, revoked })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("""{"error":"invalid_client"}""", await response.Content.ReadAsStringAsync(Cancel));
            Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        }

        Assert.Equal("Basic", wrong.Headers.WwwAuthenticate.Single().Scheme);
        var audit = await (await admin.Client.GetAsync("/v1/admin/audit?action=client_created&limit=100", Cancel)).AssertJsonAsync(HttpStatusCode.OK);
        var entry = Assert.Single(audit.GetProperty("items").EnumerateArray(), e => e.GetProperty("target").GetString() == created.Id());
        Assert.Equal(admin.UserId, entry.GetProperty("actorId").GetString());
        Assert.DoesNotContain(secret, entry.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_disabled_owner_takes_its_clients_down_with_it()
    {
        var admin = await app.SignInAsAdminAsync();
        var owner = await app.RegisterAndSignInAsync();
        var created = await CreateAsync(admin, owner.UserId, "ledger:read");
        var secret = created.GetProperty("clientSecret").GetString()!;
        await (await TokenAsync(created.Id(), secret, basic: true)).AssertJsonAsync(HttpStatusCode.OK);

        await (await admin.Client.PostAsync($"/v1/admin/users/{owner.UserId}/disable", null, Cancel)).AssertJsonAsync(HttpStatusCode.OK);

        Assert.Equal(HttpStatusCode.Unauthorized, (await TokenAsync(created.Id(), secret, basic: true)).StatusCode);
    }

    [Fact]
    public async Task Creating_a_client_needs_known_scopes_and_an_existing_owner()
    {
        var admin = await app.SignInAsAdminAsync();
        var owner = await app.RegisterAndSignInAsync();

        await (await admin.Client.PostJsonAsync("/v1/admin/clients", new { ownerId = owner.UserId, name = "x", scopes = new[] { "admin" } }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "invalid_scopes");
        await (await admin.Client.PostJsonAsync("/v1/admin/clients", new { ownerId = "usr_00000000000000000000000000", name = "x", scopes = new[] { "ledger:read" } }))
            .AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await owner.Client.PostJsonAsync("/v1/admin/clients", new { ownerId = owner.UserId, name = "x", scopes = new[] { "ledger:read" } }))
            .AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
    }

    private static async Task<JsonElement> CreateAsync(SignedIn admin, string ownerId, params string[] scopes) =>
        await (await admin.Client.PostJsonAsync("/v1/admin/clients", new { ownerId, name = "Marketplace", scopes })).AssertJsonAsync(HttpStatusCode.Created);

    private async Task<HttpResponseMessage> TokenAsync(string clientId, string secret, bool basic, string? scope = null)
    {
        var fields = new Dictionary<string, string> { ["grant_type"] = "client_credentials" };
        if (scope is not null)
        {
            fields["scope"] = scope;
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/auth/token");
        if (basic)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
                Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Uri.EscapeDataString(clientId)}:{Uri.EscapeDataString(secret)}")));
        }
        else
        {
            fields["client_id"] = clientId;
            fields["client_secret"] = secret;
        }

        request.Content = new FormUrlEncodedContent(fields);
        return await app.CreateClient().SendAsync(request, Cancel);
    }

    private HttpClient Bearer(JsonElement token)
    {
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.GetProperty("access_token").GetString());
        return client;
    }
}

public sealed class ServiceClientsOnSqlite(SqliteApp app) : ServiceClientTests<SqliteApp>(app);

[Trait("Category", "SqlServer")]
public sealed class ServiceClientsOnSqlServer(SqlServerApp app) : ServiceClientTests<SqlServerApp>(app);
