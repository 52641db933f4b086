using System.Security.Cryptography;

namespace Strongroom.Api.Tests.Support;

/// <summary>Mid-rotation: a new signing key signs, the fixture's original key is listed in Auth:PreviousSigningKeys.</summary>
public sealed class RotatedSigningKeyApp : SqliteApp
{
    public byte[] NewSigningKey { get; } = RandomNumberGenerator.GetBytes(32);

    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["Auth:SigningKey"] = Convert.ToBase64String(NewSigningKey),
        ["Auth:PreviousSigningKeys:0"] = Convert.ToBase64String(SigningKey),
    };
}
