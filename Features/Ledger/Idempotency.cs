using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Primitives;
using Strongroom.Infrastructure.Http;

namespace Strongroom.Features.Ledger;

/// <summary>
/// The Idempotency-Key header (draft-ietf-httpapi-idempotency-key-header): required on every
/// money-moving POST, remembered per caller with a hash of the request it came with.
/// </summary>
public static class Idempotency
{
    public const string Header = "Idempotency-Key";
    public const string ReplayedHeader = "Idempotency-Replayed";
    public const int MaxKeyLength = 255;

    /// <summary>
    /// A 400 when the key is missing, sent more than once (a proxy would join the values into one
    /// key), too long, or not printable ASCII; else null.
    /// </summary>
    public static ProblemHttpResult? Refuse(StringValues keys) =>
        keys.Count == 1 && keys[0] is { Length: > 0 and <= MaxKeyLength } key && !string.IsNullOrWhiteSpace(key) && !key.AsSpan().ContainsAnyExceptInRange(' ', '~')
            ? null
            : ApiProblems.BadRequest("idempotency_key_missing", $"Money-moving requests need one {Header} header of 1 to {MaxKeyLength} printable ASCII characters.");

    /// <summary>SHA-256 of the operation and the request as the API understood it (canonical JSON).</summary>
    public static string Hash<T>(string operation, T request, JsonTypeInfo<T> typeInfo)
    {
        var payload = JsonSerializer.SerializeToUtf8Bytes(request, typeInfo);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(Encoding.UTF8.GetBytes(operation + "\n"));
        sha.AppendData(payload);
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }
}
