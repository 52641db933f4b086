using System.Data.Common;
using Dapper;
using Strongroom.Infrastructure.Database;

namespace Strongroom.Infrastructure.Events;

/// <summary>
/// An event a transaction is about to commit: its type, its data (the resource's JSON as its own
/// GET returns it after the change) and the owners of the accounts it is about, who may see it
/// besides staff (null for none: a settlement account has no owner).
/// </summary>
public sealed record NewEvent(string Type, string Data, string? OwnerA, string? OwnerB);

/// <summary>
/// Writes a transaction's events into the outbox, in that transaction, so the change and its
/// events commit together or not at all. The sequences are taken from <c>event_counter</c> by one
/// statement, which the caller runs as late as it can before COMMIT: the counter's row stays
/// locked from there to COMMIT, so sequences are handed out in commit order and a reader that has
/// seen event N never later finds a smaller one appear. The ledger writer's SQLite path runs the
/// same three statements from its own prepared commands.
/// </summary>
public static class EventLog
{
    /// <summary>Takes <paramref name="events"/>' sequences and inserts them, stamped <paramref name="now"/> (microseconds: the transaction's own time); returns the last one's sequence. Does nothing for none (and returns 0).</summary>
    public static async Task<long> WriteAsync(DbConnection connection, DbTransaction transaction, SqlDatabase database, long now, IReadOnlyList<NewEvent> events, int? commandTimeout = null)
    {
        if (events.Count == 0)
        {
            return 0;
        }

        var last = await connection.ExecuteScalarAsync<long>(database.Pick(Sqlite.TakeSequences, SqlServer.TakeSequences), new { Count = (long)events.Count }, transaction, commandTimeout);
        var sequence = last - events.Count;
        foreach (var added in events)
        {
            sequence++;
            await connection.ExecuteAsync(Sql.InsertEvent, new EventRow { Sequence = sequence, Type = added.Type, CreatedAt = now, Data = added.Data }, transaction, commandTimeout);
            foreach (var userId in AudienceOf(added))
            {
                await connection.ExecuteAsync(Sql.InsertAudience, new AudienceRow { UserId = userId, Sequence = sequence }, transaction, commandTimeout);
            }
        }

        return last;
    }

    /// <summary>Who may see <paramref name="added"/> besides staff: each distinct owner once (a transfer between two accounts of one customer has one row).</summary>
    public static IEnumerable<string> AudienceOf(NewEvent added)
    {
        if (added.OwnerA is { } ownerA)
        {
            yield return ownerA;
        }

        if (added.OwnerB is { } ownerB && !string.Equals(added.OwnerA, ownerB, StringComparison.Ordinal))
        {
            yield return ownerB;
        }
    }

    internal sealed class EventRow
    {
        public long Sequence { get; init; }

        public string Type { get; init; } = "";

        public long CreatedAt { get; init; }

        public string Data { get; init; } = "";
    }

    internal sealed class AudienceRow
    {
        public string UserId { get; init; } = "";

        public long Sequence { get; init; }
    }

    /// <summary>Also the texts the ledger writer's SQLite path prepares once and reuses.</summary>
    public static class Sql
    {
        public const string InsertEvent = """
            INSERT INTO events (sequence, type, created_at, data) VALUES (@Sequence, @Type, @CreatedAt, @Data)
            """;

        public const string InsertAudience = """
            INSERT INTO event_audience (user_id, sequence) VALUES (@UserId, @Sequence)
            """;
    }

    public static class Sqlite
    {
        public const string TakeSequences = """
            UPDATE event_counter SET last_sequence = last_sequence + @Count WHERE id = 1 RETURNING last_sequence
            """;
    }

    public static class SqlServer
    {
        public const string TakeSequences = """
            UPDATE event_counter SET last_sequence = last_sequence + @Count OUTPUT inserted.last_sequence WHERE id = 1
            """;
    }
}
