using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Strongroom.Api.Tests.Support;

/// <summary>Reads and forges tokens, to prove which ones the service refuses.</summary>
public static class Jwt
{
    public static JsonElement Header(string token) => Decode(token.Split('.')[0]);

    public static JsonElement Payload(string token) => Decode(token.Split('.')[1]);

    public static string Subject(string token) => Payload(token).GetProperty("sub").GetString()!;

    /// <summary>A token signed with <c>key</c>; a null subject makes one without <c>sub</c>, and <c>authenticatedAt</c> sets its <c>auth_time</c>.</summary>
    public static string Sign(byte[] key, string? subject, string[] roles, string issuer = "strongroom", string audience = "strongroom-api",
        DateTime? expires = null, DateTime? notBefore = null, string type = "at+jwt", DateTimeOffset? authenticatedAt = null)
    {
        var now = DateTime.UtcNow;
        var claims = new Dictionary<string, object> { ["role"] = roles, ["jti"] = Guid.NewGuid().ToString("N") };
        if (subject is not null)
        {
            claims["sub"] = subject;
        }

        if (authenticatedAt is { } at)
        {
            claims["auth_time"] = at.ToUnixTimeSeconds();
        }

        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            IssuedAt = (notBefore ?? now).AddMinutes(-1),
            NotBefore = notBefore ?? now.AddMinutes(-1),
            Expires = expires ?? now.AddMinutes(10),
            Claims = claims,
            TokenType = type,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(key), SecurityAlgorithms.HmacSha256),
        });
    }

    /// <summary>An unsigned token (<c>alg: none</c>) with the given payload.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720", Justification = "An unsigned JWT, not the C# keyword: the word RFC 7519 uses.")]
    public static string Unsigned(string payloadJson) =>
        $"{Base64UrlEncoder.Encode("""{"alg":"none","typ":"JWT"}""")}.{Base64UrlEncoder.Encode(payloadJson)}.";

    private static JsonElement Decode(string segment) =>
        JsonDocument.Parse(Encoding.UTF8.GetString(Base64UrlEncoder.DecodeBytes(segment))).RootElement.Clone();
}
