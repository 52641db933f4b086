using Strongroom.Features.Vocabulary;

namespace Strongroom.Features.Approvals;

/// <summary>What the approvals slices read (the ledger writer reads and decides them under lock).</summary>
internal static class ApprovalReads
{
    public static async Task<ApprovalRow?> ByIdAsync(SqlDatabase database, string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<ApprovalRow>(Sql.ById, new { Id = id });
    }

    internal static class Sql
    {
        public const string ById = $"""
            SELECT {ApprovalRow.Columns} FROM approvals WHERE id = @Id
            """;
    }
}
