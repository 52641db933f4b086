using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Strongroom.Api.Tests.Support;

/// <summary>
/// A real OpenID Connect authority, as far as a resource server sees one: Kestrel on a free
/// loopback port serving discovery and a JWKS with one RSA (RS256) and one P-256 (ES256) key, and
/// the private halves to mint access tokens with. It counts what it serves, so a test can tell
/// that discovery and keys were really fetched.
/// </summary>
public sealed class FakeOpenIdProvider : IAsyncDisposable
{
    public const string RsaKeyId = "rsa-1";
    public const string EcKeyId = "ec-1";

    private readonly WebApplication _app;
    private readonly RSA _rsa = RSA.Create(2048);
    private readonly ECDsa _ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private int _discoveryRequests;
    private int _jwksRequests;
    private int _requests;

    private FakeOpenIdProvider(WebApplication app) => _app = app;

    /// <summary>The issuer, which is also the authority URL: <c>http://127.0.0.1:port</c>.</summary>
    public string Issuer { get; private set; } = "";

    public int DiscoveryRequests => Volatile.Read(ref _discoveryRequests);

    public int JwksRequests => Volatile.Read(ref _jwksRequests);

    /// <summary>Every request received, on any path, so a test can tell that nothing at all was fetched from it.</summary>
    public int Requests => Volatile.Read(ref _requests);

    public SigningCredentials Rs256 => new(new RsaSecurityKey(_rsa) { KeyId = RsaKeyId }, SecurityAlgorithms.RsaSha256);

    public SigningCredentials Es256 => new(new ECDsaSecurityKey(_ec) { KeyId = EcKeyId }, SecurityAlgorithms.EcdsaSha256);

    public static async Task<FakeOpenIdProvider> StartAsync()
    {
        // The empty builder reads no configuration files, so nothing of the service's leaks in.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore();
        builder.Services.AddRoutingCore();
        var app = builder.Build();
        app.Urls.Add("http://127.0.0.1:0");
        var provider = new FakeOpenIdProvider(app);
        app.Use((context, next) =>
        {
            Interlocked.Increment(ref provider._requests);
            return next(context);
        });
        app.MapGet("/.well-known/openid-configuration", provider.DiscoveryAsync);
        app.MapGet("/jwks", provider.JwksAsync);
        await app.StartAsync(TestContext.Current.CancellationToken);
        provider.Issuer = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single().TrimEnd('/');
        return provider;
    }

    /// <summary>An access token as the authority would issue it; every part can be overridden to make a bad one.</summary>
    public string Mint(string subject, SigningCredentials? signing = null, string? issuer = null, string audience = "strongroom-api",
        DateTime? expires = null, IDictionary<string, object>? claims = null)
    {
        var now = DateTime.UtcNow;
        var all = new Dictionary<string, object> { ["sub"] = subject };
        foreach (var (type, value) in claims ?? new Dictionary<string, object>())
        {
            all[type] = value;
        }

        var notBefore = expires is { } end && end < now ? end.AddMinutes(-20) : now.AddMinutes(-1);
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer ?? Issuer,
            Audience = audience,
            IssuedAt = notBefore,
            NotBefore = notBefore,
            Expires = expires ?? now.AddMinutes(10),
            Claims = all,
            SigningCredentials = signing ?? Rs256,
        });
    }

    private Task DiscoveryAsync(HttpContext context)
    {
        Interlocked.Increment(ref _discoveryRequests);
        return WriteJsonAsync(context, new Dictionary<string, object>
        {
            ["issuer"] = Issuer,
            ["jwks_uri"] = $"{Issuer}/jwks",
            ["authorization_endpoint"] = $"{Issuer}/authorize",
            ["token_endpoint"] = $"{Issuer}/token",
            ["response_types_supported"] = new[] { "code" },
            ["subject_types_supported"] = new[] { "public" },
            ["id_token_signing_alg_values_supported"] = new[] { "RS256", "ES256" },
        });
    }

    private Task JwksAsync(HttpContext context)
    {
        Interlocked.Increment(ref _jwksRequests);
        var rsa = _rsa.ExportParameters(includePrivateParameters: false);
        var ec = _ec.ExportParameters(includePrivateParameters: false);
        return WriteJsonAsync(context, new Dictionary<string, object>
        {
            ["keys"] = new object[]
            {
                new Dictionary<string, string>
                {
                    ["kty"] = "RSA", ["use"] = "sig", ["alg"] = "RS256", ["kid"] = RsaKeyId,
                    ["n"] = Base64UrlEncoder.Encode(rsa.Modulus), ["e"] = Base64UrlEncoder.Encode(rsa.Exponent),
                },
                new Dictionary<string, string>
                {
                    ["kty"] = "EC", ["use"] = "sig", ["alg"] = "ES256", ["kid"] = EcKeyId, ["crv"] = "P-256",
                    ["x"] = Base64UrlEncoder.Encode(ec.Q.X), ["y"] = Base64UrlEncoder.Encode(ec.Q.Y),
                },
            },
        });
    }

    private static async Task WriteJsonAsync(HttpContext context, Dictionary<string, object> body)
    {
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(JsonSerializer.Serialize(body), context.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        _rsa.Dispose();
        _ec.Dispose();
    }
}
