using System.Security.Cryptography;
using System.Text;
using Strongroom.Infrastructure.Security;

namespace Strongroom.Features.Webhooks;

/// <summary>
/// Endpoint signing secrets (<c>whsec_</c> + base64 of 32 random bytes) and Standard Webhooks 1.0
/// signatures. A secret must be recoverable to sign, so it is stored encrypted under the data keys
/// (<see cref="PersonalDataProtector"/>, bound to the endpoint's row), never hashed, never logged.
/// </summary>
public static class WebhookSecrets
{
    public const string Prefix = "whsec_";
    private const int SecretBytes = 32;

    public static string New() => Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(SecretBytes));

    public static byte[] KeyOf(string secret) => Convert.FromBase64String(secret[Prefix.Length..]);

    /// <summary>
    /// The <c>webhook-signature</c> value: one signature per key, space-separated. With several, the
    /// first is repeated at the end: the StandardWebhooks .NET package (1.1.2) never compares the
    /// last of several signatures, so without it a receiver still on the old secret would fail
    /// there during a rotation; to every other implementation it is a harmless duplicate.
    /// </summary>
    public static string SignatureHeader(IReadOnlyList<byte[]> keys, string webhookId, long timestamp, ReadOnlySpan<byte> body)
    {
        var signatures = new List<string>(keys.Count + 1);
        foreach (var key in keys)
        {
            signatures.Add(Sign(key, webhookId, timestamp, body));
        }

        if (signatures.Count > 1)
        {
            signatures.Add(signatures[0]);
        }

        return string.Join(' ', signatures);
    }

    /// <summary><c>v1,</c> + base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}")), as Standard Webhooks 1.0 says.</summary>
    public static string Sign(byte[] key, string webhookId, long timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes($"{webhookId}.{timestamp}.");
        var content = new byte[prefix.Length + body.Length];
        prefix.CopyTo(content, 0);
        body.CopyTo(content.AsSpan(prefix.Length));
        return "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, content));
    }
}
