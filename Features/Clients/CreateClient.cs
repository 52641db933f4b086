using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using Microsoft.Extensions.Options;
using Strongroom.Features.Vocabulary;
using Strongroom.Infrastructure.Common;
using Strongroom.Infrastructure.Http;
using Strongroom.Infrastructure.Security;

namespace Strongroom.Features.Clients;

public sealed record CreateClientRequest(
    [Required] string OwnerId,
    [Required, StringLength(100, MinimumLength = 1)] string Name,
    [Required] IReadOnlyList<string> Scopes);

/// <summary>
/// Registers a service client for a third-party platform. It acts for its owner (an active user)
/// and only within its scopes; the secret is returned once and kept only as a hash.
/// </summary>
public static class CreateClient
{
    public static RouteHandlerBuilder MapCreateClient(this IEndpointRouteBuilder group) =>
        group.MapPost("/", HandleAsync)
            .WithName("CreateClient")
            .WithSummary("Register a service client and show its secret once")
            .RequireRecentSignIn()
            .WithDescription("The client signs in with grant_type=client_credentials and acts for ownerId within scopes (ledger:read, ledger:write). Store clientSecret now: it cannot be read again. "
                + RecentSignIn.Description + " With Auth:RequireMfaForMoneyMovement, ledger:write also needs a sign-in with a second factor (403 mfa_required).")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);

    public static async Task<Results<Created<CreatedClientResponse>, ProblemHttpResult>> HandleAsync(
        CreateClientRequest request, ClaimsPrincipal admin, HttpContext context, SqlDatabase database, AuditLog audit, TimeProvider time, IOptions<AuthOptions> auth,
        CancellationToken cancellationToken)
    {
        var scopes = request.Scopes.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        if (scopes.Count == 0 || scopes.Any(scope => !Scopes.All.Contains(scope)))
        {
            return ApiProblems.BadRequest("invalid_scopes", $"scopes must be one or more of: {string.Join(", ", Scopes.All)}.");
        }

        // Such a client moves money with no second factor (it has no person to ask), so making one
        // must not be easier than moving money: it takes the admin's own second factor.
        if (auth.Value.RequireMfaForMoneyMovement && scopes.Contains(Scopes.LedgerWrite) && !admin.UsedMultipleFactors())
        {
            return MfaRequirement.Problem();
        }

        if (!OpaqueId.IsWellFormed(UserIds.Prefix, request.OwnerId))
        {
            return ApiProblems.NotFound("User");
        }

        var secret = OpaqueSecret.New();
        var row = new NewClient
        {
            Id = OpaqueId.New(ClientIds.Prefix, time),
            OwnerId = request.OwnerId,
            Name = request.Name.Trim(),
            SecretHash = OpaqueSecret.Hash(secret),
            Scopes = string.Join(' ', scopes),
            CreatedBy = admin.UserId(),
            CreatedAt = UnixMicroseconds.Now(time),
        };

        await using (var connection = await database.OpenAsync(cancellationToken))
        {
            if (await connection.QuerySingleOrDefaultAsync<string>(Sql.OwnerStatus, new { request.OwnerId }) != UserStatuses.Active)
            {
                return ApiProblems.NotFound("User");
            }

            await connection.ExecuteAsync(Sql.Insert, row);
        }

        await audit.RecordAsync(new AuditEvent("client_created", ActorId: row.CreatedBy, Target: row.Id, Details: $"owner={row.OwnerId} scopes={row.Scopes}"), context, cancellationToken);
        return TypedResults.Created($"/v1/admin/clients/{row.Id}",
            new CreatedClientResponse(row.Id, row.OwnerId, row.Name, scopes, ClientStatuses.Active, UnixMicroseconds.ToDateTimeOffset(row.CreatedAt), secret));
    }

    public sealed class NewClient
    {
        public string Id { get; init; } = "";

        public string OwnerId { get; init; } = "";

        public string Name { get; init; } = "";

        public string SecretHash { get; init; } = "";

        public string Scopes { get; init; } = "";

        public string CreatedBy { get; init; } = "";

        public long CreatedAt { get; init; }
    }

    private static class Sql
    {
        public const string OwnerStatus = """
            SELECT status FROM users WHERE id = @OwnerId
            """;

        public const string Insert = """
            INSERT INTO service_clients (id, owner_id, name, secret_hash, scopes, status, created_by, created_at)
            VALUES (@Id, @OwnerId, @Name, @SecretHash, @Scopes, 'active', @CreatedBy, @CreatedAt)
            """;
    }
}
