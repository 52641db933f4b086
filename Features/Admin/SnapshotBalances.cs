using System.Runtime.CompilerServices;

namespace Strongroom.Features.Admin;

/// <summary>One account's balances in the snapshot; <c>ownerId</c> is null for settlement accounts.</summary>
public sealed class BalanceSnapshotRow
{
    public string AccountId { get; init; } = "";

    public string? OwnerId { get; init; }

    public string Kind { get; init; } = "";

    public string Currency { get; init; } = "";

    public long Posted { get; init; }

    public long PendingDebits { get; init; }

    public long PendingCredits { get; init; }
}

public static class SnapshotBalances
{
    public static RouteHandlerBuilder MapSnapshotBalances(this IEndpointRouteBuilder group) =>
        group.MapGet("/balances", Handle)
            .WithName("SnapshotBalances")
            .WithSummary("Every account's balances, read in one consistent snapshot and streamed")
            .WithDescription("For audits and invariant checks: per currency, posted balances sum to zero in any snapshot.");

    public static IAsyncEnumerable<BalanceSnapshotRow> Handle(SqlDatabase database, CancellationToken cancellationToken) =>
        StreamAsync(database, cancellationToken);

    private static async IAsyncEnumerable<BalanceSnapshotRow> StreamAsync(SqlDatabase database, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await SqlDatabase.BeginReadSnapshotAsync(connection, cancellationToken);
        await foreach (var row in connection.QueryUnbufferedAsync<BalanceSnapshotRow>(Sql.All, transaction: transaction).WithCancellation(cancellationToken))
        {
            yield return row;
        }

        await transaction.CommitAsync(cancellationToken);
    }

    private static class Sql
    {
        public const string All = """
            SELECT id AS AccountId, owner_id AS OwnerId, kind AS Kind, currency AS Currency, posted AS Posted,
                   pending_debits AS PendingDebits, pending_credits AS PendingCredits
            FROM accounts ORDER BY id
            """;
    }
}
