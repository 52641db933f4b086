using System.Net;
using System.Net.Http.Headers;
using Microsoft.IdentityModel.Tokens;
using Strongroom.Api.Tests.Support;

namespace Strongroom.Api.Tests.Identity;

/// <summary>
/// A token validated once is remembered, and nothing that would refuse it afresh is skipped:
/// expiry, a disabled user, a rotated-out key, a forged signature; and the cache stays bounded.
/// </summary>
public sealed class ValidatedTokenCacheTests(TokenCacheApp app) : IClassFixture<TokenCacheApp>
{
    [Fact]
    public async Task A_token_that_passed_is_refused_once_it_expires()
    {
        var user = await app.RegisterAndSignInAsync();
        Assert.Equal(HttpStatusCode.OK, await GetAccountsAsync(user.Token));
        Assert.Equal(HttpStatusCode.OK, await GetAccountsAsync(user.Token));

        // 15 minutes of lifetime and 30 seconds of skew.
        app.Clock.Advance(TimeSpan.FromMinutes(15) + TimeSpan.FromSeconds(31));

        Assert.Equal(HttpStatusCode.Unauthorized, await GetAccountsAsync(user.Token));
        Assert.Equal(HttpStatusCode.OK, await GetAccountsAsync((await app.SignInAsync(user.Email, "correct horse battery", user.UserId)).Token));
    }

    [Fact]
    public async Task A_remembered_token_of_a_user_disabled_since_is_refused_at_once()
    {
        var admin = await app.SignInAsAdminAsync();
        var user = await app.RegisterAndSignInAsync();
        Assert.Equal(HttpStatusCode.OK, await GetAccountsAsync(user.Token));
        Assert.Equal(HttpStatusCode.OK, await GetAccountsAsync(user.Token));

        (await admin.Client.PostAsync($"/v1/admin/users/{user.UserId}/disable", null, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();

        Assert.Equal(HttpStatusCode.Unauthorized, await GetAccountsAsync(user.Token));
    }

    [Fact]
    public async Task After_the_rotation_ends_a_remembered_token_of_the_removed_key_is_refused()
    {
        var user = await app.RegisterAndSignInAsync();
        var byOldKey = app.Sign(app.SigningKey, user.UserId);
        var byNewKey = app.Sign(app.NewSigningKey, user.UserId);
        Assert.Equal(HttpStatusCode.OK, await GetAccountsAsync(byOldKey));
        Assert.Equal(HttpStatusCode.OK, await GetAccountsAsync(byNewKey));

        app.FinishRotation();

        Assert.Equal(HttpStatusCode.Unauthorized, await GetAccountsAsync(byOldKey));
        Assert.Equal(HttpStatusCode.OK, await GetAccountsAsync(byNewKey));
    }

    [Fact]
    public async Task A_token_with_a_remembered_payload_and_another_signature_is_refused()
    {
        var user = await app.RegisterAndSignInAsync();
        Assert.Equal(HttpStatusCode.OK, await GetAccountsAsync(user.Token));
        var signed = user.Token[..user.Token.LastIndexOf('.')];
        var forged = $"{signed}.{Base64UrlEncoder.Encode(System.Security.Cryptography.HMACSHA256.HashData(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32), System.Text.Encoding.ASCII.GetBytes(signed)))}";

        Assert.Equal(HttpStatusCode.Unauthorized, await GetAccountsAsync(forged));
        Assert.Equal(HttpStatusCode.OK, await GetAccountsAsync(user.Token));
    }

    [Fact]
    public async Task The_cache_never_holds_more_than_its_size_and_keeps_serving_beyond_it()
    {
        var user = await app.RegisterAndSignInAsync();
        var tokens = Enumerable.Range(0, TokenCacheApp.CacheSize * 3).Select(_ => app.Sign(app.NewSigningKey, user.UserId)).ToList();

        foreach (var token in tokens)
        {
            Assert.Equal(HttpStatusCode.OK, await GetAccountsAsync(token));
            Assert.InRange(app.Cache.Count, 1, TokenCacheApp.CacheSize);
        }

        foreach (var token in tokens)
        {
            Assert.Equal(HttpStatusCode.OK, await GetAccountsAsync(token));
            Assert.InRange(app.Cache.Count, 1, TokenCacheApp.CacheSize);
        }
    }

    private async Task<HttpStatusCode> GetAccountsAsync(string token)
    {
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return (await client.GetAsync("/v1/accounts", TestContext.Current.CancellationToken)).StatusCode;
    }
}
