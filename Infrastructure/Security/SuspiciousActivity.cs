using Dapper;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Strongroom.Infrastructure.Common;
using Strongroom.Infrastructure.Database;

namespace Strongroom.Infrastructure.Security;

/// <summary>Bound from <c>Auth:Bursts</c>: how many authorization denials in <see cref="Window"/> are a burst.</summary>
public sealed class BurstOptions
{
    public int DenialsPerUser { get; set; } = 10;

    public int DenialsPerAddress { get; set; } = 20;

    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(5);
}

/// <summary>
/// Notices bursts of authorization denials from one user or one client address (someone walking
/// the admin endpoints, or a stolen token probing): the denial that reaches the limit within the
/// window raises one <c>suspicious_activity</c> audit event and the metric. Counted in the
/// database, so replicas add up the same counts.
/// </summary>
public sealed class SuspiciousActivity(SqlDatabase database, AuditLog audit, SecurityMetrics metrics, IOptions<AuthOptions> options, TimeProvider time)
{
    private BurstOptions Bursts => options.Value.Bursts;

    public async Task AuthorizationDeniedAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var userId = context.User.FindFirst(StrongroomClaims.Subject)?.Value;
        if (userId is not null && await CountAsync($"denied:user:{userId}", Bursts.DenialsPerUser, cancellationToken))
        {
            await RaiseAsync("authorization_denials_by_user", userId, context, cancellationToken);
        }

        var address = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        if (await CountAsync($"denied:ip:{address}", Bursts.DenialsPerAddress, cancellationToken))
        {
            await RaiseAsync("authorization_denials_from_address", $"ip:{address}", context, cancellationToken);
        }
    }

    private async Task RaiseAsync(string kind, string target, HttpContext context, CancellationToken cancellationToken)
    {
        metrics.SuspiciousActivity(kind);
        await audit.RecordAsync(new AuditEvent("suspicious_activity", ActorId: context.User.FindFirst(StrongroomClaims.Subject)?.Value, Target: target, Details: kind),
            context, cancellationToken);
    }

    /// <summary>Counts one event; true exactly when this one reaches the limit, so a burst is reported once per window.</summary>
    private async Task<bool> CountAsync(string subject, int limit, CancellationToken cancellationToken)
    {
        var now = UnixMicroseconds.Now(time);
        await using var connection = await database.OpenAsync(cancellationToken);
        var events = await connection.ExecuteScalarAsync<long>(database.Pick(Sqlite.Count, SqlServer.Count), new
        {
            Subject = subject,
            Now = now,
            WindowStart = now - (Bursts.Window.Ticks / TimeSpan.TicksPerMicrosecond),
        });
        return events == limit;
    }

    private static class Sqlite
    {
        public const string Count = """
            INSERT INTO activity_bursts (subject, events, window_started_at) VALUES (@Subject, 1, @Now)
            ON CONFLICT (subject) DO UPDATE SET
                events = CASE WHEN window_started_at < @WindowStart THEN 1 ELSE events + 1 END,
                window_started_at = CASE WHEN window_started_at < @WindowStart THEN @Now ELSE window_started_at END
            RETURNING events
            """;
    }

    private static class SqlServer
    {
        public const string Count = """
            MERGE activity_bursts WITH (HOLDLOCK) AS t
            USING (SELECT @Subject AS subject) AS s ON t.subject = s.subject
            WHEN MATCHED THEN UPDATE SET
                events = CASE WHEN t.window_started_at < @WindowStart THEN 1 ELSE t.events + 1 END,
                window_started_at = CASE WHEN t.window_started_at < @WindowStart THEN @Now ELSE t.window_started_at END
            WHEN NOT MATCHED THEN INSERT (subject, events, window_started_at) VALUES (@Subject, 1, @Now)
            OUTPUT inserted.events;
            """;
    }
}
