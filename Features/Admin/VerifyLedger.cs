
namespace Strongroom.Features.Admin;

public sealed record Discrepancy(string Kind, string Subject, string Detail);

public sealed record VerifyLedgerResponse(bool Ok, long Accounts, long Transfers, long Entries, IReadOnlyList<Discrepancy> Discrepancies);

/// <summary>
/// Recomputes the ledger's invariants from its rows, all in one consistent snapshot: per
/// currency the balances sum to zero; every balance equals the sum of its entries; every
/// transfer's entries sum to zero; pending amounts equal the open holds; entry numbers have no gaps.
/// </summary>
public static class VerifyLedger
{
    public static RouteHandlerBuilder MapVerifyLedger(this IEndpointRouteBuilder group) =>
        group.MapGet("/verify", HandleAsync)
            .WithName("VerifyLedger")
            .WithSummary("Check every ledger invariant and list what does not hold")
            .WithDescription("Admins only. Recomputes every balance from the entries and checks that each currency sums to zero; an empty list of discrepancies means the ledger is consistent.");

    public static async Task<Ok<VerifyLedgerResponse>> HandleAsync(SqlDatabase database, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await SqlDatabase.BeginReadSnapshotAsync(connection, cancellationToken);
        var discrepancies = new List<Discrepancy>();
        foreach (var (kind, sql) in Checks)
        {
            var rows = await connection.QueryAsync<CheckRow>(sql, transaction: transaction);
            discrepancies.AddRange(rows.Select(row => new Discrepancy(kind, row.Subject, $"expected {row.Expected}, found {row.Actual}")));
        }

        var counts = await connection.QuerySingleAsync<Counts>(Sql.Counts, transaction: transaction);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Ok(new VerifyLedgerResponse(discrepancies.Count == 0, counts.Accounts, counts.Transfers, counts.Entries, discrepancies));
    }

    private static readonly (string Kind, string Sql)[] Checks =
    [
        ("currency_not_balanced", Sql.CurrencyTotals),
        ("currency_pending_not_balanced", Sql.CurrencyPending),
        ("balance_differs_from_entries", Sql.BalanceVersusEntries),
        ("transfer_entries_not_balanced", Sql.TransferEntries),
        ("posted_transfer_entries_wrong", Sql.PostedTransferEntries),
        ("pending_debits_differ_from_holds", Sql.PendingDebits),
        ("pending_credits_differ_from_holds", Sql.PendingCredits),
        ("entry_sequence_gap", Sql.Sequences),
    ];

    public sealed class CheckRow
    {
        public string Subject { get; init; } = "";

        public long Expected { get; init; }

        public long Actual { get; init; }
    }

    public sealed class Counts
    {
        public long Accounts { get; init; }

        public long Transfers { get; init; }

        public long Entries { get; init; }
    }

    /// <summary>Each check returns the rows that break it: a subject, the expected and the actual value.</summary>
    private static class Sql
    {
        public const string CurrencyTotals = """
            SELECT currency AS Subject, 0 AS Expected, SUM(posted) AS Actual
            FROM accounts GROUP BY currency HAVING SUM(posted) <> 0
            """;

        public const string CurrencyPending = """
            SELECT currency AS Subject, SUM(pending_debits) AS Expected, SUM(pending_credits) AS Actual
            FROM accounts GROUP BY currency HAVING SUM(pending_debits) <> SUM(pending_credits)
            """;

        public const string BalanceVersusEntries = """
            SELECT a.id AS Subject, a.posted AS Expected, COALESCE(SUM(e.amount), 0) AS Actual
            FROM accounts a LEFT JOIN entries e ON e.account_id = a.id
            GROUP BY a.id, a.posted HAVING a.posted <> COALESCE(SUM(e.amount), 0)
            """;

        public const string TransferEntries = """
            SELECT transfer_id AS Subject, 0 AS Expected, SUM(amount) AS Actual
            FROM entries GROUP BY transfer_id HAVING SUM(amount) <> 0
            """;

        public const string PostedTransferEntries = """
            SELECT t.id AS Subject, 2 * t.captured_amount AS Expected, COALESCE(SUM(ABS(e.amount)), 0) AS Actual
            FROM transfers t LEFT JOIN entries e ON e.transfer_id = t.id
            WHERE t.status = 'posted'
            GROUP BY t.id, t.captured_amount
            HAVING COUNT(e.account_id) <> 2 OR COALESCE(SUM(ABS(e.amount)), 0) <> 2 * t.captured_amount
            """;

        public const string PendingDebits = """
            SELECT a.id AS Subject, COALESCE(SUM(t.amount), 0) AS Expected, a.pending_debits AS Actual
            FROM accounts a LEFT JOIN transfers t ON t.from_account_id = a.id AND t.status = 'pending'
            GROUP BY a.id, a.pending_debits HAVING a.pending_debits <> COALESCE(SUM(t.amount), 0)
            """;

        public const string PendingCredits = """
            SELECT a.id AS Subject, COALESCE(SUM(t.amount), 0) AS Expected, a.pending_credits AS Actual
            FROM accounts a LEFT JOIN transfers t ON t.to_account_id = a.id AND t.status = 'pending'
            GROUP BY a.id, a.pending_credits HAVING a.pending_credits <> COALESCE(SUM(t.amount), 0)
            """;

        public const string Sequences = """
            SELECT a.id AS Subject, a.last_sequence AS Expected, COUNT(e.sequence) AS Actual
            FROM accounts a LEFT JOIN entries e ON e.account_id = a.id
            GROUP BY a.id, a.last_sequence HAVING COUNT(e.sequence) <> a.last_sequence OR COALESCE(MAX(e.sequence), 0) <> a.last_sequence
            """;

        public const string Counts = """
            SELECT (SELECT COUNT(*) FROM accounts) AS Accounts, (SELECT COUNT(*) FROM transfers) AS Transfers, (SELECT COUNT(*) FROM entries) AS Entries
            """;
    }

}
