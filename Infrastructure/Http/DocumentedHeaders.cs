namespace Strongroom.Infrastructure.Http;

/// <summary>
/// The response headers the service sends that a client may rely on: one name each, declared
/// once here and documented once (components/headers of the OpenAPI document).
/// </summary>
public static class ResponseHeaders
{
    public const string Location = "Location";
    public const string RetryAfter = "Retry-After";
    public const string WwwAuthenticate = "WWW-Authenticate";
    public const string CacheStatus = "Cache-Status";
    public const string CacheControl = "Cache-Control";
    public const string IdempotencyReplayed = "Idempotency-Replayed";
    public const string PreferenceApplied = "Preference-Applied";
}

/// <summary>
/// Endpoint metadata: this endpoint sends <paramref name="Name"/> (one of <see cref="ResponseHeaders"/>)
/// on the responses with <paramref name="Statuses"/> (every response when empty). The API document
/// lists it there, required when <paramref name="Required"/>.
/// </summary>
public sealed record SendsHeader(string Name, bool Required, params int[] Statuses);

/// <summary>Endpoint metadata: a 201 of this endpoint has no <c>Location</c> (it creates several resources, or none with a URL).</summary>
public sealed record NoLocationHeader;
