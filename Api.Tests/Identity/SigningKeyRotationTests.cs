using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Strongroom.Api.Tests.Support;

namespace Strongroom.Api.Tests.Identity;

public sealed class SigningKeyRotationTests(RotatedSigningKeyApp app) : IClassFixture<RotatedSigningKeyApp>
{
    [Fact]
    public async Task Tokens_signed_with_the_previous_key_still_work_while_new_ones_are_signed_with_the_new_key()
    {
        var user = await app.RegisterAndSignInAsync();

        var byOldKey = await GetAccountsAsync(Jwt.Sign(app.SigningKey, user.UserId, ["customer"]));
        var byNewKey = await GetAccountsAsync(Jwt.Sign(app.NewSigningKey, user.UserId, ["customer"]));
        var byOtherKey = await GetAccountsAsync(Jwt.Sign(RandomNumberGenerator.GetBytes(32), user.UserId, ["customer"]));
        // What the service issues now verifies under the new key alone, so the old one can be dropped later.
        var issued = Microsoft.IdentityModel.Tokens.Base64UrlEncoder.DecodeBytes(user.Token.Split('.')[2]);
        var expected = HMACSHA256.HashData(app.NewSigningKey, System.Text.Encoding.ASCII.GetBytes(user.Token[..user.Token.LastIndexOf('.')]));

        Assert.Equal(HttpStatusCode.OK, byOldKey);
        Assert.Equal(HttpStatusCode.OK, byNewKey);
        Assert.Equal(HttpStatusCode.Unauthorized, byOtherKey);
        Assert.Equal(expected, issued);
    }

    private async Task<HttpStatusCode> GetAccountsAsync(string token)
    {
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return (await client.GetAsync("/v1/accounts", TestContext.Current.CancellationToken)).StatusCode;
    }
}
