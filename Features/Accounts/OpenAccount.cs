using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using System.Text.Json;
using Strongroom.Features.Vocabulary;
using Strongroom.Infrastructure.Common;
using Strongroom.Infrastructure.Events;
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
            Status = AccountStatuses.Active,
            CreatedAt = UnixMicroseconds.Now(time),
        };

        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // The first account of a currency brings the currency's settlement account into being, so
        // deposits and withdrawals always have a counterparty.
        await connection.ExecuteAsync(database.Pick(Sqlite.EnsureSettlement, SqlServer.EnsureSettlement), new
        {
            Id = OpaqueId.New(AccountIds.Prefix, time),
            Name = $"{request.Currency} settlement",
            account.Currency,
            account.CreatedAt,
        }, transaction);
        await connection.ExecuteAsync(Sql.Insert, account, transaction);
        var response = account.ToResponse();
        await EventLog.WriteAsync(connection, transaction, database, account.CreatedAt,
            [new NewEvent(EventTypes.AccountOpened, JsonSerializer.Serialize(response, StrongroomJsonContext.Default.AccountResponse), account.OwnerId, null)]);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Created($"/v1/accounts/{account.Id}", response);
    }

    private static class Sql
    {
        public const string Insert = """
            INSERT INTO accounts (id, owner_id, kind, name, currency, status, posted, pending_debits, pending_credits, overdraft_limit, last_sequence, created_at)
            VALUES (@Id, @OwnerId, 'customer', @Name, @Currency, @Status, 0, 0, 0, 0, 0, @CreatedAt)
            """;
    }

    private static class Sqlite
    {
        public const string EnsureSettlement = """
            INSERT INTO accounts (id, owner_id, kind, name, currency, status, posted, pending_debits, pending_credits, overdraft_limit, last_sequence, created_at)
            SELECT @Id, NULL, 'settlement', @Name, @Currency, 'active', 0, 0, 0, 0, 0, @CreatedAt
            WHERE NOT EXISTS (SELECT 1 FROM accounts WHERE kind = 'settlement' AND currency = @Currency)
            """;
    }

    private static class SqlServer
    {
        public const string EnsureSettlement = """
            IF NOT EXISTS (SELECT 1 FROM accounts WITH (UPDLOCK, HOLDLOCK) WHERE kind = N'settlement' AND currency = @Currency)
                INSERT INTO accounts (id, owner_id, kind, name, currency, status, posted, pending_debits, pending_credits, overdraft_limit, last_sequence, created_at)
                VALUES (@Id, NULL, N'settlement', @Name, @Currency, N'active', 0, 0, 0, 0, 0, @CreatedAt);
            """;
    }
}
