using System.ComponentModel;
using System.Globalization;
using System.Security.Claims;
using Strongroom.Features.Common;
using Strongroom.Features.Vocabulary;
using Strongroom.Infrastructure.Common;
using Strongroom.Infrastructure.Http;

namespace Strongroom.Features.Accounts;

/// <summary>A statement line: <c>amount</c> is signed (a debit is negative); <c>balanceAfter</c> is the posted balance after it.</summary>
public sealed record EntryResponse(long Sequence, string TransferId, long Amount, long BalanceAfter, string? Description, DateTimeOffset CreatedAt);

public static class ListEntries
{
    public static RouteHandlerBuilder MapListEntries(this IEndpointRouteBuilder group) =>
        group.MapGet("/{id}/entries", HandleAsync)
            .WithName("ListEntries")
            .WithSummary("An account's statement, newest first")
            .WithDescription("Keyset-paginated by the account's entry sequence, so every page costs one index seek however long the history. from (inclusive) and to (exclusive) filter by time.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);

    public static async Task<Results<Ok<Page<EntryResponse>>, ProblemHttpResult>> HandleAsync(
        string id, [AsParameters] PageRequest page,
        [Description("Only entries at or after this instant (RFC 3339).")] DateTimeOffset? from,
        [Description("Only entries before this instant (RFC 3339).")] DateTimeOffset? to,
        ClaimsPrincipal user, SqlDatabase database, AccountCache accounts, CancellationToken cancellationToken)
    {
        if (!page.TryBefore(out var before))
        {
            return PageRequest.InvalidCursor();
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
        var rows = (await connection.QueryAsync<EntryRow>(database.FirstRows(Sql.Page), new
        {
            AccountId = id,
            Before = before,
            From = from is { } f ? UnixMicroseconds.From(f) : long.MinValue,
            To = to is { } t ? UnixMicroseconds.From(t) : long.MaxValue,
            Take = page.Fetch,
        })).ToList();

        return TypedResults.Ok(Paging.From(rows, page.Take, row => row.ToResponse(), entry => entry.Sequence.ToString(CultureInfo.InvariantCulture)));
    }

    public sealed class EntryRow
    {
        public long Sequence { get; init; }

        public string TransferId { get; init; } = "";

        public long Amount { get; init; }

        public long BalanceAfter { get; init; }

        public string? Description { get; init; }

        public long CreatedAt { get; init; }

        public EntryResponse ToResponse() => new(Sequence, TransferId, Amount, BalanceAfter, Description, UnixMicroseconds.ToDateTimeOffset(CreatedAt));
    }

    private static class Sql
    {
        public const string Page = """
            SELECT e.sequence AS Sequence, e.transfer_id AS TransferId, e.amount AS Amount, e.balance_after AS BalanceAfter,
                   t.description AS Description, e.created_at AS CreatedAt
            FROM entries e JOIN transfers t ON t.id = e.transfer_id
            WHERE e.account_id = @AccountId AND e.sequence < @Before AND e.created_at >= @From AND e.created_at < @To
            ORDER BY e.sequence DESC
            """;
    }
}
