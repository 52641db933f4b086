using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Strongroom.Api.Tests.Caching;
using Strongroom.Api.Tests.Identity;
using Strongroom.Api.Tests.Support;

namespace Strongroom.Api.Tests.Security;

/// <summary>
/// Authority ends when it is taken away: attacks with the tokens of a demoted admin, a disabled
/// one, a demoted operator and an old session, each of which used to work until the token expired.
/// </summary>
public abstract class CurrentAuthorityTests<TApp>(TApp app) : IClassFixture<TApp>
    where TApp : StrongroomApp
{
    private const string Password = "correct horse battery";
    private const string RefusedChallenge = "Bearer error=\"invalid_token\"";

    [Fact]
    public async Task A_demoted_admins_old_token_cannot_grant_itself_back_and_its_refresh_token_mints_only_customer_tokens()
    {
        var admin = await app.SignInAsAdminAsync();
        var (d, refreshToken) = await NewAdminAsync(admin);
        Assert.Equal(HttpStatusCode.OK, (await d.Client.GetAsync("/v1/admin/users", TestContext.Current.CancellationToken)).StatusCode);

        await SetRolesAsync(admin, d.UserId, "customer");
        var regrant = await d.Client.PutAsJsonAsync($"/v1/admin/users/{d.UserId}/roles", new { roles = new[] { "admin", "customer" } }, TestContext.Current.CancellationToken);
        var refreshed = await RefreshAsync(refreshToken);

        await regrant.AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await d.Client.GetAsync("/v1/admin/users", TestContext.Current.CancellationToken)).AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        Assert.Equal(JsonValueKind.String, Jwt.Payload(refreshed).GetProperty("role").ValueKind);
        Assert.Equal("customer", Jwt.Payload(refreshed).GetProperty("role").GetString());
        await (await Bearer(refreshed).GetAsync("/v1/admin/users", TestContext.Current.CancellationToken)).AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        Assert.Equal(["customer"], await RolesAsync(admin, d.UserId));
    }

    [Fact]
    public async Task A_disabled_admins_old_token_is_refused_and_cannot_enable_itself_or_take_over_the_others()
    {
        var admin = await app.SignInAsAdminAsync();
        var (d, _) = await NewAdminAsync(admin);

        (await admin.Client.PostAsync($"/v1/admin/users/{d.UserId}/disable", null, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        var enable = await d.Client.PostAsync($"/v1/admin/users/{d.UserId}/enable", null, TestContext.Current.CancellationToken);
        var demote = await d.Client.PutAsJsonAsync($"/v1/admin/users/{admin.UserId}/roles", new { roles = new[] { "customer" } }, TestContext.Current.CancellationToken);
        var disable = await d.Client.PostAsync($"/v1/admin/users/{admin.UserId}/disable", null, TestContext.Current.CancellationToken);
        var me = await d.Client.GetAsync("/v1/me", TestContext.Current.CancellationToken);

        foreach (var refused in new[] { enable, demote, disable, me })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.Equal(RefusedChallenge, refused.Headers.WwwAuthenticate.ToString());
        }

        var stored = await (await admin.Client.GetAsync($"/v1/admin/users/{d.UserId}", TestContext.Current.CancellationToken)).AssertJsonAsync(HttpStatusCode.OK);
        Assert.Equal("disabled", stored.GetProperty("status").GetString());
        var bootstrap = await (await admin.Client.GetAsync($"/v1/admin/users/{admin.UserId}", TestContext.Current.CancellationToken)).AssertJsonAsync(HttpStatusCode.OK);
        Assert.Equal("active", bootstrap.GetProperty("status").GetString());
        Assert.Contains("admin", bootstrap.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
    }

    [Fact]
    public async Task Nobody_changes_their_own_roles_or_status_not_even_keeping_admin()
    {
        var admin = await app.SignInAsAdminAsync();
        var (d, _) = await NewAdminAsync(admin);

        var keepAdmin = await d.Client.PutAsJsonAsync($"/v1/admin/users/{d.UserId}/roles", new { roles = new[] { "admin", "operator" } }, TestContext.Current.CancellationToken);
        var disable = await d.Client.PostAsync($"/v1/admin/users/{d.UserId}/disable", null, TestContext.Current.CancellationToken);
        var enable = await d.Client.PostAsync($"/v1/admin/users/{d.UserId}/enable", null, TestContext.Current.CancellationToken);

        await keepAdmin.AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "cannot_change_self");
        await disable.AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "cannot_change_self");
        await enable.AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "cannot_change_self");
        Assert.Equal(["admin"], await RolesAsync(admin, d.UserId));
    }

    [Fact]
    public async Task Two_admins_demoting_each_other_at_once_leave_exactly_one_of_them_admin()
    {
        var admin = await app.SignInAsAdminAsync();
        var (a, _) = await NewAdminAsync(admin);
        var (d, _) = await NewAdminAsync(admin);

        var results = await Task.WhenAll(
            a.Client.PutAsJsonAsync($"/v1/admin/users/{d.UserId}/roles", new { roles = new[] { "customer" } }, TestContext.Current.CancellationToken),
            d.Client.PutAsJsonAsync($"/v1/admin/users/{a.UserId}/roles", new { roles = new[] { "customer" } }, TestContext.Current.CancellationToken));

        // The second to commit finds its actor no longer an admin.
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.Forbidden], results.Select(r => r.StatusCode).Order());
        var aIsAdmin = (await RolesAsync(admin, a.UserId)).Contains("admin");
        var dIsAdmin = (await RolesAsync(admin, d.UserId)).Contains("admin");
        Assert.True(aIsAdmin ^ dIsAdmin, $"a admin: {aIsAdmin}, d admin: {dIsAdmin}");
        var loser = aIsAdmin ? d.UserId : a.UserId;
        Assert.Contains(await Mfa.AuditAsync(admin, "authorization_denied"), e => e.GetProperty("actorId").GetString() == loser);
    }

    [Fact]
    public async Task A_demoted_operators_old_token_reads_and_moves_only_its_own_money()
    {
        var admin = await app.SignInAsAdminAsync();
        var (alice, aliceAccount) = await app.OpenFundedAccountAsync(admin, 1_000);
        var registered = await app.RegisterAndSignInAsync(password: Password);
        await SetRolesAsync(admin, registered.UserId, "operator");
        var op = await app.SignInAsync(registered.Email, Password, registered.UserId);
        var ownAccount = await op.OpenAccountAsync();
        Assert.Equal(HttpStatusCode.OK, (await op.Client.GetAsync($"/v1/accounts/{aliceAccount}", TestContext.Current.CancellationToken)).StatusCode);

        await SetRolesAsync(admin, op.UserId, "customer");
        var read = await op.Client.GetAsync($"/v1/accounts/{aliceAccount}", TestContext.Current.CancellationToken);
        var entries = await op.Client.GetAsync($"/v1/accounts/{aliceAccount}/entries", TestContext.Current.CancellationToken);
        var transfer = await op.PostTransferAsync(LedgerClient.Transfer(aliceAccount, ownAccount, 400));
        var withdrawal = await op.Client.PostWithKeyAsync("/v1/withdrawals", new { accountId = aliceAccount, amount = 400L, currency = "EUR" }, LedgerClient.NewKey());

        await read.AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
        await entries.AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
        await transfer.AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
        await withdrawal.AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        Assert.Equal(new Balance(1_000, 0, 1_000), await alice.BalanceAsync(aliceAccount));
    }

    [Fact]
    public async Task Disabling_a_user_ends_every_refresh_token_they_hold_even_after_they_are_enabled_again()
    {
        var admin = await app.SignInAsAdminAsync();
        var user = await app.RegisterAndSignInAsync(password: Password);
        var (_, stolen) = await SignInRawAsync(user.Email);

        (await admin.Client.PostAsync($"/v1/admin/users/{user.UserId}/disable", null, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        (await admin.Client.PostAsync($"/v1/admin/users/{user.UserId}/enable", null, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        var replay = await PostRefreshAsync(stolen);

        Assert.Equal("""{"error":"invalid_grant"}""", await replay.AssertRawAsync(HttpStatusCode.BadRequest));
        // The user themselves signs in again and carries on.
        Assert.Equal(HttpStatusCode.OK, (await (await app.SignInAsync(user.Email, Password, user.UserId)).Client.GetAsync("/v1/me", TestContext.Current.CancellationToken)).StatusCode);
    }

    [Fact]
    public async Task Audit_records_of_role_status_limit_freeze_and_client_changes_say_what_changed()
    {
        var admin = await app.SignInAsAdminAsync();
        var (owner, account) = await app.OpenFundedAccountAsync(admin, 0);

        await SetRolesAsync(admin, owner.UserId, "customer", "operator");
        (await admin.Client.PostAsync($"/v1/admin/users/{owner.UserId}/disable", null, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        (await admin.Client.PostAsync($"/v1/admin/users/{owner.UserId}/enable", null, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        (await admin.SetOverdraftLimitAsync(account, 2_500)).EnsureSuccessStatusCode();
        (await admin.AccountActionAsync(account, "freeze")).EnsureSuccessStatusCode();
        var client = await (await admin.Client.PostJsonAsync("/v1/admin/clients", new { ownerId = owner.UserId, name = "Books", scopes = new[] { "ledger:read" } }))
            .AssertJsonAsync(HttpStatusCode.Created);
        (await admin.Client.PostAsync($"/v1/admin/clients/{client.Id()}/revoke", null, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();

        Assert.Equal("roles customer->customer,operator", await DetailsAsync(admin, "SetUserRoles", owner.UserId));
        Assert.Equal("status active->disabled", await DetailsAsync(admin, "DisableUser", owner.UserId));
        Assert.Equal("status disabled->active", await DetailsAsync(admin, "EnableUser", owner.UserId));
        Assert.Equal("overdraft_limit 0->2500", await DetailsAsync(admin, "SetOverdraftLimit", account));
        Assert.Equal("status active->frozen", await DetailsAsync(admin, "FreezeAccount", account));
        Assert.Equal($"owner={owner.UserId} scopes=ledger:read", await DetailsAsync(admin, "client_created", client.Id()));
        Assert.Equal($"owner={owner.UserId} status active->revoked", await DetailsAsync(admin, "client_revoked", client.Id()));
        var all = string.Join('\n', (await Mfa.AuditAsync(admin, action: null)).Select(e => e.ToString()));
        Assert.DoesNotContain(owner.Email, all, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(client.GetProperty("clientSecret").GetString()!, all, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Authenticated_responses_and_every_secret_are_marked_no_store()
    {
        var admin = await app.SignInAsAdminAsync();
        var (owner, account) = await app.OpenFundedAccountAsync(admin, 100);

        var responses = new List<HttpResponseMessage>
        {
            await owner.Client.GetAsync("/v1/me", TestContext.Current.CancellationToken),
            await owner.Client.GetAsync("/v1/accounts", TestContext.Current.CancellationToken),
            await owner.Client.GetAsync($"/v1/accounts/{account}", TestContext.Current.CancellationToken),
            await owner.Client.GetAsync($"/v1/accounts/{account}/entries", TestContext.Current.CancellationToken),
            await owner.Client.PostAsync("/v1/me/mfa/totp", null, TestContext.Current.CancellationToken),
            await admin.Client.GetAsync("/v1/admin/users", TestContext.Current.CancellationToken),
            await admin.Client.PostJsonAsync("/v1/admin/clients", new { ownerId = owner.UserId, name = "Secret", scopes = new[] { "ledger:read" } }),
            await owner.Client.GetAsync("/v1/admin/users", TestContext.Current.CancellationToken),
        };

        Assert.All(responses, response => Assert.True(response.Headers.CacheControl?.NoStore, $"{response.RequestMessage!.RequestUri} lacks no-store"));
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.Created, HttpStatusCode.Forbidden],
            responses.Select(r => r.StatusCode));
    }

    [Fact]
    public async Task A_refused_token_is_told_invalid_token_and_nothing_about_why()
    {
        var user = await app.RegisterAndSignInAsync();
        var tokens = new Dictionary<string, string>
        {
            ["another issuer"] = Jwt.Sign(app.SigningKey, user.UserId, ["customer"], issuer: "evil"),
            ["expired"] = Jwt.Sign(app.SigningKey, user.UserId, ["customer"], expires: DateTime.UtcNow.AddMinutes(-5), notBefore: DateTime.UtcNow.AddMinutes(-15)),
            ["another key"] = Jwt.Sign(new byte[32], user.UserId, ["customer"]),
            ["no sub"] = Jwt.Sign(app.SigningKey, subject: null, ["admin"]),
            ["a year long"] = Jwt.Sign(app.SigningKey, user.UserId, ["customer"], expires: DateTime.UtcNow.AddYears(1)),
            ["an unknown user"] = Jwt.Sign(app.SigningKey, "usr_00000000000000000000000000", ["admin"]),
        };

        foreach (var (what, token) in tokens)
        {
            var response = await Bearer(token).GetAsync("/v1/accounts", TestContext.Current.CancellationToken);
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"a token from {what}: {response.StatusCode}");
            Assert.Equal(RefusedChallenge, response.Headers.WwwAuthenticate.ToString());
        }

        var anonymous = await app.CreateClient().GetAsync("/v1/accounts", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("Bearer", anonymous.Headers.WwwAuthenticate.ToString());
        // The longest lifetime we issue (15 minutes) plus the clock skew still passes (issued 1.5 minutes ago, 15.25 in all).
        var longest = Jwt.Sign(app.SigningKey, user.UserId, ["customer"], notBefore: DateTime.UtcNow.AddMinutes(-0.5), expires: DateTime.UtcNow.AddMinutes(13.75));
        Assert.Equal(HttpStatusCode.OK, (await Bearer(longest).GetAsync("/v1/accounts", TestContext.Current.CancellationToken)).StatusCode);
    }

    [Fact]
    public async Task Sensitive_changes_need_a_sign_in_within_the_last_five_minutes_and_a_refresh_is_not_one()
    {
        var admin = await app.SignInAsAdminAsync();
        var user = await app.RegisterAndSignInAsync(password: Password);
        var client = await (await admin.Client.PostJsonAsync("/v1/admin/clients", new { ownerId = user.UserId, name = "Books", scopes = new[] { "ledger:read" } }))
            .AssertJsonAsync(HttpStatusCode.Created);
        var old = DateTimeOffset.UtcNow.AddMinutes(-6);
        var staleUser = Bearer(Jwt.Sign(app.SigningKey, user.UserId, ["customer"], authenticatedAt: old));
        var staleAdmin = Bearer(Jwt.Sign(app.SigningKey, admin.UserId, ["admin"], authenticatedAt: old));
        var undatedAdmin = Bearer(Jwt.Sign(app.SigningKey, admin.UserId, ["admin"]));

        var refused = new[]
        {
            await staleUser.PostAsync("/v1/me/mfa/totp", null, TestContext.Current.CancellationToken),
            await staleUser.PostAsJsonAsync("/v1/me/mfa/totp/confirm", new { code = "123456" }, TestContext.Current.CancellationToken),
            await staleUser.PostAsJsonAsync("/v1/me/mfa/totp/disable", new { code = "123456" }, TestContext.Current.CancellationToken),
            await staleAdmin.PostAsJsonAsync("/v1/admin/clients", new { ownerId = user.UserId, name = "Mine", scopes = new[] { "ledger:write" } }, TestContext.Current.CancellationToken),
            await staleAdmin.PostAsync($"/v1/admin/clients/{client.Id()}/revoke", null, TestContext.Current.CancellationToken),
            await staleAdmin.PutAsJsonAsync($"/v1/admin/users/{user.UserId}/roles", new { roles = new[] { "admin" } }, TestContext.Current.CancellationToken),
            await undatedAdmin.PutAsJsonAsync($"/v1/admin/users/{user.UserId}/roles", new { roles = new[] { "admin" } }, TestContext.Current.CancellationToken),
        };

        foreach (var response in refused)
        {
            await response.AssertProblemAsync(HttpStatusCode.Unauthorized, "reauthentication_required");
        }

        Assert.Equal(["customer"], await RolesAsync(admin, user.UserId));
        Assert.Equal("none", (await Mfa.StatusAsync(user)).GetProperty("totp").GetString());
        // Reading is not sensitive; a fresh sign-in is recent; its refreshed token keeps the sign-in's time.
        Assert.Equal(HttpStatusCode.OK, (await staleAdmin.GetAsync($"/v1/admin/clients/{client.Id()}", TestContext.Current.CancellationToken)).StatusCode);
        var (access, refresh) = await SignInRawAsync(user.Email);
        var refreshed = await RefreshAsync(refresh);
        Assert.Equal(Jwt.Payload(access).GetProperty("auth_time").GetInt64(), Jwt.Payload(refreshed).GetProperty("auth_time").GetInt64());
        Assert.Equal(HttpStatusCode.OK, (await Bearer(refreshed).PostAsync("/v1/me/mfa/totp", null, TestContext.Current.CancellationToken)).StatusCode);
    }

    [Fact]
    public async Task A_revoked_clients_token_and_a_disabled_owners_client_tokens_stop_at_once()
    {
        var admin = await app.SignInAsAdminAsync();
        var (owner, account) = await app.OpenFundedAccountAsync(admin, 100);
        var revoked = await ClientTokenAsync(admin, owner.UserId);
        var ownersOther = await ClientTokenAsync(admin, owner.UserId);
        Assert.Equal(HttpStatusCode.OK, (await revoked.Client.GetAsync($"/v1/accounts/{account}", TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await ownersOther.Client.GetAsync($"/v1/accounts/{account}", TestContext.Current.CancellationToken)).StatusCode);

        (await admin.Client.PostAsync($"/v1/admin/clients/{revoked.ClientId}/revoke", null, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        var afterRevoke = await revoked.Client.GetAsync($"/v1/accounts/{account}", TestContext.Current.CancellationToken);
        var otherAfterRevoke = await ownersOther.Client.GetAsync($"/v1/accounts/{account}", TestContext.Current.CancellationToken);
        (await admin.Client.PostAsync($"/v1/admin/users/{owner.UserId}/disable", null, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        var afterDisable = await ownersOther.Client.GetAsync($"/v1/accounts/{account}", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, afterRevoke.StatusCode);
        Assert.Equal(HttpStatusCode.OK, otherAfterRevoke.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, afterDisable.StatusCode);
        Assert.Equal(RefusedChallenge, afterDisable.Headers.WwwAuthenticate.ToString());
    }

    [Fact]
    public async Task A_hold_cannot_be_placed_for_longer_than_the_maximum_against_someone_elses_account()
    {
        var admin = await app.SignInAsAdminAsync();
        var (mallory, from) = await app.OpenFundedAccountAsync(admin, 1_000);
        var victim = await app.RegisterAndSignInAsync();
        var victimAccount = await victim.OpenAccountAsync();

        var forever = await mallory.PostTransferAsync(LedgerClient.Hold(from, victimAccount, 1, new DateTimeOffset(9999, 1, 1, 0, 0, 0, TimeSpan.Zero)));
        var inBatch = await mallory.PostBatchAsync([LedgerClient.Hold(from, victimAccount, 1, DateTimeOffset.UtcNow.AddDays(31))]);
        var withinLimit = await mallory.PostTransferAsync(LedgerClient.Hold(from, victimAccount, 1, DateTimeOffset.UtcNow.AddDays(29)));

        var problem = await forever.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.Contains("30 days", problem.GetProperty("errors").GetProperty("holdExpiresAt")[0].GetString(), StringComparison.Ordinal);
        await inBatch.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        await withinLimit.AssertJsonAsync(HttpStatusCode.Created);
        // Only the hold within the limit is pending toward the victim's account, and it will expire.
        Assert.Equal(new Balance(0, 1, 0), await victim.BalanceAsync(victimAccount));
    }

    private async Task<(SignedIn Admin, string RefreshToken)> NewAdminAsync(SignedIn bootstrap)
    {
        var registered = await app.RegisterAndSignInAsync(password: Password);
        await SetRolesAsync(bootstrap, registered.UserId, "admin");
        var (access, refresh) = await SignInRawAsync(registered.Email);
        return (registered with { Token = access, Client = Bearer(access) }, refresh);
    }

    private async Task<(string ClientId, HttpClient Client)> ClientTokenAsync(SignedIn admin, string ownerId)
    {
        var created = await (await admin.Client.PostJsonAsync("/v1/admin/clients", new { ownerId, name = "Books", scopes = new[] { "ledger:read" } }))
            .AssertJsonAsync(HttpStatusCode.Created);
        var token = await (await app.CreateClient().PostAsync("/v1/auth/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = created.Id(),
            ["client_secret"] = created.GetProperty("clientSecret").GetString()!,
        }), TestContext.Current.CancellationToken)).AssertJsonAsync(HttpStatusCode.OK);
        return (created.Id(), Bearer(token.GetProperty("access_token").GetString()!));
    }

    private static async Task SetRolesAsync(SignedIn admin, string userId, params string[] roles) =>
        (await admin.Client.PutAsJsonAsync($"/v1/admin/users/{userId}/roles", new { roles }, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();

    private static async Task<string[]> RolesAsync(SignedIn admin, string userId) =>
        [.. (await (await admin.Client.GetAsync($"/v1/admin/users/{userId}", TestContext.Current.CancellationToken)).AssertJsonAsync(HttpStatusCode.OK))
            .GetProperty("roles").EnumerateArray().Select(r => r.GetString()!)];

    private static async Task<string?> DetailsAsync(SignedIn admin, string action, string target) =>
        (await Mfa.AuditAsync(admin, action)).First(e => e.GetProperty("target").GetString() == target).GetProperty("details").GetString();

    private async Task<(string AccessToken, string RefreshToken)> SignInRawAsync(string email)
    {
        var body = await (await app.CreateClient().PostAsync("/v1/auth/token", StrongroomApp.TokenForm(email, Password), TestContext.Current.CancellationToken))
            .AssertJsonAsync(HttpStatusCode.OK);
        return (body.GetProperty("access_token").GetString()!, body.GetProperty("refresh_token").GetString()!);
    }

    private Task<HttpResponseMessage> PostRefreshAsync(string refreshToken) =>
        app.CreateClient().PostAsync("/v1/auth/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token",
            ["refresh_token"] = refreshToken,
        }), TestContext.Current.CancellationToken);

    private async Task<string> RefreshAsync(string refreshToken) =>
        (await (await PostRefreshAsync(refreshToken)).AssertJsonAsync(HttpStatusCode.OK)).GetProperty("access_token").GetString()!;

    private HttpClient Bearer(string token)
    {
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }
}

public sealed class CurrentAuthorityOnSqlite(SqliteApp app) : CurrentAuthorityTests<SqliteApp>(app);

[Trait("Category", "SqlServer")]
public sealed class CurrentAuthorityOnSqlServer(SqlServerApp app) : CurrentAuthorityTests<SqlServerApp>(app);

/// <summary>Two replicas sharing Redis: a role removed or a user disabled through one is refused by the other on the next request.</summary>
[Trait("Category", "External")]
public sealed class CurrentAuthorityAcrossReplicasTests(TwoReplicas replicas) : IClassFixture<TwoReplicas>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task A_demotion_and_a_disable_through_one_replica_hold_on_the_other()
    {
        replicas.SkipIfUnavailable();
        var admin = await replicas.A.SignInAsAdminAsync();
        var registered = await replicas.A.RegisterAndSignInAsync(password: "correct horse battery");
        (await admin.Client.PutAsJsonAsync($"/v1/admin/users/{registered.UserId}/roles", new { roles = new[] { "admin" } }, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        var onB = (await replicas.A.SignInAsync(registered.Email, "correct horse battery", registered.UserId)).On(replicas.B);
        // B has read (and cached) the admin authority by serving these.
        Assert.Equal(HttpStatusCode.OK, (await onB.Client.GetAsync("/v1/admin/users", TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await onB.Client.GetAsync("/v1/admin/users", TestContext.Current.CancellationToken)).StatusCode);

        (await admin.Client.PutAsJsonAsync($"/v1/admin/users/{onB.UserId}/roles", new { roles = new[] { "customer" } }, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        var demoted = await CacheClient.TimeUntilAsync(async () =>
            (await onB.Client.GetAsync("/v1/admin/users", TestContext.Current.CancellationToken)).StatusCode == HttpStatusCode.Forbidden, Deadline, "replica B refuses the demoted admin");
        (await admin.Client.PostAsync($"/v1/admin/users/{onB.UserId}/disable", null, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        var disabled = await CacheClient.TimeUntilAsync(async () =>
            (await onB.Client.GetAsync("/v1/me", TestContext.Current.CancellationToken)).StatusCode == HttpStatusCode.Unauthorized, Deadline, "replica B refuses the disabled user");

        // Only the backplane's delivery stands between the change and the other replica.
        Assert.True(demoted < TimeSpan.FromSeconds(1) && disabled < TimeSpan.FromSeconds(1), $"demotion after {demoted.TotalMilliseconds} ms, disable after {disabled.TotalMilliseconds} ms");
        CacheClient.Report($"Authority change seen by the other replica: demotion {demoted.TotalMilliseconds:0.0} ms, disable {disabled.TotalMilliseconds:0.0} ms.");
    }
}
