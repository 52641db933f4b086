using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using Microsoft.AspNetCore.Http;
using Strongroom.Infrastructure.Common;
using Strongroom.Infrastructure.Database;

namespace Strongroom.Infrastructure.Security;

/// <summary>
/// What happened, by whom, to what. Never a secret or a personal value: actors and targets are
/// ids (or a blind index), details are codes.
/// </summary>
public sealed record AuditEvent(string Action, string? ActorId = null, string? Target = null, string? Details = null);

/// <summary>
/// The append-only, hash-chained security audit log. Appends are serialised (SQLite's write lock;
/// an exclusive table lock on SQL Server) so the chain has one order. Each record carries where
/// the request came from (client address, user agent) and its trace id.
/// </summary>
public sealed class AuditLog(SqlDatabase database, TimeProvider time)
{
    public const string Genesis = "0000000000000000000000000000000000000000000000000000000000000000";

    public async Task RecordAsync(AuditEvent audit, HttpContext? context, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var last = await connection.QuerySingleOrDefaultAsync<ChainTip>(database.Pick(Sqlite.Tip, SqlServer.Tip), transaction: transaction);
        var record = new AuditRecord
        {
            Sequence = (last?.Sequence ?? 0) + 1,
            OccurredAt = UnixMicroseconds.Now(time),
            Action = audit.Action,
            ActorId = audit.ActorId,
            Target = audit.Target,
            ClientIp = context?.Connection.RemoteIpAddress?.ToString(),
            UserAgent = context is null ? null : Truncate(context.Request.Headers.UserAgent.ToString(), 400),
            TraceId = Activity.Current?.TraceId.ToString() ?? context?.TraceIdentifier,
            Details = audit.Details,
            PreviousHash = last?.Hash ?? Genesis,
        };
        record.Hash = HashOf(record);
        await connection.ExecuteAsync(Sql.Append, record, transaction);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>The record's hash: SHA-256 over the previous hash and every field, length-prefixed so no two records collide.</summary>
    public static string HashOf(AuditRecord record)
    {
        var text = new StringBuilder();
        foreach (var field in new[]
        {
            record.PreviousHash, record.Sequence.ToString(CultureInfo.InvariantCulture), record.OccurredAt.ToString(CultureInfo.InvariantCulture),
            record.Action, record.ActorId, record.Target, record.ClientIp, record.UserAgent, record.TraceId, record.Details,
        })
        {
            text.Append(field?.Length.ToString(CultureInfo.InvariantCulture) ?? "-").Append(':').Append(field).Append('|');
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    private static string? Truncate(string value, int length) => value.Length == 0 ? null : value.Length <= length ? value : value[..length];

    public sealed class ChainTip
    {
        public long Sequence { get; init; }

        public string Hash { get; init; } = "";
    }

    private static class Sql
    {
        public const string Append = """
            INSERT INTO audit_log (sequence, occurred_at, action, actor_id, target, client_ip, user_agent, trace_id, details, previous_hash, hash)
            VALUES (@Sequence, @OccurredAt, @Action, @ActorId, @Target, @ClientIp, @UserAgent, @TraceId, @Details, @PreviousHash, @Hash)
            """;
    }

    private static class Sqlite
    {
        public const string Tip = """
            SELECT sequence AS Sequence, hash AS Hash FROM audit_log ORDER BY sequence DESC LIMIT 1
            """;
    }

    private static class SqlServer
    {
        public const string Tip = """
            SELECT TOP (1) sequence AS Sequence, hash AS Hash FROM audit_log WITH (TABLOCKX, HOLDLOCK) ORDER BY sequence DESC
            """;
    }
}
