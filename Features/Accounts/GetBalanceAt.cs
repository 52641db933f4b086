using System.ComponentModel;
using System.Security.Claims;
using Strongroom.Features.Vocabulary;
using Strongroom.Infrastructure.Common;
using Strongroom.Infrastructure.Http;

namespace Strongroom.Features.Accounts;

/// <summary>
/// The posted balance as it was at <c>at</c>: the balance after the account's last entry at or before
/// that instant, and that entry's sequence (0 and 0 before the first entry).
/// </summary>
public sealed record BalanceAtResponse(string AccountId, DateTimeOffset At, long Posted, long Sequence);

public static class GetBalanceAt
{
    public static RouteHandlerBuilder MapGetBalanceAt(this IEndpointRouteBuilder group) =>
        group.MapGet("/{id}/balance", HandleAsync)
            .WithName("GetBalanceAt")
            .WithSummary("An account's posted balance as of an instant")
            .WithDescription("The posted balance after the account's last entry at or before at (RFC 3339), with that entry's sequence; 0 with sequence 0 before the first entry. One index seek however long the history. Visible to the account's owner and to staff; for anyone else the account does not exist (404).")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);

    public static async Task<Results<Ok<BalanceAtResponse>, ValidationProblem, ProblemHttpResult>> HandleAsync(
        string id,
        [Description("The instant (RFC 3339, e.g. 2026-12-01T00:00:00Z) the balance is asked for: entries at or before it count. Required.")] DateTimeOffset? at,
        ClaimsPrincipal user, SqlDatabase database, AccountCache accounts, CancellationToken cancellationToken)
    {
        if (at is not { } instant)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["at"] = ["at is required: an RFC 3339 instant such as 2026-12-01T00:00:00Z."] });
        }

        if (!OpaqueId.IsWellFormed(AccountIds.Prefix, id))
        {
            return ApiProblems.NotFound("Account");
        }

        // Whether the caller may read this account: the account as they may see it, usually cached.
        if ((await accounts.ReadAsync(id, user, cancellationToken)).Value is null)
        {
            return ApiProblems.NotFound("Account");
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        var last = await connection.QuerySingleOrDefaultAsync<LastEntry>(database.Pick(Sqlite.LastEntryAt, SqlServer.LastEntryAt), new
        {
            AccountId = id,
            At = UnixMicroseconds.From(instant),
        });

        return TypedResults.Ok(new BalanceAtResponse(id, instant, last?.BalanceAfter ?? 0, last?.Sequence ?? 0));
    }

    /// <summary>The entry whose balance is the answer.</summary>
    public sealed class LastEntry
    {
        public long Sequence { get; init; }

        public long BalanceAfter { get; init; }
    }

    // One seek on ix_entries_account_time, (account_id, created_at) and, as the table's key, sequence:
    // the first row read backwards from at is the answer, and of several entries at the same
    // microsecond it is the one with the highest sequence.
    private static class Sqlite
    {
        public const string LastEntryAt = """
            SELECT sequence AS Sequence, balance_after AS BalanceAfter
            FROM entries INDEXED BY ix_entries_account_time
            WHERE account_id = @AccountId AND created_at <= @At
            ORDER BY created_at DESC, sequence DESC
            LIMIT 1
            """;
    }

    private static class SqlServer
    {
        public const string LastEntryAt = """
            SELECT TOP (1) sequence AS Sequence, balance_after AS BalanceAfter
            FROM entries WITH (INDEX (ix_entries_account_time))
            WHERE account_id = @AccountId AND created_at <= @At
            ORDER BY created_at DESC, sequence DESC
            """;
    }
}
