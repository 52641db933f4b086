using System.Security.Cryptography;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using Strongroom.Infrastructure.Security;

namespace Strongroom.Api.Tests.Support;

/// <summary>
/// A small validated-token cache on a clock the tests move, mid-rotation like
/// <see cref="RotatedSigningKeyApp"/> (a new key signs, the fixture's original one is a previous
/// key), and able to finish the rotation while running, as a reload of the options would.
/// </summary>
public sealed class TokenCacheApp : SqliteApp, IClockedApp
{
    public const int CacheSize = 8;

    private volatile bool _rotated;

    public TestClock Clock { get; } = new();

    public byte[] NewSigningKey { get; } = RandomNumberGenerator.GetBytes(32);

    /// <summary>The cache our bearer scheme validates with now.</summary>
    public ValidatedTokenCache Cache => Services.GetRequiredService<IOptionsMonitor<JwtBearerOptions>>()
        .Get(JwtBearerDefaults.AuthenticationScheme).TokenHandlers.OfType<ValidatedTokenCache>().Single();

    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["Auth:ValidatedTokenCacheSize"] = CacheSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Auth:SigningKey"] = Convert.ToBase64String(NewSigningKey),
        ["Auth:PreviousSigningKeys:0"] = Convert.ToBase64String(SigningKey),
    };

    /// <summary>The previous key leaves the configuration and the bearer options are built again.</summary>
    public void FinishRotation()
    {
        _rotated = true;
        Services.GetRequiredService<IOptionsMonitorCache<JwtBearerOptions>>().TryRemove(JwtBearerDefaults.AuthenticationScheme);
    }

    /// <summary>A customer token for <paramref name="userId"/> signed with <paramref name="key"/>, valid by <see cref="Clock"/>.</summary>
    public string Sign(byte[] key, string userId)
    {
        var now = Clock.GetUtcNow().UtcDateTime;
        return Jwt.Sign(key, userId, ["customer"], notBefore: now.AddMinutes(-1), expires: now.AddMinutes(10));
    }

    protected override void ConfigureServices(IServiceCollection services)
    {
        services.AddSingleton<TimeProvider>(Clock);
        services.PostConfigure<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme, jwt =>
        {
            if (_rotated)
            {
                jwt.TokenValidationParameters.IssuerSigningKeys = [new SymmetricSecurityKey(NewSigningKey)];
            }
        });
    }
}
