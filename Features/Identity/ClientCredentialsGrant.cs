using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Primitives;
using Strongroom.Features.Vocabulary;
using Strongroom.Infrastructure.Security;

namespace Strongroom.Features.Identity;

/// <summary>
/// RFC 6749 §4.4: a service client authenticates with its id and secret (HTTP Basic, §2.3.1, or
/// the client_id/client_secret form fields) and gets an access token for its owner, limited to its
/// scopes or the subset it asks for. No refresh token (§4.4.3): it can always authenticate again.
/// Failures count against the client and the address like failed sign-ins, and lock the same way.
/// </summary>
public static class ClientCredentialsGrant
{
    public static async Task<Results<Ok<TokenResponse>, BadRequest<TokenError>, JsonHttpResult<TokenError>, ProblemHttpResult>> HandleAsync(
        IFormCollection form, HttpContext context, SqlDatabase database, AccessTokenIssuer issuer, SignInThrottle throttle, AuditLog audit,
        CancellationToken cancellationToken)
    {
        if (!TryReadCredentials(context.Request, form, out var clientId, out var secret, out var usedBasic))
        {
            return TypedResults.BadRequest(new TokenError("invalid_request", "Authenticate the client once: HTTP Basic or client_id and client_secret."));
        }

        var (subject, ip) = (SignInThrottle.ClientSubject(clientId), SignInThrottle.IpSubject(context));
        if (await throttle.RefuseIfLockedAsync(subject, ip, context, cancellationToken) is { } locked)
        {
            return locked;
        }

        StoredClient? client;
        await using (var connection = await database.OpenAsync(cancellationToken))
        {
            client = await connection.QuerySingleOrDefaultAsync<StoredClient>(Sql.Find, new { Id = clientId });
        }

        // An unknown, revoked or ownerless client gets the same answer as a wrong secret.
        if (client is null || !OpaqueSecret.Matches(secret, client.SecretHash)
            || client.Status != ClientStatuses.Active || client.OwnerStatus != UserStatuses.Active)
        {
            await throttle.RecordFailureAsync("client_authentication_failed", subject, ip, client?.Id, details: null, context, cancellationToken);
            if (usedBasic)
            {
                context.Response.Headers.WWWAuthenticate = "Basic realm=\"strongroom\"";
            }

            // §5.2: invalid_client is a 401.
            return TypedResults.Json(new TokenError("invalid_client"), StrongroomJsonContext.Default.TokenError, statusCode: StatusCodes.Status401Unauthorized);
        }

        var granted = client.Scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var requested = form["scope"].ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (requested.Except(granted, StringComparer.Ordinal).Any())
        {
            return TypedResults.BadRequest(new TokenError("invalid_scope", "scope may only name scopes this client was granted."));
        }

        var scopes = requested.Length > 0 ? [.. requested.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)] : granted;
        await throttle.RecordSuccessAsync(subject, cancellationToken);
        await audit.RecordAsync(new AuditEvent("client_token_issued", ActorId: client.Id, Target: client.OwnerId, Details: string.Join(' ', scopes)), context, cancellationToken);
        var token = issuer.IssueForClient(client.Id, client.OwnerId, scopes);
        return TypedResults.Ok(new TokenResponse(token.Token, "Bearer", token.ExpiresInSeconds, RefreshToken: null, Scope: string.Join(' ', scopes)));
    }

    /// <summary>Exactly one way of authenticating: two at once is an invalid request (§2.3).</summary>
    private static bool TryReadCredentials(HttpRequest request, IFormCollection form, out string clientId, out string secret, out bool usedBasic)
    {
        (clientId, secret, usedBasic) = ("", "", false);
        var formId = form["client_id"];
        var formSecret = form["client_secret"];
        if (AuthenticationHeaderValue.TryParse(request.Headers.Authorization, out var header)
            && string.Equals(header.Scheme, "Basic", StringComparison.OrdinalIgnoreCase))
        {
            if (!StringValues.IsNullOrEmpty(formSecret) || !TryDecodeBasic(header.Parameter, out clientId, out secret))
            {
                return false;
            }

            usedBasic = true;
            return StringValues.IsNullOrEmpty(formId) || formId.ToString() == clientId;
        }

        (clientId, secret) = (formId.ToString(), formSecret.ToString());
        return clientId.Length > 0 && secret.Length > 0;
    }

    /// <summary>§2.3.1: id and secret are each form-urlencoded, joined by ':' and base64-encoded.</summary>
    private static bool TryDecodeBasic(string? parameter, out string clientId, out string secret)
    {
        (clientId, secret) = ("", "");
        var bytes = new byte[((parameter?.Length ?? 0) * 3 / 4) + 3];
        if (parameter is null || !Convert.TryFromBase64String(parameter, bytes, out var written))
        {
            return false;
        }

        var pair = Encoding.UTF8.GetString(bytes, 0, written);
        var colon = pair.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || colon == pair.Length - 1)
        {
            return false;
        }

        clientId = Uri.UnescapeDataString(pair[..colon].Replace('+', ' '));
        secret = Uri.UnescapeDataString(pair[(colon + 1)..].Replace('+', ' '));
        return true;
    }

    public sealed class StoredClient
    {
        public string Id { get; init; } = "";

        public string OwnerId { get; init; } = "";

        public string SecretHash { get; init; } = "";

        public string Scopes { get; init; } = "";

        public string Status { get; init; } = "";

        public string OwnerStatus { get; init; } = "";
    }

    private static class Sql
    {
        public const string Find = """
            SELECT c.id AS Id, c.owner_id AS OwnerId, c.secret_hash AS SecretHash, c.scopes AS Scopes, c.status AS Status, u.status AS OwnerStatus
            FROM service_clients c JOIN users u ON u.id = c.owner_id
            WHERE c.id = @Id
            """;
    }
}
