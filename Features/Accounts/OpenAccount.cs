using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using Strongroom.Infrastructure.Common;
using Strongroom.Infrastructure.Money;
using Strongroom.Infrastructure.Security;

namespace Strongroom.Features.Accounts;

public sealed record OpenAccountRequest(
    [Required, Iso4217] string Currency,
    [Required, StringLength(100, MinimumLength = 1)] string Name);

public static class OpenAccount
{
    public static RouteHandlerBuilder MapOpenAccount(this IEndpointRouteBuilder group) =>
        group.MapPost("/", HandleAsync)
            .WithName("OpenAccount")
            .WithSummary("Open an account for the caller")
            .WithDescription("Opens an active account in one ISO 4217 currency with a zero balance.")
            .ProducesValidationProblem();

    public static async Task<Created<AccountResponse>> HandleAsync(
        OpenAccountRequest request, ClaimsPrincipal user, SqlDatabase database, TimeProvider time, CancellationToken cancellationToken)
    {
        var account = new AccountRow
        {
            Id = OpaqueId.New(AccountIds.Prefix, time),
            OwnerId = user.UserId(),
            Name = request.Name.Trim(),
            Currency = request.Currency,
            Status = "active",
            CreatedAt = UnixMicroseconds.Now(time),
        };

        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(Sql.Insert, account);
        return TypedResults.Created($"/v1/accounts/{account.Id}", account.ToResponse());
    }

    private static class Sql
    {
        public const string Insert = """
            INSERT INTO accounts (id, owner_id, name, currency, status, posted, pending_debits, pending_credits, created_at)
            VALUES (@Id, @OwnerId, @Name, @Currency, @Status, 0, 0, 0, @CreatedAt)
            """;
    }
}
