using System.Security.Claims;
using Microsoft.Extensions.Options;
using Strongroom.Features.Vocabulary;
using Strongroom.Infrastructure.Common;
using Strongroom.Infrastructure.Security;

namespace Strongroom.Features.Webhooks;

/// <summary>
/// A new signing secret, shown once. For <c>Webhooks:SecretOverlap</c> every delivery carries two
/// signatures, under the new secret and the old, so a receiver can roll over without losing one.
/// </summary>
public static class RotateWebhookSecret
{
    public static RouteHandlerBuilder MapRotateWebhookSecret(this IEndpointRouteBuilder group) =>
        group.MapPost("/{id}/rotate-secret", HandleAsync)
            .WithName("RotateWebhookSecret")
            .WithSummary("Replace an endpoint's signing secret; the old one keeps signing for a while")
            .WithDescription("Returns the new secret, once. Until previousSecretExpiresAt (24 hours by default) deliveries are signed with both secrets, space-separated in webhook-signature. 404 when the caller has no endpoint with this id.")
            .ProducesProblem(StatusCodes.Status404NotFound);

    public static async Task<Results<Ok<RotatedWebhookSecretResponse>, ProblemHttpResult>> HandleAsync(
        string id, ClaimsPrincipal user, HttpContext context, SqlDatabase database, PersonalDataProtector protector, AuditLog audit, TimeProvider time,
        IOptions<WebhookOptions> options, CancellationToken cancellationToken)
    {
        if (!OpaqueId.IsWellFormed(WebhookEndpointIds.Prefix, id))
        {
            return WebhookEndpointStore.NotFound();
        }

        var secret = WebhookSecrets.New();
        var until = time.GetUtcNow() + options.Value.SecretOverlap;
        int rotated;
        await using (var connection = await database.OpenAsync(cancellationToken))
        {
            rotated = await connection.ExecuteAsync(Sql.Rotate, new
            {
                Id = id,
                OwnerId = user.UserId(),
                Secret = protector.Protect(secret, WebhookEndpointIds.SecretContext(id)),
                Until = UnixMicroseconds.From(until),
            });
        }

        if (rotated == 0)
        {
            return WebhookEndpointStore.NotFound();
        }

        await audit.RecordAsync(new AuditEvent("webhook_secret_rotated", ActorId: user.UserId(), Target: id), context, cancellationToken);
        return TypedResults.Ok(new RotatedWebhookSecretResponse(id, secret, UnixMicroseconds.ToDateTimeOffset(UnixMicroseconds.From(until))));
    }

    private static class Sql
    {
        // Both columns are encrypted under the same row-bound context, so the old value moves as it is.
        public const string Rotate = """
            UPDATE webhook_endpoints SET previous_secret = secret, previous_secret_until = @Until, secret = @Secret
            WHERE id = @Id AND owner_id = @OwnerId
            """;
    }
}
