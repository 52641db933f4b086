using System.Security.Claims;
using Strongroom.Features.Vocabulary;
using Strongroom.Infrastructure.Common;
using Strongroom.Infrastructure.Security;

namespace Strongroom.Features.Webhooks;

public static class WebhookEndpointStatuses
{
    public const string Enabled = "enabled";
    public const string Disabled = "disabled";
}

/// <summary>Why an endpoint was disabled.</summary>
public static class WebhookDisabledReasons
{
    /// <summary>It answered 410 Gone.</summary>
    public const string Gone = "gone";

    /// <summary>A delivery still failed after the whole retry schedule.</summary>
    public const string Failing = "failing";
}

/// <summary>An endpoint as its owner sees it: never its secret.</summary>
public sealed record WebhookEndpointResponse(
    string Id, string Url, IReadOnlyList<string> EventTypes, string? Description, string Status, string? DisabledReason,
    DateTimeOffset? PreviousSecretExpiresAt, DateTimeOffset CreatedAt);

/// <summary>The answer to creating an endpoint: the only time its secret is shown.</summary>
public sealed record CreatedWebhookEndpointResponse(
    string Id, string Url, IReadOnlyList<string> EventTypes, string? Description, string Status, string Secret, DateTimeOffset CreatedAt);

/// <summary>The answer to rotating an endpoint's secret: the new secret, shown once, and until when the old one still signs.</summary>
public sealed record RotatedWebhookSecretResponse(string Id, string Secret, DateTimeOffset PreviousSecretExpiresAt);

/// <summary>A <c>webhook_endpoints</c> row, without its secrets.</summary>
public sealed class WebhookEndpointRow
{
    public const string Columns = """
        id AS Id, owner_id AS OwnerId, owner_is_staff AS OwnerIsStaff, url AS Url, description AS Description, event_types AS EventTypes,
        status AS Status, disabled_reason AS DisabledReason, previous_secret_until AS PreviousSecretUntil, fanout_cursor AS FanoutCursor, created_at AS CreatedAt
        """;

    public string Id { get; init; } = "";

    public string OwnerId { get; init; } = "";

    public bool OwnerIsStaff { get; init; }

    public string Url { get; init; } = "";

    public string? Description { get; init; }

    public string EventTypes { get; init; } = "";

    public string Status { get; init; } = "";

    public string? DisabledReason { get; init; }

    public long? PreviousSecretUntil { get; init; }

    public long FanoutCursor { get; init; }

    public long CreatedAt { get; init; }

    public IReadOnlyList<string> Types => EventTypes.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The end of the previous secret's overlap, when it is still in the future.</summary>
    public DateTimeOffset? PreviousSecretExpiresAt(TimeProvider time) =>
        PreviousSecretUntil is { } until && until > UnixMicroseconds.Now(time) ? UnixMicroseconds.ToDateTimeOffset(until) : null;

    public WebhookEndpointResponse ToResponse(TimeProvider time) =>
        new(Id, Url, Types, Description, Status, DisabledReason, PreviousSecretExpiresAt(time), UnixMicroseconds.ToDateTimeOffset(CreatedAt));
}

/// <summary>Reads the caller's own endpoints: someone else's, or a malformed id, is not found (404).</summary>
public static class WebhookEndpointStore
{
    public static async Task<WebhookEndpointRow?> FindOwnAsync(SqlDatabase database, string id, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        if (!OpaqueId.IsWellFormed(WebhookEndpointIds.Prefix, id))
        {
            return null;
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<WebhookEndpointRow>(Sql.Own, new { Id = id, OwnerId = user.UserId() });
    }

    public static ProblemHttpResult NotFound() => Strongroom.Infrastructure.Http.ApiProblems.NotFound("Webhook endpoint");

    internal static class Sql
    {
        public const string Own = $"""
            SELECT {WebhookEndpointRow.Columns} FROM webhook_endpoints WHERE id = @Id AND owner_id = @OwnerId
            """;
    }
}
