using System.Net;
using System.Net.Http.Json;
using Strongroom.Api.Tests.Support;

namespace Strongroom.Api.Tests.Identity;

public sealed class MfaForMoneyMovementTests(MfaRequiredApp app) : IClassFixture<MfaRequiredApp>
{
    [Fact]
    public async Task Money_moves_only_with_a_token_from_a_sign_in_with_a_second_factor()
    {
        // A fresh operator, not the bootstrap admin, enrols a second factor: other tests sign the admin in with a password.
        var admin = await app.SignInAsAdminAsync();
        var registered = await app.RegisterAndSignInAsync(password: Mfa.Password);
        (await admin.Client.PutAsJsonAsync($"/v1/admin/users/{registered.UserId}/roles", new { roles = new[] { "operator" } }, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        var staff = await app.SignInAsync(registered.Email, Mfa.Password, registered.UserId);
        var alice = await app.RegisterAndSignInAsync(password: Mfa.Password);
        var bob = await app.RegisterAndSignInAsync(password: Mfa.Password);
        // Reading and opening accounts need no second factor.
        var from = await alice.OpenAccountAsync();
        var to = await bob.OpenAccountAsync();

        var deposit = await staff.Client.PostWithKeyAsync("/v1/deposits", new { accountId = from, amount = 10_000L, currency = "EUR" }, LedgerClient.NewKey());
        var transfer = await alice.PostTransferAsync(LedgerClient.Transfer(from, to, 2_500));
        var batch = await alice.PostBatchAsync([LedgerClient.Transfer(from, to, 100)]);

        var refused = await transfer.AssertProblemAsync(HttpStatusCode.Forbidden, "mfa_required");
        Assert.Contains("totp", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await deposit.AssertProblemAsync(HttpStatusCode.Forbidden, "mfa_required");
        await batch.AssertProblemAsync(HttpStatusCode.Forbidden, "mfa_required");
        Assert.Equal(HttpStatusCode.OK, (await alice.Client.GetAsync($"/v1/accounts/{from}", TestContext.Current.CancellationToken)).StatusCode);

        var staffFactor = await Mfa.EnrolAsync(staff, app.Clock);
        var aliceFactor = await Mfa.EnrolAsync(alice, app.Clock);
        app.Clock.Advance(Mfa.Step);
        var strongStaff = await Mfa.SignInWithCodeAsync(app, staff, Rfc6238.Code(staffFactor.Secret, app.Clock.GetUtcNow()));
        var strongAlice = await Mfa.SignInWithCodeAsync(app, alice, aliceFactor.RecoveryCodes[0]);

        await strongStaff.DepositAsync(from, 10_000);
        var moved = await strongAlice.PostTransferAsync(LedgerClient.Transfer(from, to, 2_500));

        await moved.AssertJsonAsync(HttpStatusCode.Created);
        Assert.Equal(new Balance(7_500, 0, 7_500), await strongAlice.BalanceAsync(from));
        var denials = await Mfa.AuditAsync(admin, "authorization_denied");
        Assert.Contains(denials, e => e.GetProperty("actorId").GetString() == alice.UserId
            && e.GetProperty("target").GetString() == "POST /v1/transfers" && e.GetProperty("details").GetString() == "mfa_required");
    }

    [Fact]
    public async Task A_service_client_with_ledger_write_needs_no_second_factor()
    {
        var admin = await app.SignInAsAdminAsync();
        var owner = await app.RegisterAndSignInAsync(password: Mfa.Password);
        var payee = await app.RegisterAndSignInAsync(password: Mfa.Password);
        var from = await owner.OpenAccountAsync();
        var to = await payee.OpenAccountAsync();
        // An overdraft, not a deposit, funds it: no other test's admin needs to enrol a second factor.
        (await admin.SetOverdraftLimitAsync(from, 1_000)).EnsureSuccessStatusCode();
        // Making a ledger:write client takes the admin's own second factor: a fresh admin, not the bootstrap one, enrols it.
        var strongAdmin = await StrongAdminAsync(admin);
        var created = await (await strongAdmin.Client.PostJsonAsync("/v1/admin/clients", new { ownerId = owner.UserId, name = "Payouts", scopes = new[] { "ledger:write" } }))
            .AssertJsonAsync(HttpStatusCode.Created);
        var token = await (await app.CreateClient().PostAsync("/v1/auth/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = created.Id(),
            ["client_secret"] = created.GetProperty("clientSecret").GetString()!,
        }), TestContext.Current.CancellationToken)).AssertJsonAsync(HttpStatusCode.OK);
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", token.GetProperty("access_token").GetString());

        var byPerson = await owner.PostTransferAsync(LedgerClient.Transfer(from, to, 100));
        var byClient = await client.PostWithKeyAsync("/v1/transfers", LedgerClient.Transfer(from, to, 100), LedgerClient.NewKey());

        await byPerson.AssertProblemAsync(HttpStatusCode.Forbidden, "mfa_required");
        await byClient.AssertJsonAsync(HttpStatusCode.Created);
        Assert.Equal(-100, (await owner.BalanceAsync(from)).Posted);
    }

    [Fact]
    public async Task A_password_only_admin_cannot_mint_a_ledger_write_client_to_move_someone_elses_money()
    {
        var admin = await app.SignInAsAdminAsync();
        var victim = await app.RegisterAndSignInAsync(password: Mfa.Password);

        var writer = await admin.Client.PostJsonAsync("/v1/admin/clients", new { ownerId = victim.UserId, name = "Exfiltrate", scopes = new[] { "ledger:read", "ledger:write" } });
        var reader = await admin.Client.PostJsonAsync("/v1/admin/clients", new { ownerId = victim.UserId, name = "Statements", scopes = new[] { "ledger:read" } });

        await writer.AssertProblemAsync(HttpStatusCode.Forbidden, "mfa_required");
        await reader.AssertJsonAsync(HttpStatusCode.Created);
        var clients = await (await admin.Client.GetAsync("/v1/admin/clients?limit=100", TestContext.Current.CancellationToken)).AssertJsonAsync(HttpStatusCode.OK);
        Assert.DoesNotContain(clients.GetProperty("items").EnumerateArray(), c => c.GetProperty("name").GetString() == "Exfiltrate");
    }

    [Fact]
    public async Task A_password_only_session_cannot_enrol_its_own_authenticator_once_the_sign_in_is_old()
    {
        var thief = await app.RegisterAndSignInAsync(password: Mfa.Password);
        app.Clock.Advance(TimeSpan.FromMinutes(6));

        var enrol = await thief.Client.PostAsync("/v1/me/mfa/totp", null, TestContext.Current.CancellationToken);

        await enrol.AssertProblemAsync(HttpStatusCode.Unauthorized, "reauthentication_required");
        Assert.Equal("none", (await Mfa.StatusAsync(await app.SignInAsync(thief.Email, Mfa.Password, thief.UserId))).GetProperty("totp").GetString());
    }

    /// <summary>A new admin with an authenticator, signed in with a code.</summary>
    private async Task<SignedIn> StrongAdminAsync(SignedIn admin)
    {
        var registered = await app.RegisterAndSignInAsync(password: Mfa.Password);
        (await admin.Client.PutAsJsonAsync($"/v1/admin/users/{registered.UserId}/roles", new { roles = new[] { "admin" } }, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        var signedIn = await app.SignInAsync(registered.Email, Mfa.Password, registered.UserId);
        var factor = await Mfa.EnrolAsync(signedIn, app.Clock);
        app.Clock.Advance(Mfa.Step);
        return await Mfa.SignInWithCodeAsync(app, signedIn, Rfc6238.Code(factor.Secret, app.Clock.GetUtcNow()));
    }

    [Fact]
    public async Task A_wrong_role_is_still_plain_forbidden()
    {
        var customer = await app.RegisterAndSignInAsync(password: Mfa.Password);
        var account = await customer.OpenAccountAsync();

        var deposit = await customer.Client.PostWithKeyAsync("/v1/deposits", new { accountId = account, amount = 1L, currency = "EUR" }, LedgerClient.NewKey());

        await deposit.AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task The_openapi_document_says_which_operations_need_the_second_factor()
    {
        var document = await (await app.CreateClient().GetAsync("/openapi/v1.json", TestContext.Current.CancellationToken)).AssertJsonAsync(HttpStatusCode.OK);
        var paths = document.GetProperty("paths");

        Assert.Contains("mfa_required", paths.GetProperty("/v1/transfers").GetProperty("post").GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Contains("mfa_required", paths.GetProperty("/v1/deposits").GetProperty("post").GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.False(paths.GetProperty("/v1/accounts").GetProperty("post").TryGetProperty("description", out var open)
            && open.GetString()!.Contains("mfa_required", StringComparison.Ordinal));
    }
}
