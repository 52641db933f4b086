using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Strongroom.Api.Tests.Support;

namespace Strongroom.Api.Tests.Identity;

public abstract class RefreshTokenTests<TApp>(TApp app) : IClassFixture<TApp>
    where TApp : StrongroomApp
{
    private const string Password = "correct horse battery";

    [Fact]
    public async Task A_refresh_token_buys_a_new_access_token_and_is_replaced()
    {
        var (_, first) = await SignInAsync();

        var refreshed = await RefreshAsync(first.GetProperty("refresh_token").GetString()!);

        var body = await refreshed.AssertJsonAsync(HttpStatusCode.OK);
        var second = body.GetProperty("refresh_token").GetString()!;
        Assert.NotEqual(first.GetProperty("refresh_token").GetString(), second);
        // At least 128 bits: 22 or more base64url characters.
        Assert.True(second.Length >= 22);
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", body.GetProperty("access_token").GetString());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v1/accounts")).StatusCode);
    }

    [Fact]
    public async Task Presenting_a_used_refresh_token_revokes_its_whole_family()
    {
        var (_, first) = await SignInAsync();
        var original = first.GetProperty("refresh_token").GetString()!;
        var successor = (await (await RefreshAsync(original)).AssertJsonAsync(HttpStatusCode.OK)).GetProperty("refresh_token").GetString()!;

        var replay = await RefreshAsync(original);
        var afterTheft = await RefreshAsync(successor);

        Assert.Equal("invalid_grant", (await replay.AssertJsonAsync(HttpStatusCode.BadRequest)).GetProperty("error").GetString());
        Assert.Equal("invalid_grant", (await afterTheft.AssertJsonAsync(HttpStatusCode.BadRequest)).GetProperty("error").GetString());
    }

    [Fact]
    public async Task A_refresh_token_is_not_an_access_token()
    {
        var (_, first) = await SignInAsync();
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", first.GetProperty("refresh_token").GetString());

        await (await client.GetAsync("/v1/accounts")).AssertProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
    }

    [Fact]
    public async Task A_revoked_refresh_token_no_longer_works_and_revoking_nonsense_is_not_an_error()
    {
        var (_, first) = await SignInAsync();
        var token = first.GetProperty("refresh_token").GetString()!;

        var revoked = await app.CreateClient().PostAsync("/v1/auth/revoke", new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = token }), TestContext.Current.CancellationToken);
        var nonsense = await app.CreateClient().PostAsync("/v1/auth/revoke", new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = "not-a-token" }), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        Assert.Equal(HttpStatusCode.OK, nonsense.StatusCode);
        await (await RefreshAsync(token)).AssertJsonAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task A_disabled_users_refresh_tokens_stop_working_at_once()
    {
        var (user, first) = await SignInAsync();
        var admin = await app.SignInAsAdminAsync();

        (await admin.Client.PostAsync($"/v1/admin/users/{user.UserId}/disable", null, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();

        Assert.Equal("invalid_grant", (await (await RefreshAsync(first.GetProperty("refresh_token").GetString()!)).AssertJsonAsync(HttpStatusCode.BadRequest)).GetProperty("error").GetString());
    }

    private async Task<(SignedIn User, JsonElement Token)> SignInAsync()
    {
        var user = await app.RegisterAndSignInAsync(password: Password);
        var issued = await app.CreateClient().PostAsync("/v1/auth/token", StrongroomApp.TokenForm(user.Email, Password), TestContext.Current.CancellationToken);
        return (user, await issued.AssertJsonAsync(HttpStatusCode.OK));
    }

    private Task<HttpResponseMessage> RefreshAsync(string refreshToken) =>
        app.CreateClient().PostAsync("/v1/auth/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token",
            ["refresh_token"] = refreshToken,
        }), TestContext.Current.CancellationToken);
}

public sealed class RefreshTokenOnSqlite(SqliteApp app) : RefreshTokenTests<SqliteApp>(app);

[Trait("Category", "SqlServer")]
public sealed class RefreshTokenOnSqlServer(SqlServerApp app) : RefreshTokenTests<SqlServerApp>(app);
