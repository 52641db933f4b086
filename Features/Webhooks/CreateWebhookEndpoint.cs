using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Strongroom.Features.Vocabulary;
using Strongroom.Infrastructure.Common;
using Strongroom.Infrastructure.Events;
using Strongroom.Infrastructure.Http;
using Strongroom.Infrastructure.Security;

namespace Strongroom.Features.Webhooks;

public sealed record CreateWebhookEndpointRequest(
    [Required, StringLength(WebhookAddresses.MaxUrlLength, MinimumLength = 1)] string Url,
    [Required] IReadOnlyList<string> EventTypes,
    [StringLength(200)] string? Description);

/// <summary>
/// Registers an endpoint for the caller's events. It receives what happens after it is created:
/// a customer's, the events about their own accounts; staff's, every event of its types.
/// </summary>
public static class CreateWebhookEndpoint
{
    public static RouteHandlerBuilder MapCreateWebhookEndpoint(this IEndpointRouteBuilder group) =>
        group.MapPost("/", HandleAsync)
            .WithName("CreateWebhookEndpoint")
            .WithSummary("Register a webhook endpoint and show its signing secret once")
            .WithDescription("Deliveries follow Standard Webhooks 1.0: a POST of the event with webhook-id, webhook-timestamp and webhook-signature (v1, HMAC-SHA256 under the secret). "
                + "eventTypes are one or more of the event types; url must be https and may not point at a private, loopback, link-local or cloud metadata address (400 webhook_url_not_allowed). "
                + "Store secret now: it cannot be read again (rotate-secret makes a new one).")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden);

    public static async Task<Results<Created<CreatedWebhookEndpointResponse>, ProblemHttpResult>> HandleAsync(
        CreateWebhookEndpointRequest request, ClaimsPrincipal user, SqlDatabase database, PersonalDataProtector protector, TimeProvider time,
        IHostEnvironment environment, IOptions<WebhookOptions> options, CancellationToken cancellationToken)
    {
        var types = request.EventTypes.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        if (types.Count == 0 || types.Any(type => !EventTypes.IsSubscribable(type)))
        {
            return ApiProblems.BadRequest("invalid_event_types", $"eventTypes must be one or more of: {string.Join(", ", EventTypes.Subscribable)}.");
        }

        if (await WebhookAddresses.RefusalAsync(request.Url, environment.IsDevelopment() || options.Value.AllowHttp, options.Value.AllowPrivateNetworks, cancellationToken) is { } refusal)
        {
            return ApiProblems.BadRequest("webhook_url_not_allowed", refusal);
        }

        var id = OpaqueId.New(WebhookEndpointIds.Prefix, time);
        var secret = WebhookSecrets.New();
        var row = new NewEndpoint
        {
            Id = id,
            OwnerId = user.UserId(),
            OwnerIsStaff = user.IsStaff(),
            Url = request.Url,
            Description = string.IsNullOrWhiteSpace(request.Description) ? null : request.Description.Trim(),
            EventTypes = string.Join(' ', types),
            Secret = protector.Protect(secret, WebhookEndpointIds.SecretContext(id)),
            CreatedAt = UnixMicroseconds.Now(time),
        };

        await using (var connection = await database.OpenAsync(cancellationToken))
        {
            // The cursor starts at the last event committed: the endpoint receives what happens from now on.
            await connection.ExecuteAsync(Sql.Insert, row);
        }

        return TypedResults.Created($"/v1/webhooks/endpoints/{id}",
            new CreatedWebhookEndpointResponse(id, row.Url, types, row.Description, WebhookEndpointStatuses.Enabled, secret, UnixMicroseconds.ToDateTimeOffset(row.CreatedAt)));
    }

    public sealed class NewEndpoint
    {
        public string Id { get; init; } = "";

        public string OwnerId { get; init; } = "";

        public bool OwnerIsStaff { get; init; }

        public string Url { get; init; } = "";

        public string? Description { get; init; }

        public string EventTypes { get; init; } = "";

        public string Secret { get; init; } = "";

        public long CreatedAt { get; init; }
    }

    private static class Sql
    {
        public const string Insert = """
            INSERT INTO webhook_endpoints (id, owner_id, owner_is_staff, url, description, event_types, status, secret, fanout_cursor, created_at)
            SELECT @Id, @OwnerId, @OwnerIsStaff, @Url, @Description, @EventTypes, 'enabled', @Secret, last_sequence, @CreatedAt
            FROM event_counter WHERE id = 1
            """;
    }
}
