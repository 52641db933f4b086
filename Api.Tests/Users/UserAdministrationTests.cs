using System.Net;
using System.Net.Http.Json;
using Strongroom.Api.Tests.Support;

namespace Strongroom.Api.Tests.Users;

public abstract class UserAdministrationTests<TApp>(TApp app) : IClassFixture<TApp>
    where TApp : StrongroomApp
{
    private const string Password = "correct horse battery";

    [Fact]
    public async Task Admins_page_through_users_and_never_see_a_password_hash()
    {
        var admin = await app.SignInAsAdminAsync();
        var customer = await app.RegisterAndSignInAsync();

        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await (await admin.Client.GetAsync($"/v1/admin/users?limit=1{(cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}")}"))
                .AssertJsonAsync(HttpStatusCode.OK);
            foreach (var user in page.GetProperty("items").EnumerateArray())
            {
                Assert.DoesNotContain("pbkdf2", user.ToString(), StringComparison.Ordinal);
                Assert.Equal(["createdAt", "email", "fullName", "id", "roles", "status"], user.EnumerateObject().Select(p => p.Name).Order());
                seen.Add(user.GetProperty("id").GetString()!);
            }

            cursor = page.GetProperty("nextCursor").GetString();
        }
        while (cursor is not null && seen.Count < 1000);

        Assert.Contains(customer.UserId, seen);
        Assert.Contains(admin.UserId, seen);
        Assert.Equal(seen.Order(StringComparer.Ordinal), seen);
        var one = await (await admin.Client.GetAsync($"/v1/admin/users/{customer.UserId}")).AssertJsonAsync(HttpStatusCode.OK);
        Assert.Equal(["customer"], one.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal("active", one.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Customers_cannot_administer_users()
    {
        var customer = await app.RegisterAndSignInAsync();

        await (await customer.Client.GetAsync("/v1/admin/users")).AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await customer.Client.PutAsJsonAsync($"/v1/admin/users/{customer.UserId}/roles", new { roles = new[] { "admin" } }, TestContext.Current.CancellationToken))
            .AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task An_operator_may_run_accounts_but_not_the_ledger_wide_views()
    {
        var admin = await app.SignInAsAdminAsync();
        var future = await app.RegisterAndSignInAsync(password: Password);
        var owner = await app.RegisterAndSignInAsync();
        var account = (await (await owner.Client.PostJsonAsync("/v1/accounts", new { currency = "EUR", name = "Main" })).AssertJsonAsync(HttpStatusCode.Created)).GetProperty("id").GetString();

        var granted = await (await admin.Client.PutAsJsonAsync($"/v1/admin/users/{future.UserId}/roles", new { roles = new[] { "operator" } }, TestContext.Current.CancellationToken))
            .AssertJsonAsync(HttpStatusCode.OK);
        var operatorUser = await app.SignInAsync(future.Email, Password, future.UserId);

        Assert.Equal(["operator"], granted.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal("operator", Jwt.Payload(operatorUser.Token).GetProperty("role").GetString());
        Assert.Equal(HttpStatusCode.OK, (await operatorUser.Client.GetAsync($"/v1/accounts/{account}")).StatusCode);
        var deposit = new HttpRequestMessage(HttpMethod.Post, "/v1/deposits") { Content = JsonContent.Create(new { accountId = account, amount = 500L, currency = "EUR" }) };
        deposit.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString("N"));
        await (await operatorUser.Client.SendAsync(deposit, TestContext.Current.CancellationToken)).AssertJsonAsync(HttpStatusCode.Created);
        await (await operatorUser.Client.GetAsync("/v1/admin/ledger/verify")).AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await operatorUser.Client.GetAsync("/v1/admin/users")).AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task A_disabled_user_cannot_sign_in_until_enabled_again()
    {
        var admin = await app.SignInAsAdminAsync();
        var user = await app.RegisterAndSignInAsync(password: Password);

        var disabled = await (await admin.Client.PostAsync($"/v1/admin/users/{user.UserId}/disable", null, TestContext.Current.CancellationToken)).AssertJsonAsync(HttpStatusCode.OK);
        var refused = await app.CreateClient().PostAsync("/v1/auth/token", StrongroomApp.TokenForm(user.Email, Password), TestContext.Current.CancellationToken);

        Assert.Equal("disabled", disabled.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("""{"error":"invalid_grant"}""", await refused.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));

        await (await admin.Client.PostAsync($"/v1/admin/users/{user.UserId}/enable", null, TestContext.Current.CancellationToken)).AssertJsonAsync(HttpStatusCode.OK);
        Assert.False(string.IsNullOrEmpty((await app.SignInAsync(user.Email, Password, user.UserId)).Token));
    }

    [Fact]
    public async Task An_admin_cannot_lock_themselves_out()
    {
        var admin = await app.SignInAsAdminAsync();

        var demote = await admin.Client.PutAsJsonAsync($"/v1/admin/users/{admin.UserId}/roles", new { roles = new[] { "customer" } }, TestContext.Current.CancellationToken);
        var disable = await admin.Client.PostAsync($"/v1/admin/users/{admin.UserId}/disable", null, TestContext.Current.CancellationToken);

        await demote.AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "cannot_change_self");
        await disable.AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "cannot_change_self");
        Assert.Equal("admin", Jwt.Payload((await app.SignInAsAdminAsync()).Token).GetProperty("role").GetString());
    }

    [Fact]
    public async Task Unknown_roles_and_users_are_refused()
    {
        var admin = await app.SignInAsAdminAsync();
        var user = await app.RegisterAndSignInAsync();

        var badRole = await admin.Client.PutAsJsonAsync($"/v1/admin/users/{user.UserId}/roles", new { roles = new[] { "superuser" } }, TestContext.Current.CancellationToken);
        var noRole = await admin.Client.PutAsJsonAsync($"/v1/admin/users/{user.UserId}/roles", new { roles = Array.Empty<string>() }, TestContext.Current.CancellationToken);
        var nobody = await admin.Client.GetAsync("/v1/admin/users/usr_00000000000000000000000000");

        await badRole.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid_roles");
        await noRole.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid_roles");
        await nobody.AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
    }
}

public sealed class UserAdministrationOnSqlite(SqliteApp app) : UserAdministrationTests<SqliteApp>(app);

[Trait("Category", "SqlServer")]
public sealed class UserAdministrationOnSqlServer(SqlServerApp app) : UserAdministrationTests<SqlServerApp>(app);
