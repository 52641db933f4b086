using System.ComponentModel;
using System.Globalization;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using Strongroom.Features.Common;
using Strongroom.Features.Vocabulary;
using Strongroom.Infrastructure.Common;
using Strongroom.Infrastructure.Http;
using Strongroom.Infrastructure.Security;

namespace Strongroom.Features.Transfers;

/// <summary>
/// Finding transfers, newest first by (createdAt, id), keyset-paginated. Every search is driven by
/// an index that reads in that order, so a page costs a seek however long the history: by
/// metadata pair (transfer_metadata's key), by reference (ux_transfers_reference), by account (one
/// seek on each side, ix_transfers_from_time and ix_transfers_to_time, merged), or, for staff with
/// none of those, every transfer (ix_transfers_time). The other filters are checked on the rows read.
/// </summary>
public static class ListTransfers
{
    /// <summary>The prefix of a metadata filter's query name: <c>metadata[invoice]=2025-11</c>.</summary>
    public const string MetadataPrefix = "metadata[";

    public static RouteHandlerBuilder MapListTransfers(this IEndpointRouteBuilder group) =>
        group.MapGet("/", HandleAsync)
            .WithName("ListTransfers")
            .WithSummary("Find transfers, newest first")
            .WithDescription("Transfers touching an account the caller owns (staff: every transfer), newest first, keyset-paginated: pass the returned nextCursor to get the next page. Filters, all of which must match: accountId (someone else's account is 404), status, createdFrom (inclusive) and createdTo (exclusive), reference, and metadata[key]=value (up to 16 pairs, each matched exactly). limit is 1 to 100 (default 20).")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);

    public static async Task<Results<Ok<Page<TransferResponse>>, ValidationProblem, ProblemHttpResult>> HandleAsync(
        [AsParameters] PageRequest page,
        [Description("Only transfers from or to this account (acc_…).")] string? accountId,
        [Description("Only transfers in this status: posted, pending or voided.")] string? status,
        [Description("Only transfers created at or after this instant (RFC 3339).")] DateTimeOffset? createdFrom,
        [Description("Only transfers created before this instant (RFC 3339).")] DateTimeOffset? createdTo,
        [Description("Only the transfer with this reference (1 to 128 characters), the client's own id for it.")] string? reference,
        HttpContext context, ClaimsPrincipal user, SqlDatabase database, AccountCache accounts, CancellationToken cancellationToken)
    {
        if (!TryBefore(page, out var beforeTime, out var beforeId))
        {
            return PageRequest.InvalidCursor();
        }

        var errors = new Dictionary<string, string[]>();
        if (status is not null && status is not (TransferStatuses.Posted or TransferStatuses.Pending or TransferStatuses.Voided))
        {
            errors["status"] = ["status is one of posted, pending, voided."];
        }

        if (reference is not null && (reference.Length is 0 or > TransferReferences.MaxLength || !PlainText.IsPlain(reference)))
        {
            errors["reference"] = [$"reference is 1 to {TransferReferences.MaxLength} characters, without control characters."];
        }

        var metadata = ReadMetadata(context.Request.Query, errors);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        string? ownerId = null;
        if (accountId is not null)
        {
            // Someone else's account is reported exactly like a missing one, as GET /v1/accounts/{id} does.
            if (!OpaqueId.IsWellFormed(AccountIds.Prefix, accountId) || (await accounts.ReadAsync(accountId, user, cancellationToken)).Value is null)
            {
                return ApiProblems.NotFound("Account");
            }
        }
        else if (!user.IsStaff())
        {
            ownerId = user.UserId();
        }

        var search = new Search
        {
            AccountId = accountId,
            OwnerId = ownerId,
            Status = status,
            From = createdFrom is { } from ? UnixMicroseconds.From(from) : long.MinValue,
            To = createdTo is { } to ? UnixMicroseconds.From(to) : long.MaxValue,
            Reference = reference,
            BeforeTime = beforeTime,
            BeforeId = beforeId,
            Key = metadata.Count > 0 ? metadata[0].Key : null,
            Value = metadata.Count > 0 ? metadata[0].Value : null,
            Pairs = PairsJson(metadata),
            PairCount = metadata.Count,
            Take = page.Fetch,
        };

        await using var connection = await database.OpenAsync(cancellationToken);
        List<TransferRow> rows;
        if (metadata.Count > 0)
        {
            rows = [.. await connection.QueryAsync<TransferRow>(database.Pick(Sqlite.ByMetadata, SqlServer.ByMetadata), search)];
        }
        else if (reference is not null)
        {
            rows = [.. await connection.QueryAsync<TransferRow>(database.Pick(Sqlite.ByReference, SqlServer.ByReference), search)];
        }
        else if (accountId is not null)
        {
            rows = [.. await connection.QueryAsync<TransferRow>(database.Pick(Sqlite.ByAccount, SqlServer.ByAccount), search)];
        }
        else if (ownerId is not null)
        {
            // A customer's own accounts, each searched on both sides: the newest of each, merged, are the
            // newest of all (a transfer between two of them is found twice and kept once).
            var owned = await connection.QueryAsync<string>(Sql.OwnedAccounts, new { OwnerId = ownerId });
            var found = new List<TransferRow>();
            foreach (var ownedAccountId in owned)
            {
                found.AddRange(await connection.QueryAsync<TransferRow>(database.Pick(Sqlite.ByAccount, SqlServer.ByAccount), search with { AccountId = ownedAccountId }));
            }

            rows = [.. found.DistinctBy(row => row.Id, StringComparer.Ordinal)
                .OrderByDescending(row => row.CreatedAt).ThenByDescending(row => row.Id, StringComparer.Ordinal)
                .Take(page.Fetch)];
        }
        else
        {
            rows = [.. await connection.QueryAsync<TransferRow>(database.Pick(Sqlite.All, SqlServer.All), search)];
        }

        return TypedResults.Ok(Paging.From(rows, page.Take, row => row.ToResponse(),
            transfer => string.Create(CultureInfo.InvariantCulture, $"{UnixMicroseconds.From(transfer.CreatedAt)}:{transfer.Id}")));
    }

    /// <summary>The key the page starts below, (createdAt, id), from the cursor; the first page starts below every key.</summary>
    private static bool TryBefore(PageRequest page, out long time, out string id)
    {
        time = long.MaxValue;
        id = "";
        if (page.Cursor is null)
        {
            return true;
        }

        var key = KeysetCursor.Decode(page.Cursor);
        var colon = key?.IndexOf(':', StringComparison.Ordinal) ?? -1;
        if (key is null || colon <= 0
            || !long.TryParse(key.AsSpan(0, colon), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out time)
            || !OpaqueId.IsWellFormed(TransferIds.Prefix, key[(colon + 1)..]))
        {
            return false;
        }

        id = key[(colon + 1)..];
        return true;
    }

    /// <summary>The <c>metadata[key]=value</c> pairs of the query, in the order given, checked as a transfer's metadata is.</summary>
    private static List<KeyValuePair<string, string>> ReadMetadata(IQueryCollection query, Dictionary<string, string[]> errors)
    {
        var pairs = new List<KeyValuePair<string, string>>();
        var problems = new List<string>();
        foreach (var (name, values) in query)
        {
            if (!name.StartsWith("metadata", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (!name.StartsWith(MetadataPrefix, StringComparison.Ordinal) || !name.EndsWith(']'))
            {
                problems.Add("A metadata filter is written metadata[key]=value.");
                continue;
            }

            var key = name[MetadataPrefix.Length..^1];
            if (key.Length is < 1 or > 40 || !PlainText.IsPlain(key))
            {
                problems.Add("A metadata key is 1 to 40 characters, without control characters.");
            }
            else if (values.Count != 1 || values[0] is not { Length: <= 500 } value || !PlainText.IsPlain(value))
            {
                problems.Add("Each metadata key is given once, with a value of at most 500 characters, without control characters.");
            }
            else
            {
                pairs.Add(new(key, value));
            }
        }

        if (pairs.Count > MetadataAttribute.MaxPairs)
        {
            problems.Add($"At most {MetadataAttribute.MaxPairs} metadata pairs.");
        }

        if (problems.Count > 0)
        {
            errors["metadata"] = [.. problems.Distinct()];
        }

        return pairs;
    }

    /// <summary>The pairs as a JSON array of [key, value] arrays, which the statements unpack: one parameter, one statement text whatever their number.</summary>
    private static string? PairsJson(List<KeyValuePair<string, string>> pairs)
    {
        if (pairs.Count == 0)
        {
            return null;
        }

        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var (key, value) in pairs)
            {
                writer.WriteStartArray();
                writer.WriteStringValue(key);
                writer.WriteStringValue(value);
                writer.WriteEndArray();
            }

            writer.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Every parameter the statements take: null filters match everything.</summary>
    public sealed record Search
    {
        public string? AccountId { get; init; }

        /// <summary>A customer's id when they name no account: only transfers touching an account they own.</summary>
        public string? OwnerId { get; init; }

        public string? Status { get; init; }

        public long From { get; init; }

        public long To { get; init; }

        public string? Reference { get; init; }

        public long BeforeTime { get; init; }

        public string BeforeId { get; init; } = "";

        /// <summary>The first metadata pair, whose index drives the search.</summary>
        public string? Key { get; init; }

        public string? Value { get; init; }

        /// <summary>Every metadata pair, as a JSON array of [key, value]: a transfer must have all <see cref="PairCount"/>.</summary>
        public string? Pairs { get; init; }

        public int PairCount { get; init; }

        public int Take { get; init; }
    }

    /// <summary>Clauses the statements share (fragments, not statements).</summary>
    private static class Clauses
    {
        public const string Columns = """
            t.id AS Id, t.from_account_id AS FromAccountId, t.to_account_id AS ToAccountId, t.amount AS Amount, t.currency AS Currency,
                   t.status AS Status, t.captured_amount AS CapturedAmount, t.description AS Description, t.metadata AS Metadata,
                   t.hold_expires_at AS HoldExpiresAt, t.initiated_by AS InitiatedBy, t.created_at AS CreatedAt, t.updated_at AS UpdatedAt,
                   t.reference AS Reference
            """;

        // The filters, and the keyset: strictly below (BeforeTime, BeforeId), newest first.
        public const string Filters = $"""
            {Matches}
              AND t.created_at >= @From AND t.created_at < @To
              AND t.created_at <= @BeforeTime AND (t.created_at < @BeforeTime OR t.id < @BeforeId)
            """;

        // The filters on what a transfer is, not when: the search by metadata applies the time window
        // and the keyset to the metadata rows themselves (the same created_at and id), whose key is in
        // that order; said again of the transfer, they would make SQLite sort.
        public const string Matches = """
            (@Status IS NULL OR t.status = @Status)
              AND (@Reference IS NULL OR t.reference = @Reference)
            """;

        // Who may see a transfer found by metadata or reference: one naming the account, or (a
        // customer naming none) touching an account the owner has.
        public const string Visible = """
            (@AccountId IS NULL OR t.from_account_id = @AccountId OR t.to_account_id = @AccountId)
              AND (@OwnerId IS NULL OR EXISTS (SELECT 1 FROM accounts AS a WHERE a.owner_id = @OwnerId AND (a.id = t.from_account_id OR a.id = t.to_account_id)))
            """;
    }

    private static class Sql
    {
        public const string OwnedAccounts = """
            SELECT id FROM accounts WHERE owner_id = @OwnerId ORDER BY id
            """;
    }

    private static class Sqlite
    {
        // One seek on each side's index, each read newest first and cut to the page; the two merged.
        public const string ByAccount = $"""
            SELECT * FROM (
                SELECT {Clauses.Columns}
                FROM transfers AS t INDEXED BY ix_transfers_from_time
                WHERE t.from_account_id = @AccountId AND {Clauses.Filters}
                ORDER BY t.created_at DESC, t.id DESC
                LIMIT @Take)
            UNION ALL
            SELECT * FROM (
                SELECT {Clauses.Columns}
                FROM transfers AS t INDEXED BY ix_transfers_to_time
                WHERE t.to_account_id = @AccountId AND {Clauses.Filters}
                ORDER BY t.created_at DESC, t.id DESC
                LIMIT @Take)
            ORDER BY CreatedAt DESC, Id DESC
            LIMIT @Take
            """;

        public const string All = $"""
            SELECT {Clauses.Columns}
            FROM transfers AS t INDEXED BY ix_transfers_time
            WHERE {Clauses.Filters}
            ORDER BY t.created_at DESC, t.id DESC
            LIMIT @Take
            """;

        public const string ByReference = $"""
            SELECT {Clauses.Columns}
            FROM transfers AS t INDEXED BY ux_transfers_reference
            WHERE t.reference = @Reference AND {Clauses.Filters} AND {Clauses.Visible}
            ORDER BY t.created_at DESC, t.id DESC
            LIMIT @Take
            """;

        // The first pair's rows of transfer_metadata, newest first (CROSS JOIN keeps it the outer
        // loop), each transfer then read by its key and checked for every pair.
        public const string ByMetadata = $"""
            SELECT {Clauses.Columns}
            FROM transfer_metadata AS m
            CROSS JOIN transfers AS t
            WHERE m.meta_key = @Key AND m.meta_value = @Value
              AND m.created_at >= @From AND m.created_at < @To
              AND m.created_at <= @BeforeTime AND (m.created_at < @BeforeTime OR m.transfer_id < @BeforeId)
              AND t.id = m.transfer_id
              AND {Clauses.Matches} AND {Clauses.Visible}
              AND (SELECT COUNT(*) FROM json_each(@Pairs) AS wanted
                   JOIN transfer_metadata AS x ON x.meta_key = json_extract(wanted.value, '$[0]') AND x.meta_value = json_extract(wanted.value, '$[1]')
                        AND x.created_at = t.created_at AND x.transfer_id = t.id) = @PairCount
            ORDER BY m.created_at DESC, m.transfer_id DESC
            LIMIT @Take
            """;
    }

    private static class SqlServer
    {
        public const string ByAccount = $"""
            SELECT TOP (@Take) * FROM (
                SELECT * FROM (
                    SELECT TOP (@Take) {Clauses.Columns}
                    FROM transfers AS t WITH (INDEX (ix_transfers_from_time))
                    WHERE t.from_account_id = @AccountId AND {Clauses.Filters}
                    ORDER BY t.created_at DESC, t.id DESC) AS sent
                UNION ALL
                SELECT * FROM (
                    SELECT TOP (@Take) {Clauses.Columns}
                    FROM transfers AS t WITH (INDEX (ix_transfers_to_time))
                    WHERE t.to_account_id = @AccountId AND {Clauses.Filters}
                    ORDER BY t.created_at DESC, t.id DESC) AS received) AS found
            ORDER BY found.CreatedAt DESC, found.Id DESC
            """;

        public const string All = $"""
            SELECT TOP (@Take) {Clauses.Columns}
            FROM transfers AS t WITH (INDEX (ix_transfers_time))
            WHERE {Clauses.Filters}
            ORDER BY t.created_at DESC, t.id DESC
            """;

        public const string ByReference = $"""
            SELECT TOP (@Take) {Clauses.Columns}
            FROM transfers AS t
            WHERE t.reference = @Reference AND {Clauses.Filters} AND {Clauses.Visible}
            ORDER BY t.created_at DESC, t.id DESC
            """;

        public const string ByMetadata = $"""
            SELECT TOP (@Take) {Clauses.Columns}
            FROM transfer_metadata AS m
            INNER LOOP JOIN transfers AS t ON t.id = m.transfer_id
            WHERE m.meta_key = @Key AND m.meta_value = @Value
              AND m.created_at >= @From AND m.created_at < @To
              AND m.created_at <= @BeforeTime AND (m.created_at < @BeforeTime OR m.transfer_id < @BeforeId)
              AND {Clauses.Matches} AND {Clauses.Visible}
              AND (SELECT COUNT(*) FROM OPENJSON(@Pairs) WITH (meta_key nvarchar(40) '$[0]', meta_value nvarchar(500) '$[1]') AS wanted
                   JOIN transfer_metadata AS x ON x.meta_key = wanted.meta_key AND x.meta_value = wanted.meta_value
                        AND x.created_at = t.created_at AND x.transfer_id = t.id) = @PairCount
            ORDER BY m.created_at DESC, m.transfer_id DESC
            """;
    }
}
